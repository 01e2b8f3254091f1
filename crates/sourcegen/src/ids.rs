//! Mothers' and fathers' ID numbers (GB 11643-1999) written from the standard, not
//! from the register's parser, and the ways sources miswrite them.
//!
//! Every number is built on an address code that no county has: province + a
//! prefecture "99" that does not exist anywhere, so that no generated number, however
//! plausible its date, can be a real person's.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha20Rng;

/// Address codes of first registration for people born outside the generated
/// counties (all unassigned: prefecture 99).
pub const ELSEWHERE: &[u32] = &[
    349902, 349903, 349904, 349905, 349906, 349907, 349908, 349909, 359901, 369901, 419901, 439901,
];

const FACTORS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character of 17 digits (ISO 7064 MOD 11-2).
pub fn check(body: &[u8]) -> u8 {
    let s: u32 = body
        .iter()
        .zip(FACTORS)
        .map(|(&c, f)| (c - b'0') as u32 * f)
        .sum();
    // (12 - s mod 11) mod 11, with 10 written as X.
    match (12 - s % 11) % 11 {
        10 => b'X',
        n => b'0' + n as u8,
    }
}

/// A number for someone born on `born`, registered at `address`, with a sequence
/// whose parity says the sex (odd male).
pub fn compose(address: u32, born: NaiveDate, seq: u32, male: bool) -> String {
    let seq = (seq % 500) * 2 + u32::from(male);
    let body = format!(
        "{address:06}{:04}{:02}{:02}{seq:03}",
        born.year(),
        born.month(),
        born.day()
    );
    let mut b = body.into_bytes();
    let c = check(&b);
    b.push(c);
    String::from_utf8(b).unwrap_or_default()
}

/// The 15-digit form used before 1999: two-digit year, no check character.
pub fn legacy(id: &str) -> String {
    if id.len() != 18 {
        return id.to_string();
    }
    format!("{}{}", &id[..6], &id[8..17])
}

/// How a clerk miswrites an 18-character number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSlip {
    /// One body digit replaced by another.
    Digit,
    /// Two neighbouring digits exchanged.
    Swap,
    /// Only the last character is wrong (X written as 0 or 1, or a digit off).
    CheckChar,
    /// A slip in the date part that makes it impossible (month 13, day 00 or 31 of a
    /// 30-day month); the check character is recomputed, as copying from a system
    /// that recomputes it would.
    ImpossibleDate,
    /// One digit left out (17 characters).
    Dropped,
}

pub fn slip(rng: &mut ChaCha20Rng, id: &str, kind: IdSlip) -> String {
    let mut b = id.as_bytes().to_vec();
    if b.len() != 18 {
        return id.to_string();
    }
    match kind {
        IdSlip::Digit => {
            let i = rng.random_range(0..17);
            let d = b[i] - b'0';
            b[i] = b'0' + (d + rng.random_range(1..10)) % 10;
        }
        IdSlip::Swap => {
            // Avoid a no-op on equal neighbours.
            let start = rng.random_range(0..16);
            for k in 0..16 {
                let i = (start + k) % 16;
                if b[i] != b[i + 1] {
                    b.swap(i, i + 1);
                    break;
                }
            }
        }
        IdSlip::CheckChar => {
            let right = b[17];
            b[17] = if right == b'X' {
                if rng.random_bool(0.5) {
                    b'0'
                } else {
                    b'1'
                }
            } else {
                let d = right - b'0';
                b'0' + (d + rng.random_range(1..10)) % 10
            };
        }
        IdSlip::ImpossibleDate => {
            match rng.random_range(0..3) {
                0 => {
                    b[10] = b'1';
                    b[11] = b'3';
                }
                1 => {
                    b[12] = b'0';
                    b[13] = b'0';
                }
                _ => {
                    b[12] = b'3';
                    b[13] = b'2';
                }
            }
            b[17] = check(&b[..17]);
        }
        IdSlip::Dropped => {
            let i = rng.random_range(0..17);
            b.remove(i);
        }
    }
    String::from_utf8(b).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn check_characters_follow_the_standard() {
        // Worked example on an unassigned address code: body 34990119800101002.
        let body = b"34990119800101002";
        let s: u32 = body
            .iter()
            .zip(FACTORS)
            .map(|(&c, f)| (c - b'0') as u32 * f)
            .sum();
        let expected = b"10X98765432"[(s % 11) as usize];
        assert_eq!(check(body), expected);
        let d = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
        let id = compose(349901, d, 1, false);
        assert_eq!(id.len(), 18);
        assert_eq!(id.as_bytes()[17], check(&id.as_bytes()[..17]));
        assert_eq!((id.as_bytes()[16] - b'0') % 2, 0);
        assert_eq!(legacy(&id), format!("{}{}", &id[..6], &id[8..17]));
    }

    #[test]
    fn slips_change_what_they_say() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let d = NaiveDate::from_ymd_opt(1990, 6, 15).unwrap();
        let id = compose(429901, d, 77, false);
        let c = slip(&mut rng, &id, IdSlip::CheckChar);
        assert_eq!(c[..17], id[..17]);
        assert_ne!(c, id);
        assert_eq!(slip(&mut rng, &id, IdSlip::Dropped).len(), 17);
        let bad = slip(&mut rng, &id, IdSlip::ImpossibleDate);
        let (m, dd): (u32, u32) = (bad[10..12].parse().unwrap(), bad[12..14].parse().unwrap());
        assert!(NaiveDate::from_ymd_opt(1990, m, dd).is_none());
    }
}
