//! The indicators domain's integration tests, one binary: figures from the
//! register on both databases, targets and user-defined indicators, the xlsx
//! exports, and the domain's own tables.

mod figures;
mod tables;
mod targets;
