//! Dual-system estimation (两系统估计): how many births really happened when two
//! independent sources (the register and, say, the hospital birth certificates) each
//! miss some. Pure computation on three counts.
//!
//! - Estimate: Chapman's bias-corrected Lincoln–Petersen estimator
//!   N̂ = (n1+1)(n2+1)/(m+1) − 1, with n1 births in the register, n2 distinct births
//!   in the source and m births found in both.
//! - Variance: Seber's Var(N̂) = (n1+1)(n2+1)(n1−m)(n2−m) / ((m+1)²(m+2)).
//! - 95% interval: Chao's (1987) log-normal interval on the number missed by both,
//!   f0 = N̂ − M with M = n1 + n2 − m the births seen at least once:
//!   [M + f0/C, M + f0·C], C = exp(1.96·√ln(1 + Var/f0²)). Chosen over the Wald
//!   interval N̂ ± 1.96·√Var because a village has a handful of births: the Wald
//!   interval is symmetric and then falls below the births actually seen (n1=n2=9,
//!   m=4: Wald starts at 11.0 with 14 births seen), which no one can act on. The
//!   log-normal interval never goes below M and is skewed upwards as the
//!   uncertainty is. When nobody can have been missed by both (m = n1 or m = n2, so
//!   f0 = 0 and Var = 0) the interval is the single point N̂ = M.
//!
//! The estimate assumes the two sources are independent and every birth equally
//! likely to be caught; a village ledger copied from the register is not an
//! independent source, and the estimate then understates what both missed.

use crate::interval::{Interval, Z95};
use serde::Serialize;

/// A dual-system estimate with the counts it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Chapman {
    /// Births in the first system (the register).
    pub n1: u64,
    /// Distinct births in the second system (the source).
    pub n2: u64,
    /// Births found in both.
    pub m: u64,
    /// N̂, the estimated true number of births.
    pub estimate: f64,
    pub variance: f64,
    /// Chao's log-normal 95% interval of N̂.
    pub interval: Interval,
    /// Births seen by at least one system: n1 + n2 − m.
    pub observed: u64,
    /// N̂ − observed: the estimated number missed by both.
    pub missed_by_both: f64,
}

/// Chapman's estimate; `None` when the counts are impossible (m above n1 or n2).
pub fn chapman(n1: u64, n2: u64, m: u64) -> Option<Chapman> {
    if m > n1 || m > n2 {
        return None;
    }
    let (a, b, c) = (n1 as f64, n2 as f64, m as f64);
    let estimate = (a + 1.0) * (b + 1.0) / (c + 1.0) - 1.0;
    let variance = (a + 1.0) * (b + 1.0) * (a - c) * (b - c) / ((c + 1.0).powi(2) * (c + 2.0));
    let observed = n1 + n2 - m;
    let f0 = estimate - observed as f64;
    // f0 is ≥ 0 algebraically ((n1−m)(n2−m)/(m+1)); guard against rounding anyway.
    let interval = if f0 <= 1e-12 || variance <= 0.0 {
        Interval {
            low: estimate.max(observed as f64),
            high: estimate.max(observed as f64),
        }
    } else {
        let k = (Z95 * (1.0 + variance / (f0 * f0)).ln().sqrt()).exp();
        Interval {
            low: observed as f64 + f0 / k,
            high: observed as f64 + f0 * k,
        }
    };
    Some(Chapman {
        n1,
        n2,
        m,
        estimate,
        variance,
        interval,
        observed,
        missed_by_both: f0.max(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn small_village_by_hand() {
        // N̂ = 10·10/5 − 1 = 19; Var = 10·10·5·5/(5²·6) = 2500/150 = 16.6667;
        // M = 14, f0 = 5, C = exp(1.96·√ln(1 + 16.6667/25)) = 2.57865…
        let c = chapman(9, 9, 4).unwrap();
        assert!(close(c.estimate, 19.0));
        assert!(close(c.variance, 2500.0 / 150.0));
        assert_eq!(c.observed, 14);
        assert!(close(c.missed_by_both, 5.0));
        assert!(close(c.interval.low, 15.231965864), "{:?}", c.interval);
        assert!(close(c.interval.high, 34.292770055), "{:?}", c.interval);
        // The Wald interval would start at 19 − 1.96·4.08 = 11.0, below the 14 seen.
        assert!(c.interval.low > c.observed as f64);
    }

    #[test]
    fn township_by_hand() {
        // N̂ = 101·81/61 − 1 = 8120/61 = 133.1148; Var = 101·81·40·20/(61²·62)
        // = 6544800/230702 = 28.3691; M = 120, f0 = 13.1148.
        let c = chapman(100, 80, 60).unwrap();
        assert!(close(c.estimate, 8120.0 / 61.0));
        assert!(close(c.variance, 6_544_800.0 / 230_702.0));
        assert!(close(c.missed_by_both, 8120.0 / 61.0 - 120.0));
        assert!(close(c.interval.low, 126.097769532), "{:?}", c.interval);
        assert!(close(c.interval.high, 148.206506357), "{:?}", c.interval);
    }

    #[test]
    fn a_source_wholly_inside_the_register_leaves_nothing_missed() {
        // Every source birth is in the register: N̂ = 11·6/6 − 1 = 10 = n1, Var = 0.
        let c = chapman(10, 5, 5).unwrap();
        assert!(close(c.estimate, 10.0));
        assert!(close(c.variance, 0.0));
        assert_eq!(
            c.interval,
            Interval {
                low: 10.0,
                high: 10.0
            }
        );
        assert!(close(c.missed_by_both, 0.0));
    }

    #[test]
    fn no_overlap_still_gives_a_finite_estimate() {
        // m = 0: N̂ = (n1+1)(n2+1) − 1 = 3·3 − 1 = 8 (Chapman's correction at work).
        let c = chapman(2, 2, 0).unwrap();
        assert!(close(c.estimate, 8.0));
        assert!(c.interval.low >= 4.0 && c.interval.high > c.estimate);
    }

    #[test]
    fn impossible_counts_are_refused() {
        assert!(chapman(3, 5, 4).is_none());
        assert!(chapman(0, 0, 0).is_some());
    }
}
