//! National code lists used in the register: sex (GB/T 2261.1), marital status
//! (GB/T 2261.2) and where a registered person actually lives.

use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}取值“{value}”不在代码表中（可用：{allowed}） / {field_en} value \"{value}\" is not a known code (allowed: {allowed_en})")]
pub struct CodeError {
    pub field: &'static str,
    pub field_en: &'static str,
    pub value: String,
    pub allowed: &'static str,
    /// The codes allowed as an English message names them.
    pub allowed_en: &'static str,
}

/// 性别, GB/T 2261.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Unknown,
    Male,
    Female,
}

impl Sex {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        match s.trim() {
            "1" | "男" | "M" | "m" | "male" => Ok(Sex::Male),
            "2" | "女" | "F" | "f" | "female" => Ok(Sex::Female),
            "0" | "9" | "未知" | "未说明" => Ok(Sex::Unknown),
            v => Err(CodeError {
                field: "性别",
                field_en: "sex",
                value: v.to_string(),
                allowed: "1 男, 2 女, 0 未知",
                allowed_en: "1 male, 2 female, 0 unknown",
            }),
        }
    }
    pub fn code(self) -> u8 {
        match self {
            Sex::Unknown => 0,
            Sex::Male => 1,
            Sex::Female => 2,
        }
    }
    pub fn from_code(c: i64) -> Sex {
        match c {
            1 => Sex::Male,
            2 => Sex::Female,
            _ => Sex::Unknown,
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Sex::Unknown => "未知",
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Sex::Unknown => "unknown",
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// 婚姻状况, GB/T 2261.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    Unmarried,
    Married,
    FirstMarriage,
    Remarried,
    RemarriedAfterLoss,
    Widowed,
    Divorced,
    NotStated,
}

impl MaritalStatus {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        Ok(match s.trim() {
            "10" | "未婚" => MaritalStatus::Unmarried,
            "20" | "已婚" => MaritalStatus::Married,
            "21" | "初婚" => MaritalStatus::FirstMarriage,
            "22" | "再婚" => MaritalStatus::Remarried,
            "23" | "复婚" => MaritalStatus::RemarriedAfterLoss,
            "30" | "丧偶" => MaritalStatus::Widowed,
            "40" | "离婚" => MaritalStatus::Divorced,
            "90" | "" | "未说明" => MaritalStatus::NotStated,
            v => {
                return Err(CodeError {
                    field: "婚姻状况",
                    field_en: "marital_status",
                    value: v.to_string(),
                    allowed:
                        "10 未婚, 20 已婚, 21 初婚, 22 再婚, 23 复婚, 30 丧偶, 40 离婚, 90 未说明",
                    allowed_en: "10 unmarried, 20 married, 21 first marriage, 22 remarried, 23 remarried to a former spouse, 30 widowed, 40 divorced, 90 not stated",
                })
            }
        })
    }
    pub fn code(self) -> u8 {
        match self {
            MaritalStatus::Unmarried => 10,
            MaritalStatus::Married => 20,
            MaritalStatus::FirstMarriage => 21,
            MaritalStatus::Remarried => 22,
            MaritalStatus::RemarriedAfterLoss => 23,
            MaritalStatus::Widowed => 30,
            MaritalStatus::Divorced => 40,
            MaritalStatus::NotStated => 90,
        }
    }
    pub fn from_code(c: i64) -> Self {
        Self::parse(&c.to_string()).unwrap_or(MaritalStatus::NotStated)
    }
    /// Any of the "currently married" codes (20-23).
    pub fn is_married(self) -> bool {
        matches!(self.code(), 20..=23)
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            MaritalStatus::Unmarried => "未婚",
            MaritalStatus::Married => "已婚",
            MaritalStatus::FirstMarriage => "初婚",
            MaritalStatus::Remarried => "再婚",
            MaritalStatus::RemarriedAfterLoss => "复婚",
            MaritalStatus::Widowed => "丧偶",
            MaritalStatus::Divorced => "离婚",
            MaritalStatus::NotStated => "未说明",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            MaritalStatus::Unmarried => "unmarried",
            MaritalStatus::Married => "married",
            MaritalStatus::FirstMarriage => "first marriage",
            MaritalStatus::Remarried => "remarried",
            MaritalStatus::RemarriedAfterLoss => "remarried to a former spouse",
            MaritalStatus::Widowed => "widowed",
            MaritalStatus::Divorced => "divorced",
            MaritalStatus::NotStated => "not stated",
        }
    }
}

/// 居住状态: where a registered person actually lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Residence {
    Resident,
    Outflow,
    Inflow,
}

