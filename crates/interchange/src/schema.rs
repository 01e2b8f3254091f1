//! The columns of each interchange file, with their English and Chinese headers
//! and the most characters a cell of each may hold.

use crate::limits::{
    MAX_CODE_CHARS, MAX_FREE_TEXT_CHARS, MAX_ID_CHARS, MAX_NAME_CHARS, MAX_PHONE_CHARS,
    MAX_PLACE_CHARS,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regions,
    Persons,
    Births,
    /// Indicator targets (目标值): not in interchange.md, renkou's own template.
    Targets,
}

/// One column of a file kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub zh: &'static str,
    pub required: bool,
    /// The most characters a cell may hold (a longer one is a row error).
    pub max_chars: usize,
    /// Free text, where line breaks and tabs are allowed (other control
    /// characters never are).
    pub multiline: bool,
}

/// A code, date, number or ID number column: nothing valid is longer than
/// [`MAX_CODE_CHARS`].
const fn col(name: &'static str, zh: &'static str, required: bool) -> Column {
    Column {
        name,
        zh,
        required,
        max_chars: MAX_CODE_CHARS,
        multiline: false,
    }
}

/// A text column of at most `max_chars` characters.
const fn text(name: &'static str, zh: &'static str, required: bool, max_chars: usize) -> Column {
    Column {
        name,
        zh,
        required,
        max_chars,
        multiline: false,
    }
}

pub const REGION_COLUMNS: &[Column] = &[
    col("region_code", "区划代码", true),
    text("name", "名称", true, MAX_PLACE_CHARS),
    col("valid_from", "启用日期", false),
    col("valid_to", "停用日期", false),
    col("successor_code", "继承区划", false),
];

pub const PERSON_COLUMNS: &[Column] = &[
    text("person_id", "人员编号", true, MAX_ID_CHARS),
    text("name", "姓名", true, MAX_NAME_CHARS),
    col("sex", "性别", true),
    col("birth_date", "出生日期", true),
    col("id_number", "公民身份号码", false),
    text("household_id", "户编号", true, MAX_ID_CHARS),
    col("region_code", "区划代码", true),
    col("marital_status", "婚姻状况", false),
    text("mother_id", "母亲编号", false, MAX_ID_CHARS),
    text("father_id", "父亲编号", false, MAX_ID_CHARS),
    col("residence", "居住状态", false),
    text("phone", "联系电话", false, MAX_PHONE_CHARS),
    col("death_date", "死亡日期", false),
];

pub const BIRTH_COLUMNS: &[Column] = &[
    text("record_id", "记录编号", true, MAX_ID_CHARS),
    text("child_name", "婴儿姓名", false, MAX_NAME_CHARS),
    col("child_sex", "婴儿性别", true),
    col("birth_date", "出生日期", true),
    col("birth_order", "孩次", false),
    text("mother_name", "母亲姓名", false, MAX_NAME_CHARS),
    col("mother_id_number", "母亲身份号码", false),
    col("mother_birth_date", "母亲出生日期", false),
    text("father_name", "父亲姓名", false, MAX_NAME_CHARS),
    col("father_id_number", "父亲身份号码", false),
    col("region_code", "区划代码", false),
    text("place", "出生地点", false, MAX_PLACE_CHARS),
    text("source", "来源", false, MAX_PLACE_CHARS),
];

/// A targets file: one row per indicator, region and year. `direction` is
/// `lower`, `higher` or `band` (or 越低越好, 越高越好, 区间); a band needs its
/// two bounds and may leave `value` empty (the middle of the band is shown).
pub const TARGET_COLUMNS: &[Column] = &[
    text("indicator", "指标代码", true, MAX_ID_CHARS),
    col("region_code", "区划代码", true),
    col("year", "年份", true),
    col("direction", "方向", true),
    col("value", "目标值", false),
    col("band_low", "区间下限", false),
    col("band_high", "区间上限", false),
    Column {
        name: "note",
        zh: "备注",
        required: false,
        max_chars: MAX_FREE_TEXT_CHARS,
        multiline: true,
    },
];

impl FileKind {
    pub fn columns(self) -> &'static [Column] {
        match self {
            FileKind::Regions => REGION_COLUMNS,
            FileKind::Persons => PERSON_COLUMNS,
            FileKind::Births => BIRTH_COLUMNS,
            FileKind::Targets => TARGET_COLUMNS,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            FileKind::Regions => "区划",
            FileKind::Persons => "人员",
            FileKind::Births => "出生",
            FileKind::Targets => "目标值",
        }
    }

    /// Finds the column a header cell names (English case-insensitively, or Chinese;
    /// a few spellings seen in ledgers are accepted too).
    pub fn column_index(self, header: &str) -> Option<usize> {
        let h = header.trim().trim_start_matches('\u{feff}').trim();
        let alias = match h {
            "身份证号" | "身份证号码" | "证件号码" => "公民身份号码",
            "母亲身份证号" | "母亲身份证号码" => "母亲身份号码",
            "父亲身份证号" | "父亲身份证号码" => "父亲身份号码",
            "户号" => "户编号",
            "指标" => "指标代码",
            "目标" => "目标值",
            "电话" | "手机号码" => "联系电话",
            other => other,
        };
        self.columns()
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(alias) || c.zh == alias)
    }
}
