//! Report templates as data: text with placeholders that the county edits, run
//! by minijinja, shipped with a default for every [`Kind`].
//!
//! A template renders to lines; each line is one block of the document:
//!
//! | line | block |
//! |---|---|
//! | `# 文字` | the title |
//! | `## 文字`, `### 文字`, `#### 文字` | a heading of level 1, 2, 3 |
//! | `@table statistical [CODE]` | the statistical form of an area (default: the report's): its regions and the total |
//! | `@table gaps [CODE]` | target · actual · gap of the area and the regions below it |
//! | `@table quality` | each reconciliation's accuracy by village |
//! | `@chart births\|cbr\|srb\|order\|deaths [CODE]` | a bar chart over the regions of an area |
//! | `@center 文字`, `@right 文字` | a centred or right-aligned line (a date, a signature) |
//! | `@landscape`, `@portrait` | the following blocks on landscape (portrait) pages |
//! | `@pagebreak` | a new page |
//! | anything else | a body paragraph (blank lines are skipped) |
//!
//! The context a template sees (every number already formatted as the tables
//! show it, `—` where a rate has no denominator):
//! - `area`: the report's area: `code`, `name`, `whole` (全县, 全镇, 全乡, 全村),
//!   `f` (indicator code → formatted value), `n` (code → numerator), `d` (code →
//!   denominator), `births_male`, `births_female`, `order1`, `order2`, `order3`,
//!   `moved_in`, `moved_out`;
//! - `children`: the areas directly below it (same fields);
//! - `sections`: the areas below it that have regions of their own (a county's
//!   townships), for one table each;
//! - `period`: `label` (2024年, 2024年第三季度, 2024年9月), `end` (9月30日),
//!   `end_full` (2024年9月30日), `year`;
//! - `gaps`: `region`, `name`, `unit`, `target`, `actual`, `gap`, `good` (bool);
//!   `gaps_good`, `gaps_bad`: how many are on the good and the bad side;
//! - `quality`: sections with `title`, `total` (the area's row: `accuracy`,
//!   `register_births`, `source_births`, `matched`, `missed`, `duplicated`,
//!   `misreported`, `open`), `rows`;
//! - `activities` (work plans' activities of the period): `any` (bool), `count`,
//!   `trainings`, `training_attendance`, `publicity`, `materials`, `meetings`,
//!   `meeting_attendance`, and `list` (`date` 3月5日, `date_full`, `kind`
//!   training|publicity|meeting, `kind_zh`, `title`, `attendance`, `materials`);
//! - `version`: the register version (event number) the figures are from.
//!
//! Blocks `{% … %}` eat the line break after them (trim_blocks): end a text line
//! with text, not with `{% endfor %}`, or it runs into the next line.

use crate::error::Error;
use crate::figures::Kind;
use crate::tables::{self, ReportTables, TemplateRow};
use renkou_domain::account::Role;
use renkou_domain::RegionLevel;
use renkou_store::{Actor, Store};

/// The shipped default of a kind.
pub fn default_template(kind: Kind) -> &'static str {
    match kind {
        Kind::Statistical => include_str!("../templates/statistical.txt"),
        Kind::Gaps => include_str!("../templates/gaps.txt"),
        Kind::Summary => include_str!("../templates/summary.txt"),
        Kind::Quality => include_str!("../templates/quality.txt"),
    }
}

/// The template a kind is made with: the county's newest version, or the default.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub kind: Kind,
    /// `None`: the shipped default.
    pub id: Option<i64>,
    pub body: String,
}

/// The template of `kind` in use now.
pub fn current(store: &Store, kind: Kind) -> Result<Template, Error> {
    Ok(match store.latest_template(kind.code())? {
        Some(TemplateRow { id, body, .. }) => Template {
            kind,
            id: Some(id),
            body,
        },
        None => Template {
            kind,
            id: None,
            body: default_template(kind).to_string(),
        },
    })
}

