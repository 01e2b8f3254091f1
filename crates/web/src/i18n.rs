//! Chinese first, English on request: a `lang=en` cookie set by /lang/en.

use axum::extract::Path;
use axum::http::header::{REFERER, SET_COOKIE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use renkou_domain::person::Field;

/// The page language, handed to every template: `l.s("人口", "Population")`.
#[derive(Debug, Clone, Copy, Default)]
pub struct L {
    pub en: bool,
}

impl L {
    pub fn from_headers(h: &HeaderMap) -> L {
        let en = h
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .any(|c| c.trim() == "lang=en");
        L { en }
    }

    pub fn s<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en {
            en
        } else {
            zh
        }
    }

    /// A person's field by its name in this page's language (性别 / sex).
    pub fn field(&self, f: Field) -> &'static str {
        self.s(f.name_zh(), f.name_en())
    }

    /// A field's value (interchange spelling) as this page names it: codes by
    /// their label (`2` → 女 / female), empty as （空） / (empty).
    pub fn value(&self, f: Field, v: &str) -> String {
        if self.en {
            f.label_en(v)
        } else {
            f.label_zh(v)
        }
    }

    /// This page's half of a message the use cases write "中文 / English" (some
    /// write "…（…）/ English", the slash right after the Chinese); a message
    /// without both halves as it is.
    pub fn half(&self, message: &str) -> String {
        let spaced = message.find(" / ").map(|i| (i, i + 3));
        let after_chinese = message
            .match_indices("/ ")
            .find(|(i, _)| {
                message[..*i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| !c.is_ascii())
            })
            .map(|(i, _)| (i, i + 2));
        let split = match (spaced, after_chinese) {
            (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        match split {
            Some((end, start)) => self.s(&message[..end], &message[start..]).to_string(),
            None => message.to_string(),
        }
    }
}

/// A stored time (RFC 3339, UTC) as the county's local time to the minute,
/// `2026-11-30 14:05`; an unreadable one as it is.
pub fn local_minute(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// [`local_minute`] of a time.
pub fn minute(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub async fn switch(Path(lang): Path<String>, headers: HeaderMap) -> impl IntoResponse {
    let value = if lang == "en" { "en" } else { "zh" };
    let back = headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string()))
        })
        .unwrap_or_else(|| "/".to_string());
    (
        [(
            SET_COOKIE,
            format!("lang={value}; Path=/; SameSite=Lax; Max-Age=31536000"),
        )],
        Redirect::to(&back),
    )
}

#[cfg(test)]
mod tests {
    use super::L;

    #[test]
    fn a_page_shows_its_half_of_a_message() {
        let (zh, en) = (L { en: false }, L { en: true });
        assert_eq!(en.half("日期无效 / bad date"), "bad date");
        assert_eq!(zh.half("日期无效 / bad date"), "日期无效");
        // Some messages put the slash right after the Chinese.
        let m = "本辖区找不到该配偶（请核对人员编号）/ no such spouse in your area";
        assert_eq!(en.half(m), "no such spouse in your area");
        assert_eq!(zh.half(m), "本辖区找不到该配偶（请核对人员编号）");
        // A message in one language, or a slash in a unit, stays whole.
        assert_eq!(en.half("孩/妇女"), "孩/妇女");
        assert_eq!(en.half("xlsx: a/ b"), "xlsx: a/ b");
    }
}
