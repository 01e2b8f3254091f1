//! What every domain's JSON API shares. Authentication is a bearer token created per
//! account (`renkou user token`), scoped exactly like the account; a record outside
//! the scope is 404, as in the UI. Every refusal, including a body or query that
//! cannot be read, is the JSON error `{"error": code, "message": "中文 / English"}`
//! of the OpenAPI description served at /api/openapi.json (a test checks that the
//! description lists every API route of the route table, and a fuzzer in CI that
//! no answer is a 5xx or outside the description).

use crate::error::WebError;
use crate::routes::{Access, Route};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde_json::json;

/// Each domain's part of the description, beside its handlers: the register's
/// holds the document's head (info, security, shared schemas), the others add
/// their paths and schemas.
const PARTS: &[&str] = &[
    include_str!("register/openapi.json"),
    include_str!("indicators/openapi.json"),
    include_str!("reconciliation/openapi.json"),
    include_str!("benefits/openapi.json"),
    include_str!("reports/openapi.json"),
    include_str!("plans/openapi.json"),
    include_str!("benefits/payments_openapi.json"),
    include_str!("registrations/openapi.json"),
    include_str!("benefits/results_openapi.json"),
];

/// The OpenAPI 3 description of the whole API, assembled once from the domains'
/// parts (a test checks it lists every API route of the table and nothing else).
pub fn openapi() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc: serde_json::Value = serde_json::Value::Null;
        for part in PARTS {
            // The parts are ours, compiled in: a test reads every one.
            let v: serde_json::Value =
                serde_json::from_str(part).expect("a domain's openapi.json is JSON");
            if doc.is_null() {
                doc = v;
                continue;
            }
            for section in ["paths", "components"] {
                merge(&mut doc[section], &v[section]);
            }
        }
        doc.to_string()
    })
}

fn merge(into: &mut serde_json::Value, from: &serde_json::Value) {
    match (into, from) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(serde_json::Value::Null), v);
            }
        }
        (slot, v) if !v.is_null() => *slot = v.clone(),
        _ => {}
    }
}

/// API errors are JSON: {"error": "...", "message": "..."}.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl From<renkou_store::StoreError> for ApiError {
    fn from(e: renkou_store::StoreError) -> Self {
        ApiError(e.into())
    }
}

impl From<renkou_register::AppError> for ApiError {
    fn from(e: renkou_register::AppError) -> Self {
        ApiError(e.into())
    }
}

impl From<renkou_indicators::Error> for ApiError {
    fn from(e: renkou_indicators::Error) -> Self {
        ApiError(e.into())
    }
}

impl From<renkou_reconciliation::Error> for ApiError {
    fn from(e: renkou_reconciliation::Error) -> Self {
        ApiError(e.into())
    }
}

impl From<renkou_reports::Error> for ApiError {
    fn from(e: renkou_reports::Error) -> Self {
        ApiError(e.into())
    }
}

impl From<renkou_plans::Error> for ApiError {
    fn from(e: renkou_plans::Error) -> Self {
        ApiError(e.into())
    }
}

pub fn error_json(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self.0 {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "找不到 / not found".to_string(),
            ),
            WebError::LoginRequired | WebError::PasswordChangeRequired => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "需要有效的令牌 / a valid bearer token is required".to_string(),
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "无权操作 / not allowed".to_string(),
            ),
            WebError::Refused(m) => (StatusCode::FORBIDDEN, "outside_area", m),
            WebError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "请求过多，请稍后再试 / too many requests; try again later".to_string(),
            ),
            WebError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "正在导入数据，请稍后再试 / an import is in progress; try again in a moment"
                    .to_string(),
            ),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            WebError::Internal(e) => {
                tracing::error!(error = %e, "api request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误 / internal error".to_string(),
                )
            }
        };
        error_json(status, code, &message)
    }
}

/// A JSON body; one that cannot be read is a JSON 400/415/422 like every error.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(error_json(
                e.status(),
                "bad_body",
                &format!(
                    "请求体无法读取 / the request body cannot be read: {}",
                    e.body_text()
                ),
            )),
        }
    }
}

/// Query parameters; ones that cannot be read are a JSON 400.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(error_json(
                StatusCode::BAD_REQUEST,
                "bad_query",
                &format!(
                    "查询参数无法读取 / the query cannot be read: {}",
                    e.body_text()
                ),
            )),
        }
    }
}

/// The description itself, and every domain's API routes.
pub fn routes() -> Vec<Route> {
    let mut v = vec![Route::get(
        "/api/openapi.json",
        Access::Public,
        &[],
        get(|| async {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                openapi(),
            )
        }),
    )];
    v.extend(crate::register::api::routes());
    v.extend(crate::indicators::api::routes());
    v.extend(crate::reconciliation::api::routes());
    v
}
