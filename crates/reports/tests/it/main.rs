//! The reports domain end to end on SQLite and PostgreSQL.

mod archive;
mod common;
mod documents;
mod schedules;
