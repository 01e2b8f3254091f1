//! renkou-plans: the work-plans domain (工作计划). It owns the leading groups
//! (领导小组: members, their duty and post, [`groups`]), the plans (a 百日攻坚
//! campaign, a self-inspection, routine work) with their tasks, owners (accounts),
//! deadlines and progress notes ([`plans`]), and the activities held with their
//! figures: trainings and their attendance, publicity materials handed out,
//! meetings ([`activities`]), which the work summary quotes (the reports domain
//! receives them as data from the layer above, as it does indicators).
//!
//! What it refuses by design ([`rules`]): a task is the staff's own work with a
//! deadline, never a quota on residents' childbearing or contraception
//! (product.md's "does not do" table).
//!
//! Tables: `plan_groups`, `plan_group_members`, `plans`, `plan_tasks`,
//! `plan_task_notes`, `plan_activities` ([`tables`], [`MIGRATIONS`]).

pub mod activities;
pub mod error;
pub mod groups;
pub mod plans;
pub mod rules;
pub mod tables;

pub use error::Error;

use renkou_store::{Migration, Migrations};

/// This domain's tables, for `Store::migrate`.
pub const MIGRATIONS: Migrations = Migrations {
    domain: "plans",
    list: &[Migration {
        name: "0015_plans",
        sqlite: include_str!("../migrations/sqlite/0015_plans.sql"),
        postgres: include_str!("../migrations/postgres/0015_plans.sql"),
    }],
};
