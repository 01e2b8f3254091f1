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
    }
}
