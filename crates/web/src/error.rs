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
    #[error("internal: {0}")]
    Internal(String),
}

impl From<renkou_store::StoreError> for WebError {
    fn from(e: renkou_store::StoreError) -> Self {
        match e {
            renkou_store::StoreError::Rule(r) => WebError::BadRequest(r.to_string()),
            renkou_store::StoreError::Invalid(m) => WebError::BadRequest(m),
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl From<renkou_app::AppError> for WebError {
    fn from(e: renkou_app::AppError) -> Self {
        match e {
            renkou_app::AppError::Store(s) => s.into(),
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(e.to_string())
    }
}

fn page(status: StatusCode, zh: &str, en: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{zh}</title>\
             <body style='font-family:system-ui,sans-serif;margin:2rem'><h1>{zh}</h1><p>{en}</p>\
             <p><a href='/'>返回首页 / home</a></p></body></html>"
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
            WebError::BadRequest(m) => {
                let m = m.replace('<', "&lt;");
                page(StatusCode::BAD_REQUEST, "无法完成", &m)
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