impl Residence {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        Ok(match s.trim() {
            "resident" | "常住" | "" => Residence::Resident,
            "outflow" | "流出" => Residence::Outflow,
            "inflow" | "流入" => Residence::Inflow,
            v => return Err(CodeError {
                field: "居住状态",
                field_en: "residence",
                value: v.to_string(),
                allowed: "resident 常住, outflow 流出, inflow 流入",
                allowed_en:
                    "resident, outflow (lives elsewhere), inflow (lives here, registered elsewhere)",
            }),
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Residence::Resident => "resident",
            Residence::Outflow => "outflow",
            Residence::Inflow => "inflow",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Residence::Resident => "常住",
            Residence::Outflow => "流出",
            Residence::Inflow => "流入",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Residence::Resident => "resident",
            Residence::Outflow => "outflow",
            Residence::Inflow => "inflow",
        }
    }
}

impl fmt::Display for Residence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 与户主关系, GB/T 4761-2008 (家庭关系代码): two digits, the first naming the
/// group (0 head, 1 spouse, 2 son, 3 daughter, 4 grandchild, 5 parent, 6
/// grandparent, 7 sibling, 8/9 other). Only codes of the standard can be held.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Relation(u8);

/// The codes of GB/T 4761-2008 with their Chinese labels, and the English ones
/// an English page shows.
const RELATIONS: &[(u8, &str, &str)] = &[
    (1, "本人", "self"),
    (2, "户主", "head of household"),
    (10, "配偶", "spouse"),
    (11, "夫", "husband"),
    (12, "妻", "wife"),
    (20, "子", "son"),
    (21, "独生子", "only son"),
    (22, "长子", "eldest son"),
    (23, "次子", "second son"),
    (24, "三子", "third son"),
    (25, "四子", "fourth son"),
    (26, "五子", "fifth son"),
    (27, "养子或继子", "adopted son or stepson"),
    (28, "女婿", "son-in-law"),
    (29, "其他儿子", "other son"),
    (30, "女", "daughter"),
    (31, "独生女", "only daughter"),
    (32, "长女", "eldest daughter"),
    (33, "次女", "second daughter"),
    (34, "三女", "third daughter"),
    (35, "四女", "fourth daughter"),
    (36, "五女", "fifth daughter"),
    (37, "养女或继女", "adopted daughter or stepdaughter"),
    (38, "儿媳", "daughter-in-law"),
    (39, "其他女儿", "other daughter"),
    (40, "孙子、孙女或外孙子、外孙女", "grandchild"),
    (41, "孙子", "grandson (son's son)"),
    (42, "孙女", "granddaughter (son's daughter)"),
    (43, "外孙子", "grandson (daughter's son)"),
    (44, "外孙女", "granddaughter (daughter's daughter)"),
    (45, "孙媳妇或外孙媳妇", "grandson's wife"),
    (46, "孙女婿或外孙女婿", "granddaughter's husband"),
    (47, "曾孙子或外曾孙子", "great-grandson"),
    (48, "曾孙女或外曾孙女", "great-granddaughter"),
    (49, "其他孙子、孙女或外孙子、外孙女", "other grandchild"),
    (50, "父母", "parent"),
    (51, "父亲", "father"),
    (52, "母亲", "mother"),
    (53, "公公", "husband's father"),
    (54, "婆婆", "husband's mother"),
    (55, "岳父", "wife's father"),
    (56, "岳母", "wife's mother"),
    (57, "继父或养父", "stepfather or adoptive father"),
    (58, "继母或养母", "stepmother or adoptive mother"),
    (59, "其他父母关系", "other parent"),
    (60, "祖父母或外祖父母", "grandparent"),
    (61, "祖父", "grandfather (father's father)"),
    (62, "祖母", "grandmother (father's mother)"),
    (63, "外祖父", "grandfather (mother's father)"),
    (64, "外祖母", "grandmother (mother's mother)"),
    (65, "配偶的祖父母或外祖父母", "spouse's grandparent"),
    (66, "曾祖父", "great-grandfather"),
    (67, "曾祖母", "great-grandmother"),
    (
        68,
        "配偶的曾祖父母或外曾祖父母",
        "spouse's great-grandparent",
    ),
    (69, "其他祖父母或外祖父母关系", "other grandparent"),
    (70, "兄弟姐妹", "sibling"),
    (71, "兄", "elder brother"),
    (72, "嫂", "elder brother's wife"),
    (73, "弟", "younger brother"),
    (74, "弟媳", "younger brother's wife"),
    (75, "姐姐", "elder sister"),
    (76, "姐夫", "elder sister's husband"),
    (77, "妹妹", "younger sister"),
    (78, "妹夫", "younger sister's husband"),
    (79, "其他兄弟姐妹", "other sibling"),
    (80, "其他", "other"),
    (81, "伯父", "uncle (father's elder brother)"),
    (82, "伯母", "aunt (wife of father's elder brother)"),
    (83, "叔父", "uncle (father's younger brother)"),
    (84, "婶母", "aunt (wife of father's younger brother)"),
    (85, "舅父", "uncle (mother's brother)"),
    (86, "舅母", "aunt (wife of mother's brother)"),
    (87, "姨父", "uncle (husband of mother's sister)"),
    (88, "姨母", "aunt (mother's sister)"),
    (89, "姑父", "uncle (husband of father's sister)"),
    (90, "姑母", "aunt (father's sister)"),
    (91, "堂兄弟、堂姐妹", "cousin (father's brother's child)"),
    (92, "表兄弟、表姐妹", "cousin (other)"),
    (93, "侄子", "nephew (brother's son)"),
    (94, "侄女", "niece (brother's daughter)"),
    (95, "外甥", "nephew (sister's son)"),
    (96, "外甥女", "niece (sister's daughter)"),
    (97, "其他亲属", "other relative"),
    (99, "非亲属", "not related"),
];

