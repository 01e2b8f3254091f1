//! National code lists used in the register: sex (GB/T 2261.1), marital status
//! (GB/T 2261.2) and where a registered person actually lives.

use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}取值“{value}”不在代码表中（可用：{allowed}） / {field_en} value \"{value}\" is not a known code (allowed: {allowed})")]
pub struct CodeError {
    pub field: &'static str,
    pub field_en: &'static str,
    pub value: String,
    pub allowed: &'static str,
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
            v => {
                return Err(CodeError {
                    field: "居住状态",
                    field_en: "residence",
                    value: v.to_string(),
                    allowed: "resident 常住, outflow 流出, inflow 流入",
                })
            }
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

/// The codes of GB/T 4761-2008 with their Chinese labels.
const RELATIONS: &[(u8, &str)] = &[
    (1, "本人"),
    (2, "户主"),
    (10, "配偶"),
    (11, "夫"),
    (12, "妻"),
    (20, "子"),
    (21, "独生子"),
    (22, "长子"),
    (23, "次子"),
    (24, "三子"),
    (25, "四子"),
    (26, "五子"),
    (27, "养子或继子"),
    (28, "女婿"),
    (29, "其他儿子"),
    (30, "女"),
    (31, "独生女"),
    (32, "长女"),
    (33, "次女"),
    (34, "三女"),
    (35, "四女"),
    (36, "五女"),
    (37, "养女或继女"),
    (38, "儿媳"),
    (39, "其他女儿"),
    (40, "孙子、孙女或外孙子、外孙女"),
    (41, "孙子"),
    (42, "孙女"),
    (43, "外孙子"),
    (44, "外孙女"),
    (45, "孙媳妇或外孙媳妇"),
    (46, "孙女婿或外孙女婿"),
    (47, "曾孙子或外曾孙子"),
    (48, "曾孙女或外曾孙女"),
    (49, "其他孙子、孙女或外孙子、外孙女"),
    (50, "父母"),
    (51, "父亲"),
    (52, "母亲"),
    (53, "公公"),
    (54, "婆婆"),
    (55, "岳父"),
    (56, "岳母"),
    (57, "继父或养父"),
    (58, "继母或养母"),
    (59, "其他父母关系"),
    (60, "祖父母或外祖父母"),
    (61, "祖父"),
    (62, "祖母"),
    (63, "外祖父"),
    (64, "外祖母"),
    (65, "配偶的祖父母或外祖父母"),
    (66, "曾祖父"),
    (67, "曾祖母"),
    (68, "配偶的曾祖父母或外曾祖父母"),
    (69, "其他祖父母或外祖父母关系"),
    (70, "兄弟姐妹"),
    (71, "兄"),
    (72, "嫂"),
    (73, "弟"),
    (74, "弟媳"),
    (75, "姐姐"),
    (76, "姐夫"),
    (77, "妹妹"),
    (78, "妹夫"),
    (79, "其他兄弟姐妹"),
    (80, "其他"),
    (81, "伯父"),
    (82, "伯母"),
    (83, "叔父"),
    (84, "婶母"),
    (85, "舅父"),
    (86, "舅母"),
    (87, "姨父"),
    (88, "姨母"),
    (89, "姑父"),
    (90, "姑母"),
    (91, "堂兄弟、堂姐妹"),
    (92, "表兄弟、表姐妹"),
    (93, "侄子"),
    (94, "侄女"),
    (95, "外甥"),
    (96, "外甥女"),
    (97, "其他亲属"),
    (99, "非亲属"),
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
        let err = || CodeError {
            field: "与户主关系",
            field_en: "relation",
            value: t.to_string(),
            allowed:
                "GB/T 4761 家庭关系代码，如 02 户主、10 配偶、20 子、30 女、40 孙子女、50 父母",
        };
        if !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()) {
            let n: u8 = t.parse().map_err(|_| err())?;
            return Relation::from_code(n).ok_or_else(err);
        }
        RELATIONS
            .iter()
            .find(|(_, l)| *l == t)
            .map(|(c, _)| Relation(*c))
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
            .any(|(c, _)| *c == n)
            .then_some(Relation(n))
    }

    /// The two-digit code (`02`).
    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }

    pub fn name_zh(self) -> &'static str {
        RELATIONS
            .iter()
            .find(|(c, _)| *c == self.0)
            .map(|(_, l)| *l)
            .unwrap_or("")
    }

    /// The head of the household (户主, or 本人 as some rosters write it).
    pub fn is_head(self) -> bool {
        self.0 <= 2
    }

    /// Every code with its label, in code order (for pickers and templates).
    pub fn all() -> impl Iterator<Item = (Relation, &'static str)> {
        RELATIONS.iter().map(|(c, l)| (Relation(*c), *l))
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
        assert_eq!(Relation::parse("2").unwrap().code(), "02");
        assert_eq!(Relation::parse("妻子").unwrap().code(), "12");
        assert_eq!(Relation::parse("长子").unwrap().code(), "22");
        assert_eq!(Relation::parse("儿子").unwrap().code(), "20");
        assert!(Relation::parse("03").is_err());
        assert!(Relation::parse("邻居").is_err());
        for (r, _) in Relation::all() {
            assert_eq!(Relation::parse(&r.code()).unwrap(), r);
        }
    }
}
