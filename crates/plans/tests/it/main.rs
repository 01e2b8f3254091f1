//! The work-plans domain end to end on SQLite and PostgreSQL.

mod plans;
