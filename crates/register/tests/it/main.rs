//! The register domain's integration tests, one binary: search, the events and
//! births entered by hand (one transaction each, scoped to the writer's area),
//! imports (scope, newer edits), accounts.

mod daily;
mod events;
mod exports;
mod imports;
mod roster;
mod search;
