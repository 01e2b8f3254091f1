//! The benefit rules, pure: no database, no web, no terminal.

pub mod money;
pub mod month;
pub mod parameters;

pub use money::Yuan;
pub use month::Month;
pub use parameters::{Layer, ParameterError, Parameters, UsedValue, Value};
pub use renkou_domain::Date;
