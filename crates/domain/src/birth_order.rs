//! 孩次: a child's birth order, derived from the mother's children in the register.
//!
//! Never typed in by hand: the order of a child is its rank among all children of the
//! same mother (living or dead, any region) by birth date, then by person number, so
//! twins get consecutive orders. What a source *reports* as the order is kept apart as
//! that source's statement.

use crate::date::Date;

/// Ranks one mother's children. Returns `(person_no, order)` in birth order.
pub fn derive<'a>(children: impl IntoIterator<Item = (&'a str, Date)>) -> Vec<(&'a str, u32)> {
    let mut v: Vec<(&str, Date)> = children.into_iter().collect();
    v.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
    v.into_iter()
        .enumerate()
        .map(|(i, (no, _))| (no, i as u32 + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_get_consecutive_orders_by_number() {
        let d = |y, m, dd| Date::from_ymd_opt(y, m, dd).unwrap();
        let got = derive([
            ("P3", d(2020, 5, 1)),
            ("P2", d(2018, 1, 1)),
            ("P9", d(2020, 5, 1)),
            ("P1", d(2015, 3, 3)),
        ]);
        assert_eq!(got, vec![("P1", 1), ("P2", 2), ("P3", 3), ("P9", 4)]);
    }
}
