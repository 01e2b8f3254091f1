//! The benefit rules, pure: no database, no web, no terminal.

pub mod money;
pub mod month;

pub use money::Yuan;
pub use month::Month;
pub use renkou_domain::Date;
