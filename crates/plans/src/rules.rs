//! The plans' rules, pure: the kinds of plans, tasks, activities and members, and
//! what a plan may never contain.
//!
//! **No task is a quota on residents' childbearing or contraception** (product.md,
//! "What the system does not do"). By design a task has an owner (a member of
//! staff), a deadline and progress notes, and no number to reach: there is no
//! target field, no per-person list, and the kinds are the staff's own work
//! (data checks, trainings, publicity, services offered, meetings, reports,
//! self-inspections). A plan, task or activity whose words ask for a contraceptive
//! procedure, a pregnancy check, a birth permit or a fee of the abolished system
//! (结扎, 上环, 查环查孕, 社会抚养费, 准生证, 生育指标…) is refused with a message
//! that says why ([`check_words`]); so is a task kind such as "quota" or "指标".

use crate::error::Error;
use serde::Serialize;

macro_rules! code_list {
    ($(#[$m:meta])* $name:ident { $($v:ident = $code:literal, $zh:literal, $en:literal;)* } $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),* }
            }

            pub fn name_zh(self) -> &'static str {
                match self { $($name::$v => $zh),* }
            }

            pub fn name_en(self) -> &'static str {
                match self { $($name::$v => $en),* }
            }

            /// By code (`training`) or Chinese name (培训).
            pub fn parse(s: &str) -> Result<$name, Error> {
                let t = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|k| k.code() == t || k.name_zh() == t)
                    .ok_or_else(|| {
                        let list = $name::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join("、");
                        Error::Invalid(format!(
                            "{}“{}”无法识别（应为 {list}） / {} \"{}\" not understood (expected {list})",
                            $what, crate::rules::cut(t), stringify!($name), crate::rules::cut(t)
                        ))
                    })
            }
        }
    };
}

code_list! {
    /// What a plan is.
    PlanKind {
        Campaign = "campaign", "专项行动", "campaign";
        SelfInspection = "self_inspection", "自查", "self-inspection";
        Routine = "routine", "日常工作", "routine work";
    } "计划种类"
}

code_list! {
    /// What a leading group's member does in it.
    Duty {
        Leader = "leader", "组长", "leader";
        Deputy = "deputy", "副组长", "deputy leader";
        Member = "member", "成员", "member";
        Liaison = "liaison", "联络员", "liaison";
    } "职责"
}

code_list! {
    /// What a task is: the staff's own work, never a number of residents.
    TaskKind {
        DataCheck = "data_check", "数据核查", "data check";
        Training = "training", "培训", "training";
        Publicity = "publicity", "宣传", "publicity";
        Service = "service", "服务随访", "services and follow-ups";
        Meeting = "meeting", "会议", "meeting";
        Report = "report", "报表报送", "reports";
        Inspection = "inspection", "自查", "self-inspection";
        Other = "other", "其他", "other";
    } "任务种类"
}

code_list! {
    /// An activity logged with its figures.
    ActivityKind {
        Training = "training", "培训", "training";
        Publicity = "publicity", "宣传品发放", "publicity materials";
        Meeting = "meeting", "会议", "meeting";
    } "活动种类"
}

/// The first characters of a value, for messages (a cell is never echoed whole).
pub(crate) fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

/// Words of the abolished control system and of quotas on residents'
/// childbearing or contraception. A plan, task or activity naming one is refused.
pub const FORBIDDEN: &[&str] = &[
    "结扎",
    "上环",
    "放环",
    "取环",
    "查环",
    "查孕",
    "孕情",
    "引产",
    "人流",
    "四术",
    "节育措施",
    "避孕措施落实",
    "社会抚养费",
    "违法生育",
    "计划外生育",
    "政策外生育",
    "超生",
    "准生证",
    "生育指标",
    "生育计划指标",
    "出生指标",
    "出生人口控制",
    "quota",
    "sterili",
    "iud insertion",
    "abortion",
];

/// Task kinds asked for that are quotas; refused with the reason.
const QUOTA_KINDS: &[&str] = &["quota", "target", "指标", "任务数", "包保指标"];

/// Whether a task kind is allowed: a quota is refused with the reason, any other
/// unknown kind with the list.
pub fn task_kind(s: &str) -> Result<TaskKind, Error> {
    let t = s.trim().to_lowercase();
    if QUOTA_KINDS.iter().any(|q| t.contains(q)) {
        return Err(Error::Quota(cut(s.trim())));
    }
    TaskKind::parse(s)
}

/// Refuses text that asks for a quota on residents' childbearing or
/// contraception or for a practice of the abolished system.
pub fn check_words(field: &str, text: &str) -> Result<(), Error> {
    let lower = text.to_lowercase();
    if let Some(w) = FORBIDDEN.iter().find(|w| lower.contains(*w)) {
        return Err(Error::Forbidden {
            field: field.to_string(),
            word: w.to_string(),
        });
    }
    Ok(())
}

/// A required text: trimmed, not empty, at most `max` characters.
pub fn text(field: &str, s: &str, max: usize) -> Result<String, Error> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::Invalid(format!(
            "请填写{field} / {field} is required"
        )));
    }
    if t.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{field}最多 {max} 个字 / {field}: at most {max} characters"
        )));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::Invalid(format!(
            "{field}含有控制字符 / {field} contains control characters"
        )));
    }
    Ok(t.to_string())
}

/// A count of people or pieces: 0 to 1,000,000.
pub fn count(field: &str, n: i64) -> Result<i64, Error> {
    if !(0..=1_000_000).contains(&n) {
        return Err(Error::Invalid(format!(
            "{field}应为 0 至 1000000，实为 {n} / {field} must be 0 to 1000000, found {n}"
        )));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_tasks_are_refused_by_kind_and_by_words() {
        assert!(matches!(task_kind("quota"), Err(Error::Quota(_))));
        assert!(matches!(task_kind("生育指标"), Err(Error::Quota(_))));
        assert_eq!(task_kind("培训").unwrap(), TaskKind::Training);
        assert_eq!(task_kind("data_check").unwrap(), TaskKind::DataCheck);
        for bad in [
            "完成结扎10例",
            "全镇查环查孕",
            "清理社会抚养费",
            "每村落实上环5人",
            "Meet the IUD insertion quota",
        ] {
            let e = check_words("任务", bad).unwrap_err();
            assert!(matches!(e, Error::Forbidden { .. }), "{bad}");
            assert!(e.to_string().contains("生育和避孕由本人自主决定"), "{e}");
        }
        for good in [
            "核对一村台帐与医院出生登记",
            "开展优生优育宣传",
            "产后随访按时完成",
            "召开领导小组会议",
        ] {
            check_words("任务", good).unwrap();
        }
    }

    #[test]
    fn texts_and_counts_are_bounded() {
        assert!(text("名称", "  ", 10).is_err());
        assert!(text("名称", &"字".repeat(11), 10).is_err());
        assert_eq!(text("名称", " 百日攻坚 ", 10).unwrap(), "百日攻坚");
        assert!(count("人数", -1).is_err());
        assert_eq!(count("人数", 42).unwrap(), 42);
        assert!(ActivityKind::parse("宣传品发放").is_ok());
        assert!(Duty::parse("组长").is_ok());
        assert!(PlanKind::parse("百日攻坚").is_err());
    }
}
