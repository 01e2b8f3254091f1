//! renkou-stats: the indicators engine. It owns the catalogue of
//! `shared/indicators.md` (codes, names, units, formulas), the reporting
//! [`Period`]s, the 95% intervals, the population pyramid, targets and their gaps,
//! user-defined indicator formulas, publication suppression, and the dual-system
//! (Chapman) estimate of births missed by two sources ([`capture`]).
//!
//! Pure computation: the store fills a slice of [`StatPerson`] and a
//! [`RegionTable`]; nothing here reads files or databases. The hot path is
//! [`count`]: one pass over the persons that aggregates per-region
//! [`RegionCounts`], then a roll-up from villages to townships to the county, so
//! every indicator of every region comes from the same counts and a township's
//! figures always sum to its county's.
//!
//! Typical use (what the CLI's `renkou indicators` does):
//!
//! ```
//! use renkou_stats::{catalogue, count, Period, RegionTable, StatPerson};
//! # use renkou_domain::{RegionCode, Residence, Sex};
//! # let regions = RegionTable::build([(RegionCode::parse("349901000000").unwrap(), "县".to_string())]).unwrap();
//! # let persons: Vec<StatPerson> = Vec::new();
//! let period = Period::year(2024);
//! let counts = count(&persons, &regions, period);
//! let values = catalogue::compute_all(&counts);
//! let rows = catalogue::rows(&regions, period, &values);
//! let json = serde_json::to_string(&rows).unwrap();
//! # assert!(json.starts_with('['));
//! ```

pub mod capture;
pub mod catalogue;
pub mod counts;
pub mod formula;
pub mod input;
pub mod interval;
pub mod period;
pub mod pyramid;
pub mod region_table;
pub mod suppression;
pub mod target;

pub use capture::{chapman, Chapman};
pub use catalogue::{Indicator, IndicatorRow, IndicatorValue};
pub use counts::{count, count_periods, Counts, RegionCounts};
pub use formula::{count_user, FormulaError, UserCounts, UserIndicator, UserIndicatorDef};

pub use input::StatPerson;
pub use interval::Interval;
pub use period::{Period, PeriodError, PeriodKind};
pub use pyramid::{pyramid, Pyramid};

pub use region_table::{RegionTable, RegionTableError};
pub use suppression::{
    suppress, CellStatus, SuppressedTable, SuppressionError, SuppressionOptions,
};
pub use target::{Direction, Gap, GapStatus, Target};
