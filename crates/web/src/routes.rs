//! The one table of routes. Each domain's web folder lists its routes here with
//! what they resolve from the URL; the router is built from the table, the OpenAPI
//! test compares its API routes with the description, and the route tests walk
//! every route of it: each declared parameter is filled with another village's and
//! another township's record (expecting 404) and every form without its CSRF token
//! (expecting 403). A route whose placeholders are not all declared fails a test,
//! so a new route cannot miss the walk.

use crate::AppState;
use axum::routing::MethodRouter;

/// Who may call a route at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the login page, the health check, the OpenAPI description).
    Public,
    /// A logged-in account of the web UI (session cookie, CSRF on forms).
    Session,
    /// An API token.
    Api,
}

/// What a path placeholder names, so the route tests know which record of
/// another area to put there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// `{code}`: a region code (or prefix), checked against the area.
    Region,
    /// `{no}`: a person number, checked against the area.
    Person,
    /// `{no}`: a household number, checked against the area.
    Household,
    /// `{id}`: a reconciliation, visible when its area overlaps the caller's.
    Reconciliation,
    /// `{id}`: a reconciliation item, checked against its village.
    ReconciliationItem,
    /// `{id}`: an eligibility run (benefits), visible when its area overlaps the
    /// caller's.
    BenefitRun,
    /// `{id}`: an upload, visible to the account that made it only.
    Upload,
    /// `{id}`: a data-quality issue, checked against its person's village.
    QualityIssue,
    /// `{username}`: an account, visible to the administrator who manages it.
    Account,
    /// `{indicator}` / `{code}` of an indicator definition: not personal, any.
    Indicator,
    /// `{file}`: a chart file name (`bar.svg`, …): not a record.
    ChartFile,
    /// `{kind}`: an event kind of the forms: not a record.
    EventKind,
    /// `{lang}`: the page language: not a record.
    Lang,
    /// `{id}`: an archived report, checked against its region.
    Report,
    /// `{id}`: a birth registration (生育登记), checked against the family's residence.
    BirthRegistration,
    /// `{id}`: an only-child parents' certificate, checked against its region.
    Certificate,
    /// `{id}`: a scan beside an attested fact (benefits), checked against its region.
    BenefitScan,
    /// `{code}`: a certificate's signed verification code, on the public page:
    /// not a record of an area (a forged one shows nothing).
    VerificationCode,
    /// `{id}`: a leading group (work plans), checked against its region.
    PlanGroup,
    /// `{id}`: a work plan, checked against its region (or a task owner's).
    Plan,
    /// `{id}`: a plan's task, checked against its plan's region (or its owner).
    PlanTask,
    /// `{id}`: a payment cycle (benefits), visible when its area lies inside the
    /// caller's.
    BenefitCycle,
    /// `{id}`: a source of births, visible when its area overlaps the caller's.
    Source,
}

impl Param {
    /// Whether the parameter names a record that has an area (and so must be
    /// walked with another area's record).
    pub fn is_scoped(self) -> bool {
        !matches!(
            self,
            Param::Indicator
                | Param::ChartFile
                | Param::EventKind
                | Param::Lang
                | Param::VerificationCode
        )
    }
}

/// One route.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// The placeholders of `path`, in order.
    pub params: &'static [Param],
    pub handler: MethodRouter<AppState>,
}

impl Route {
    pub fn get(
        path: &'static str,
        access: Access,
        params: &'static [Param],
        handler: MethodRouter<AppState>,
    ) -> Route {
        Route {
            method: "get",
            path,
            access,
            params,
            handler,
        }
    }

    pub fn post(
        path: &'static str,
        access: Access,
        params: &'static [Param],
        handler: MethodRouter<AppState>,
    ) -> Route {
        Route {
            method: "post",
            path,
            access,
            params,
            handler,
        }
    }
}

/// The names of a path's placeholders.
fn placeholders(path: &'static str) -> Vec<&'static str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// Every route of every domain.
pub fn all() -> Vec<Route> {
    let mut v = crate::auth::routes();
    v.extend(crate::register::routes());
    v.extend(crate::indicators::routes());
    v.extend(crate::reconciliation::routes());
    v.extend(crate::benefits::routes());
    v.extend(crate::reports::routes());
    v.extend(crate::registrations::routes());
    v.extend(crate::plans::routes());
    v.extend(crate::api::routes());
    v
}

/// A route as the tests see it (method, path, access, parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub params: &'static [Param],
}

impl RouteInfo {
    /// The names of the path's placeholders, in order.
    pub fn placeholders(&self) -> Vec<&'static str> {
        placeholders(self.path)
    }
}

/// The table without its handlers, for the route tests and the OpenAPI check.
pub fn table() -> Vec<RouteInfo> {
    all()
        .into_iter()
        .map(|r| RouteInfo {
            method: r.method,
            path: r.path,
            access: r.access,
            params: r.params,
        })
        .collect()
}