/// A template by the id an archived report names (`None`: the default).
pub fn by_id(store: &Store, kind: Kind, id: Option<i64>) -> Result<Template, Error> {
    match id {
        None => Ok(Template {
            kind,
            id: None,
            body: default_template(kind).to_string(),
        }),
        Some(id) => {
            let row = store.template(id)?.ok_or_else(|| {
                Error::Invalid(format!("报告模板 {id} 不存在 / no template {id}"))
            })?;
            Ok(Template {
                kind,
                id: Some(id),
                body: row.body,
            })
        }
    }
}

/// Whether an account may change the county's templates: the county's
/// administrators and statisticians (the server's operator always).
pub fn may_edit(actor: &Actor) -> bool {
    actor.scope.as_ref().is_none_or(|s| {
        matches!(s.role, Role::CountyAdmin | Role::CountyStatistician)
            && s.region.level() <= RegionLevel::County
    })
}

/// Saves a new version of `kind`'s template (checked to compile first), with its
/// audit entry. Returns its id.
pub fn save(store: &Store, actor: &Actor, kind: Kind, body: &str) -> Result<i64, Error> {
    if !may_edit(actor) {
        return Err(Error::Invalid(
            "只有县管理员和县统计员可以修改报告模板 / only the county's administrators and statisticians may change report templates".into(),
        ));
    }
    check(kind, body)?;
    Ok(store.write(actor, |tx| tables::save_template(tx, kind.code(), body))?)
}

/// The most a template may be: 100 KB of text.
pub const MAX_BODY: usize = 100_000;

/// How much work one run of a template may do (minijinja's fuel): enough for a
/// county's summary many times over, so a loop typed by mistake in the editor
/// stops with an error instead of holding the server.
const FUEL: u64 = 20_000_000;

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env
}

/// What went wrong, in Chinese, by the engine's kind of error.
fn kind_zh(k: minijinja::ErrorKind) -> &'static str {
    use minijinja::ErrorKind as K;
    match k {
        K::SyntaxError => "语法错误（检查 {{ }}、{% %} 是否成对，for/if 是否有 endfor/endif）",
        K::UndefinedError => "使用了不存在的变量",
        K::UnknownFilter => "不认识的过滤器",
        K::UnknownTest => "不认识的测试",
        K::UnknownFunction => "不认识的函数",
        K::UnknownMethod => "不认识的方法",
        K::TooManyArguments => "参数过多",
        K::MissingArgument => "缺少参数",
        K::InvalidOperation => "无法进行的运算",
        K::BadEscape => "转义字符有误",
        K::OutOfFuel => "模板运算量过大（是否有过大的循环？）",
        _ => "模板无法运行",
    }
}

/// The message is "中文 / English": the engine's own words (English) only in
/// the English half.
fn template_error(kind: Kind, e: minijinja::Error) -> Error {
    let line = e.line().unwrap_or(0);
    Error::Template {
        kind: kind.name_zh().to_string(),
        line,
        message: match e.detail() {
            Some(d) => format!("{} / line {line}: {}: {d}", kind_zh(e.kind()), e.kind()),
            None => format!("{} / line {line}: {}", kind_zh(e.kind()), e.kind()),
        },
    }
}

/// Whether `body` is a template the engine can run.
pub fn check(kind: Kind, body: &str) -> Result<(), Error> {
    if body.len() > MAX_BODY {
        return Err(Error::Invalid(format!(
            "模板最多 {MAX_BODY} 字节 / a template is at most {MAX_BODY} bytes"
        )));
    }
    let env = environment();
    env.template_from_str(body)
        .map(|_| ())
        .map_err(|e| template_error(kind, e))
}

/// Runs a template on its context; the lines are the document's blocks.
pub fn render(template: &Template, context: &serde_json::Value) -> Result<String, Error> {
    let env = environment();
    let t = env
        .template_from_str(&template.body)
        .map_err(|e| template_error(template.kind, e))?;
    t.render(context)
        .map_err(|e| template_error(template.kind, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_compiles() {
        for k in Kind::ALL {
            check(k, default_template(k)).unwrap();
        }
    }

    #[test]
    fn a_broken_template_names_its_line() {
        let e = check(Kind::Summary, "第一行\n{% for x in %}\n").unwrap_err();
        match e {
            Error::Template { line, .. } => assert_eq!(line, 2),
            other => panic!("{other}"),
        }
    }
}
