//! The reconciliation domain's integration tests, one binary: its tables on both
//! databases, and the workflow end to end (source import, reconcile, review with
//! fixes as correction events, accuracy).

mod sources;
mod tables;
mod workflow;
