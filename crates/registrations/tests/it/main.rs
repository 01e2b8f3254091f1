//! The registrations domain on both databases, on the testkit county.

mod births;
mod certificates;

use renkou_domain::account::{Role, Scope};
use renkou_store::Actor;
use renkou_testkit::code;

pub fn account(name: &str, role: Role, region: &str) -> Actor {
    Actor::account(
        name,
        "test",
        Scope {
            role,
            region: code(region),
        },
    )
}
