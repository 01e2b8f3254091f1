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

/// What an error page says, kept on the response so that [`error_pages`] can
/// render it again as a full page in the user's language with the navigation.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title_zh: &'static str,
    pub title_en: &'static str,
    /// A message of the use cases ("中文 / English", each page shows its half), or
    /// empty for the page's own explanation.
    pub message: String,
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    l: crate::i18n::L,
    me: Option<crate::extract::Current>,
    status: u16,
    title: &'static str,
    message: String,
}

/// Middleware: an HTML error page (404 and the others of [`WebError`]) becomes a
/// real page of the site — the header with the navigation for a signed-in user,
/// one language (the user's), and a way back — with the same status. Whether
/// a record is missing or outside the area, the page is the same.
pub async fn error_pages(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::extract::FromRequestParts;
    let headers = req.headers().clone();
    let uri = req.uri().clone();
    let mut res = next.run(req).await;
    let Some(e) = res.extensions_mut().remove::<ErrorPage>() else {
        return res;
    };
    let status = res.status();
    let mut r = axum::http::Request::new(());
    *r.headers_mut() = headers;
    *r.uri_mut() = uri;
    let (mut parts, ()) = r.into_parts();
    let me = crate::extract::Current::from_request_parts(&mut parts, &state)
        .await
        .ok();
    let l = crate::i18n::L::from_headers(&parts.headers);
    let page = ErrorTemplate {
        l,
        status: status.as_u16(),
        title: l.s(e.title_zh, e.title_en),
        message: if e.message.is_empty() {
            String::new()
        } else {
            l.half(&e.message)
        },
        me,
    };
    match askama::Template::render(&page) {
        Ok(html) => {
            let mut out = (status, Html(html)).into_response();
            // The headers of the answer it replaces (security headers, Retry-After).
            for (name, v) in res.headers() {
                if name != axum::http::header::CONTENT_TYPE
                    && name != axum::http::header::CONTENT_LENGTH
                {
                    out.headers_mut().insert(name.clone(), v.clone());
                }
            }
            out
        }
        Err(_) => res,
    }
}

fn page(status: StatusCode, zh: &'static str, en: &'static str) -> Response {
    page_with(status, zh, en, String::new(), en)
}

fn page_with(
    status: StatusCode,
    zh: &'static str,
    en: &'static str,
    message: String,
    fallback: &str,
) -> Response {
    let mut r = plain_page(status, zh, fallback);
    r.extensions_mut().insert(ErrorPage {
        title_zh: zh,
        title_en: en,
        message,
    });
    r
}

fn plain_page(status: StatusCode, zh: &str, en: &str) -> Response {
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
            WebError::BadRequest(m) => {
                let shown = escape(&m);
                page_with(
                    StatusCode::BAD_REQUEST,
                    "无法完成",
                    "Could not be done",
                    m,
                    &shown,
                )
            }
            WebError::Refused(m) => {
                let shown = escape(&m);
                page_with(
                    StatusCode::FORBIDDEN,
                    "超出您的辖区",
                    "Outside your area",
                    m,
                    &shown,
                )
            }
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
