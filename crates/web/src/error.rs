//! How failures reach the browser: 404 for anything missing or outside the account's
//! scope, 403 for a form without its CSRF token, a plain page otherwise. Internal
//! details go to the log (without personal data), never to the page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("not logged in")]
    LoginRequired,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    #[error("too many requests")]
    TooManyRequests,
    /// A value outside the account's area: refused with what was wrong.
    #[error("{0}")]
    Refused(String),
    /// A long import holds the database: try again in a moment.
    #[error("busy")]
    Busy,
    #[error("internal: {0}")]
    Internal(String),
}

impl From<renkou_store::StoreError> for WebError {
    fn from(e: renkou_store::StoreError) -> Self {
        use renkou_store::StoreError as E;
        match e {
            E::Rule(r) => WebError::BadRequest(r.to_string()),
            E::Refused(r) => WebError::BadRequest(r.to_string()),
            E::Invalid(m) => WebError::BadRequest(m),
            E::NoPerson(_) => WebError::NotFound,
            E::Forbidden => WebError::Forbidden,
            E::OutsideArea(m) => WebError::Refused(m),
            E::Busy => WebError::Busy,
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl From<renkou_register::AppError> for WebError {
    fn from(e: renkou_register::AppError) -> Self {
        match e {
            renkou_register::AppError::Store(s) => s.into(),
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

impl From<renkou_indicators::Error> for WebError {
    fn from(e: renkou_indicators::Error) -> Self {
        match e {
            renkou_indicators::Error::Store(s) => s.into(),
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

impl From<renkou_reconciliation::Error> for WebError {
    fn from(e: renkou_reconciliation::Error) -> Self {
        match e {
            renkou_reconciliation::Error::Store(s) => s.into(),
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

impl From<renkou_reports::Error> for WebError {
    fn from(e: renkou_reports::Error) -> Self {
        match e {
            renkou_reports::Error::Store(s) => s.into(),
            renkou_reports::Error::OutOfArea(_) => WebError::NotFound,
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

impl From<renkou_plans::Error> for WebError {
    fn from(e: renkou_plans::Error) -> Self {
        match e {
            renkou_plans::Error::Store(s) => s.into(),
            renkou_plans::Error::NotFound => WebError::NotFound,
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(e.to_string())
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The answer for a path that names no page.
pub async fn not_found_page() -> Response {
    WebError::NotFound.into_response()
}

fn page(status: StatusCode, zh: &str, en: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{zh}</title>\
             <meta name=viewport content='width=device-width, initial-scale=1'>\
             <body style='font-family:system-ui,sans-serif;margin:2rem'><h1>{zh}</h1><p>{en}</p>\
             <p><a href='javascript:history.back()'>返回上一页</a> · <a href='/'>首页</a> · <a href='/search'>查找人员</a> · <a href='/reconcile'>核对</a></p></body></html>"
        )),
    )
        .into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::NotFound => page(StatusCode::NOT_FOUND, "找不到该页面或记录", "Not found"),
            WebError::LoginRequired => Redirect::to("/login").into_response(),
            WebError::PasswordChangeRequired => Redirect::to("/password").into_response(),
            WebError::Forbidden => page(
                StatusCode::FORBIDDEN,
                "请求被拒绝（表单已过期，请刷新后重试）",
                "Forbidden (the form expired; reload and try again)",
            ),
            WebError::TooManyRequests => page(
                StatusCode::TOO_MANY_REQUESTS,
                "尝试次数过多，请稍后再试",
                "Too many attempts; try again later",
            ),
            WebError::BadRequest(m) => page(StatusCode::BAD_REQUEST, "无法完成", &escape(&m)),
            WebError::Refused(m) => page(StatusCode::FORBIDDEN, "超出您的辖区", &escape(&m)),
            WebError::Busy => {
                let mut r = page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "正在导入数据，请稍后再试",
                    "An import is in progress; please try again in a moment. Nothing you entered was saved yet: go back and submit again.",
                );
                r.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("10"),
                );
                r
            }
            WebError::Internal(e) => {
                tracing::error!(error = %e, "request failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误",
                    "Internal error",
                )
            }
        }
    }
}
