//! The benefits domain's tests, one binary: the pure rules on hand-made families
//! (one module per program, the ledger, the employer's rule file) and the tables
//! and use cases on both databases.

mod common;

mod childcare;
mod employer;
mod layers;
mod ledger;
mod payments;
mod review;
mod reward;
mod roster;
mod scans;
mod special;
mod store;