/// Spellings seen in village rosters for the standard's labels.
const RELATION_SYNONYMS: &[(&str, u8)] = &[
    ("户主本人", 2),
    ("丈夫", 11),
    ("妻子", 12),
    ("儿子", 20),
    ("之子", 20),
    ("女儿", 30),
    ("之女", 30),
    ("孙子女", 40),
    ("孙女婿", 46),
    ("孙媳", 45),
    ("孙媳妇", 45),
    ("外孙", 43),
    ("父", 51),
    ("母", 52),
    ("哥哥", 71),
    ("弟弟", 73),
    ("姐", 75),
    ("妹", 77),
    ("儿媳妇", 38),
    ("媳妇", 38),
    ("侄儿", 93),
    ("养子", 27),
    ("继子", 27),
    ("养女", 37),
    ("继女", 37),
];

impl Relation {
    pub const HEAD: Relation = Relation(2);

    /// A code (`02`, `2`) or a label (户主, 妻, 长子, 儿子, …).
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let t = s.trim();
        let err = || {
            CodeError {
            field: "与户主关系",
            field_en: "relation",
            value: t.to_string(),
            allowed:
                "GB/T 4761 家庭关系代码，如 02 户主、10 配偶、20 子、30 女、40 孙子女、50 父母",
            allowed_en: "a GB/T 4761 family relation code such as 02 head, 10 spouse, 20 son, 30 daughter, 40 grandchild, 50 parent",
        }
        };
        if !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()) {
            let n: u8 = t.parse().map_err(|_| err())?;
            return Relation::from_code(n).ok_or_else(err);
        }
        RELATIONS
            .iter()
            .find(|(_, l, _)| *l == t)
            .map(|(c, _, _)| Relation(*c))
            .or_else(|| {
                RELATION_SYNONYMS
                    .iter()
                    .find(|(l, _)| *l == t)
                    .map(|(_, c)| Relation(*c))
            })
            .ok_or_else(err)
    }

    pub fn from_code(n: u8) -> Option<Self> {
        RELATIONS
            .iter()
            .any(|(c, _, _)| *c == n)
            .then_some(Relation(n))
    }

    /// The two-digit code (`02`).
    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }

    pub fn name_zh(self) -> &'static str {
        RELATIONS
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map(|(_, l, _)| *l)
            .unwrap_or("")
    }

    pub fn name_en(self) -> &'static str {
        RELATIONS
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map(|(_, _, l)| *l)
            .unwrap_or("")
    }

    /// The head of the household (户主, or 本人 as some rosters write it).
    pub fn is_head(self) -> bool {
        self.0 <= 2
    }

    /// Every code with its label, in code order (for pickers and templates).
    pub fn all() -> impl Iterator<Item = (Relation, &'static str)> {
        RELATIONS.iter().map(|(c, l, _)| (Relation(*c), *l))
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

impl TryFrom<String> for Relation {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, CodeError> {
        Relation::parse(&s)
    }
}

impl From<Relation> for String {
    fn from(r: Relation) -> String {
        r.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in [10, 20, 21, 22, 23, 30, 40, 90] {
            assert_eq!(MaritalStatus::from_code(c).code() as i64, c);
        }
        assert_eq!(Sex::parse("女").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("1").unwrap(), Sex::Male);
        assert!(Sex::parse("3").is_err());
        assert_eq!(Residence::parse("流出").unwrap(), Residence::Outflow);
        assert!(Residence::parse("away").is_err());
        assert_eq!(Relation::parse("户主").unwrap(), Relation::HEAD);
        assert_eq!(Relation::parse("02").unwrap().name_zh(), "户主");
        assert_eq!(Relation::parse("12").unwrap().name_en(), "wife");
        assert_eq!(Relation::parse("2").unwrap().code(), "02");
        assert_eq!(Relation::parse("妻子").unwrap().code(), "12");
        assert_eq!(Relation::parse("长子").unwrap().code(), "22");
        assert_eq!(Relation::parse("儿子").unwrap().code(), "20");
        assert!(Relation::parse("03").is_err());
        assert!(Relation::parse("邻居").is_err());
        for (r, _) in Relation::all() {
            assert_eq!(Relation::parse(&r.code()).unwrap(), r);
            assert!(r.name_en().is_ascii() && !r.name_en().is_empty(), "{r}");
        }
    }
}
