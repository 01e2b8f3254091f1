//! 目标值 and 差距: a target per indicator, region and year with a direction, and
//! the gap of an actual value against it. Storage and versioning of targets are
//! the store's; this module only says what a gap is.

use renkou_domain::RegionCode;
use serde::{Deserialize, Serialize};

/// Which side of the target is good.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Direction {
    /// e.g. SRB toward 107, CDR.
    LowerIsBetter,
    /// e.g. statistical accuracy rate.
    HigherIsBetter,
    /// Good anywhere in `low..=high`, e.g. SRB 103-107.
    Band { low: f64, high: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// A catalogue or user indicator code.
    pub indicator: String,
    pub region: RegionCode,
    pub year: i32,
    pub direction: Direction,
    /// The target in the indicator's unit. For a band, the point shown as "the
    /// target" (e.g. 105); the gap is measured to the band's nearer edge.
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapStatus {
    /// On the good side of the target (inside the band).
    Good,
    /// On the bad side (outside the band).
    Bad,
    /// Exactly on the target (within 1e-9 of it).
    Neutral,
    /// The actual value is null (zero denominator): no gap.
    NoData,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub actual: Option<f64>,
    /// actual − target in the indicator's unit (‰, %, points). For a band:
    /// actual − high above it, actual − low below it, 0 inside.
    pub gap: Option<f64>,
    pub status: GapStatus,
}

impl Gap {
    /// The gap with its sign, as shown: `+2.30`, `-0.50`, `0.00`, or `—`.
    pub fn signed(&self, decimals: usize) -> String {
        match self.gap {
            Some(g) if g > 0.0 => format!("+{g:.decimals$}"),
            Some(g) => format!("{g:.decimals$}"),
            None => "—".to_string(),
        }
    }
}

const EPS: f64 = 1e-9;

impl Target {
    pub fn gap(&self, actual: Option<f64>) -> Gap {
        let Some(a) = actual else {
            return Gap {
                actual,
                gap: None,
                status: GapStatus::NoData,
            };
        };
        let (gap, status) = match self.direction {
            Direction::LowerIsBetter | Direction::HigherIsBetter => {
                let g = a - self.value;
                let good = if self.direction == Direction::LowerIsBetter {
                    g < 0.0
                } else {
                    g > 0.0
                };
                let status = if g.abs() <= EPS {
                    GapStatus::Neutral
                } else if good {
                    GapStatus::Good
                } else {
                    GapStatus::Bad
                };
                (g, status)
            }
            Direction::Band { low, high } => {
                if a > high + EPS {
                    (a - high, GapStatus::Bad)
                } else if a < low - EPS {
                    (a - low, GapStatus::Bad)
                } else {
                    (0.0, GapStatus::Good)
                }
            }
        };
        Gap {
            actual,
            gap: Some(gap),
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(direction: Direction, value: f64) -> Target {
        Target {
            indicator: "srb".into(),
            region: RegionCode::parse("349901000000").unwrap(),
            year: 2024,
            direction,
            value,
        }
    }

    #[test]
    fn gaps_by_direction() {
        let lower = t(Direction::LowerIsBetter, 107.0);
        let g = lower.gap(Some(112.5));
        assert_eq!((g.gap, g.status), (Some(5.5), GapStatus::Bad));
        assert_eq!(g.signed(2), "+5.50");
        let g = lower.gap(Some(104.0));
        assert_eq!((g.gap, g.status), (Some(-3.0), GapStatus::Good));
        assert_eq!(g.signed(1), "-3.0");
        assert_eq!(lower.gap(Some(107.0)).status, GapStatus::Neutral);
        assert_eq!(lower.gap(None).status, GapStatus::NoData);
        assert_eq!(lower.gap(None).signed(2), "—");

        let higher = t(Direction::HigherIsBetter, 95.0);
        assert_eq!(higher.gap(Some(97.0)).status, GapStatus::Good);
        assert_eq!(higher.gap(Some(90.0)).gap, Some(-5.0));
        assert_eq!(higher.gap(Some(90.0)).status, GapStatus::Bad);

        let band = t(
            Direction::Band {
                low: 103.0,
                high: 107.0,
            },
            105.0,
        );
        assert_eq!(band.gap(Some(105.9)).status, GapStatus::Good);
        assert_eq!(band.gap(Some(107.0)).status, GapStatus::Good);
        assert_eq!(band.gap(Some(110.0)).gap, Some(3.0));
        assert_eq!(band.gap(Some(101.0)).gap, Some(-2.0));
        assert_eq!(band.gap(Some(101.0)).status, GapStatus::Bad);
    }

    #[test]
    fn targets_serialise() {
        let band = t(
            Direction::Band {
                low: 103.0,
                high: 107.0,
            },
            105.0,
        );
        let json = serde_json::to_string(&band).unwrap();
        assert!(
            json.contains(r#""direction":{"kind":"band","low":103.0,"high":107.0}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), band);
    }
}
