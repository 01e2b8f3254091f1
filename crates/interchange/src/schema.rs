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
    /// A village's own roster (花名册) as offices keep it: no person, household
    /// or region numbers; see [`crate::roster`].
    Roster,
    /// A bank's results of a payment batch (发放结果): the batch's lines with 成功 or
    /// 失败 and the reason; headers through [`bank_result_synonym`].
    BankResults,
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
    col("relation", "与户主关系", false),
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

/// The columns of a village roster (花名册), all but the name optional. Headers
/// are recognised through [`roster_synonym`]; `seq` (序号) is recognised and
/// ignored, `region` holds a village's code or name.
pub const ROSTER_COLUMNS: &[Column] = &[
    col("seq", "序号", false),
    text("name", "姓名", true, MAX_NAME_CHARS),
    col("id_number", "身份证号码", false),
    col("sex", "性别", false),
    col("birth_date", "出生年月", false),
    col("relation", "与户主关系", false),
    text("head_name", "户主姓名", false, MAX_NAME_CHARS),
    text("household_key", "户号", false, MAX_ID_CHARS),
    text("ethnicity", "民族", false, MAX_PLACE_CHARS),
    text("education", "文化程度", false, MAX_PLACE_CHARS),
    col("marital_status", "婚姻状况", false),
    col("residence", "居住状态", false),
    text("phone", "联系电话", false, MAX_PHONE_CHARS),
    Column {
        name: "note",
        zh: "备注",
        required: false,
        max_chars: MAX_FREE_TEXT_CHARS,
        multiline: true,
    },
    text("region", "所属村", false, MAX_PLACE_CHARS),
];

/// The roster column a header names: the synonyms offices write for each. Spaces
/// inside a header (`姓  名`) and a trailing note in brackets (`出生年月(年.月)`)
/// are ignored.
pub fn roster_synonym(header: &str) -> Option<&'static str> {
    let mut h: String = header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if let Some(i) = h.find(['(', '（']) {
        if i > 0 {
            h.truncate(i);
        }
    }
    let h = h.as_str();
    Some(match h {
        "序号" | "编号" | "No" | "No." | "seq" => "seq",
        "姓名" | "名字" | "人员姓名" | "name" => "name",
        "身份证号"
        | "身份证号码"
        | "公民身份号码"
        | "公民身份证号码"
        | "证件号码"
        | "身份号码"
        | "身份证"
        | "id_number" => "id_number",
        "性别" | "sex" => "sex",
        "出生年月" | "出生日期" | "出生年月日" | "出生时间" | "生日" | "birth_date" => {
            "birth_date"
        }
        "与户主关系" | "与户主的关系" | "关系" | "家庭关系" | "户内关系" | "relation" => {
            "relation"
        }
        "户主姓名" | "户主" | "head_name" => "head_name",
        "户号" | "户编号" | "户口编号" | "家庭编号" | "household_key" => {
            "household_key"
        }
        "民族" => "ethnicity",
        "文化程度" | "学历" => "education",
        "婚姻状况" | "婚姻状态" | "婚否" | "婚姻" | "marital_status" => {
            "marital_status"
        }
        "居住状态" | "人口状态" | "居住情况" | "现居状态" | "在家情况" | "residence" => {
            "residence"
        }
        "联系电话" | "电话" | "手机" | "手机号" | "手机号码" | "联系方式" | "phone" => {
            "phone"
        }
        "备注" | "note" => "note",
        "所属村" | "村" | "村名" | "所在村" | "行政村" | "区划代码" | "区划" | "村居"
        | "region" => "region",
        _ => return None,
    })
}

/// The columns of a bank's results file: the batch file's columns (序号, 户名,
/// 账号, 身份证号码, 金额) with the bank's 结果 and 失败原因.
pub const BANK_RESULT_COLUMNS: &[Column] = &[
    col("seq", "序号", false),
    text("holder_name", "户名", false, MAX_NAME_CHARS),
    col("account_no", "账号", true),
    col("id_number", "身份证号码", false),
    col("amount", "金额", true),
    text("result", "结果", true, MAX_PLACE_CHARS),
    text("reason", "失败原因", false, MAX_PLACE_CHARS),
];

/// The column a header of a bank's results file names, by the spellings banks
/// use (账户名称, 银行账号, 交易状态, 备注…).
pub fn bank_result_synonym(header: &str) -> Option<&'static str> {
    let h: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some(match h.to_ascii_lowercase().as_str() {
        "序号" | "编号" | "seq" => "seq",
        "户名" | "账户名称" | "账户名" | "收款人" | "收款人姓名" | "姓名" | "holder_name" => {
            "holder_name"
        }
        "账号" | "银行账号" | "卡号" | "收款账号" | "账户" | "account_no" => {
            "account_no"
        }
        "身份证号码" | "身份证号" | "证件号码" | "公民身份号码" | "id_number" => {
            "id_number"
        }
        "金额" | "发放金额" | "交易金额" | "金额(元)" | "金额（元）" | "amount" => {
            "amount"
        }
        "结果" | "状态" | "处理结果" | "交易状态" | "发放结果" | "result" => {
            "result"
        }
        "失败原因" | "原因" | "备注" | "说明" | "reason" => "reason",
        _ => return None,
    })
}

impl FileKind {
    pub fn columns(self) -> &'static [Column] {
        match self {
            FileKind::Regions => REGION_COLUMNS,
            FileKind::Persons => PERSON_COLUMNS,
            FileKind::Births => BIRTH_COLUMNS,
            FileKind::Targets => TARGET_COLUMNS,
            FileKind::Roster => ROSTER_COLUMNS,
            FileKind::BankResults => BANK_RESULT_COLUMNS,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            FileKind::Regions => "区划",
            FileKind::Persons => "人员",
            FileKind::Births => "出生",
            FileKind::Targets => "目标值",
            FileKind::Roster => "花名册",
            FileKind::BankResults => "发放结果",
        }
    }

    /// Finds the column a header cell names (English case-insensitively, or Chinese;
    /// a few spellings seen in ledgers are accepted too).
    pub fn column_index(self, header: &str) -> Option<usize> {
        if self == FileKind::Roster {
            let name = roster_synonym(header)?;
            return self.columns().iter().position(|c| c.name == name);
        }
        if self == FileKind::BankResults {
            let name = bank_result_synonym(header)?;
            return self.columns().iter().position(|c| c.name == name);
        }
        let h = header.trim().trim_start_matches('\u{feff}').trim();
        let alias = match h {
            "身份证号" | "身份证号码" | "证件号码" => "公民身份号码",
            "母亲身份证号" | "母亲身份证号码" => "母亲身份号码",
            "父亲身份证号" | "父亲身份证号码" => "父亲身份号码",
            "户号" => "户编号",
            "关系" | "与户主的关系" => "与户主关系",
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
