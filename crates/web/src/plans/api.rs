//! The work plans' JSON API.

use crate::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
