//! The indicators engine's integration tests, one binary: hand-computed
//! catalogues, user formulas, and properties over generated registers.

mod common;
mod formula;
mod hand_computed;
mod properties;
