//! 95% intervals for the small-area figures.
//!
//! - Proportions (birth-order shares) and the sex ratio at birth: the Wilson score
//!   interval on the proportion; for SRB on the male share p = m / (m + f), mapped
//!   to the ratio by 100·p / (1 − p), as indicators.md prescribes. Wilson because
//!   it stays inside [0, 1] and behaves with the handful of births of a village.
//! - Rates (cbr, gfr, asfr, cdr): the numerator is treated as a Poisson count over
//!   a fixed denominator; the interval is the exact (Garwood) Poisson interval for
//!   counts up to [`EXACT_POISSON_MAX`] and Byar's approximation above it (relative
//!   error below 0.1% there), scaled like the rate. No interval for counts (a
//!   register is a census, not a sample), the TFR or natural increase.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Counts up to this get the exact Poisson interval (from a table built once).
pub const EXACT_POISSON_MAX: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn scaled(self, k: f64) -> Interval {
        Interval {
            low: self.low * k,
            high: self.high * k,
        }
    }

    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// Wilson 95% interval for `x` successes in `n` trials; `None` when `n` is 0.
pub fn wilson(x: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let (xf, nf) = (x.min(n) as f64, n as f64);
    let p = xf / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    let low = if x == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if x >= n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some(Interval { low, high })
}

/// The SRB interval for `males` and `females` births: Wilson on the male share,
/// mapped to males per 100 females. `None` when there are no female births (the
/// ratio itself is then null, and the upper bound infinite).
pub fn srb(males: u64, females: u64) -> Option<Interval> {
    if females == 0 {
        return None;
    }
    let w = wilson(males, males + females)?;
    let ratio = |p: f64| 100.0 * p / (1.0 - p);
    Some(Interval {
        low: ratio(w.low),
        high: ratio(w.high),
    })
}

/// 95% interval for the mean of a Poisson variable observed as `x`.
pub fn poisson(x: u64) -> Interval {
    if x <= EXACT_POISSON_MAX as u64 {
        return exact_table()[x as usize];
    }
    byar(x)
}

/// Byar's approximation (Breslow & Day 1987, p. 69).
fn byar(x: u64) -> Interval {
    let xf = x as f64;
    let lo = if x == 0 {
        0.0
    } else {
        xf * (1.0 - 1.0 / (9.0 * xf) - Z95 / (3.0 * xf.sqrt())).powi(3)
    };
    let x1 = xf + 1.0;
    let hi = x1 * (1.0 - 1.0 / (9.0 * x1) + Z95 / (3.0 * x1.sqrt())).powi(3);
    Interval {
        low: lo.max(0.0),
        high: hi,
    }
}

fn exact_table() -> &'static [Interval] {
    static TABLE: OnceLock<Vec<Interval>> = OnceLock::new();
    TABLE.get_or_init(|| (0..=EXACT_POISSON_MAX as u64).map(garwood).collect())
}

/// The exact interval: λ_low with P(X ≥ x) = 2.5%, λ_high with P(X ≤ x) = 2.5%,
/// found by bisection on the Poisson distribution function.
fn garwood(x: u64) -> Interval {
    let alpha = 0.05;
    // P(X ≤ k; λ) decreases in λ.
    let cdf = |k: u64, lambda: f64| {
        let mut term = (-lambda).exp();
        let mut sum = term;
        for i in 1..=k {
            term *= lambda / i as f64;
            sum += term;
        }
        sum
    };
    let solve = |k: u64, target: f64| {
        let (mut lo, mut hi) = (0.0f64, 20.0 + 3.0 * x as f64);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if cdf(k, mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    };
    let low = if x == 0 {
        0.0
    } else {
        solve(x - 1, 1.0 - alpha / 2.0)
    };
    Interval {
        low,
        high: solve(x, alpha / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_matches_published_values() {
        // Wilson (1927) / Newcombe (1998) table: 15 of 148 → 0.0624-0.1605.
        let w = wilson(15, 148).unwrap();
        assert!(
            close(w.low, 0.0624, 1e-4) && close(w.high, 0.1605, 1e-4),
            "{w:?}"
        );
        // 0 of 10 → 0-0.2775.
        let w = wilson(0, 10).unwrap();
        assert_eq!(w.low, 0.0);
        assert!(close(w.high, 0.2775, 1e-4), "{w:?}");
        assert_eq!(wilson(10, 10).unwrap().high, 1.0);
        assert!(wilson(0, 0).is_none());
    }

    #[test]
    fn exact_poisson_matches_tables() {
        // Garwood limits, e.g. from Ulm (1990): 0 → 0-3.689, 1 → 0.0253-5.572,
        // 10 → 4.795-18.39.
        let p = poisson(0);
        assert!(p.low == 0.0 && close(p.high, 3.6889, 1e-3), "{p:?}");
        let p = poisson(1);
        assert!(
            close(p.low, 0.02532, 1e-4) && close(p.high, 5.5716, 1e-3),
            "{p:?}"
        );
        let p = poisson(10);
        assert!(
            close(p.low, 4.7954, 1e-3) && close(p.high, 18.390, 1e-2),
            "{p:?}"
        );
    }

    #[test]
    fn byar_takes_over_smoothly() {
        let exact = garwood(EXACT_POISSON_MAX as u64);
        let approx = byar(EXACT_POISSON_MAX as u64);
        assert!(
            (exact.low / approx.low - 1.0).abs() < 1e-3,
            "{exact:?} {approx:?}"
        );
        assert!(
            (exact.high / approx.high - 1.0).abs() < 1e-3,
            "{exact:?} {approx:?}"
        );
        // Monotone in x across the switch.
        let mut prev = poisson(0);
        for x in 1..300 {
            let p = poisson(x);
            assert!(p.low > prev.low && p.high > prev.high, "{x}");
            assert!(p.contains(x as f64));
            prev = p;
        }
    }

    #[test]
    fn srb_interval_brackets_the_ratio() {
        let i = srb(55, 50).unwrap();
        assert!(i.contains(110.0), "{i:?}");
        assert!(i.low > 70.0 && i.high < 170.0, "{i:?}");
        // Fewer births → wider.
        let small = srb(6, 4).unwrap();
        assert!(small.high - small.low > i.high - i.low);
        assert!(srb(3, 0).is_none());
        assert_eq!(srb(0, 4).unwrap().low, 0.0);
    }
}
