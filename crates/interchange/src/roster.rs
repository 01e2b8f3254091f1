//! 花名册: a village's own roster, read as offices keep it. Title rows above the
//! header, headers in the office's own words (mapped through
//! [`crate::schema::roster_synonym`], or as the user chose), no person, household
//! or region numbers, 合计 / 总计 / 小计 rows and blank rows between households,
//! 出生年月 given to the month (`1985.03`, `1985年3月`, `198503`, `1985-03`) or to
//! the day, as text or as Excel date cells, CSV in GBK or UTF-8 or xlsx.
//!
//! This module reads and types the rows ([`RosterPerson`]) and says what it
//! skipped ([`RosterReader::notes`]); numbering, households and matching against
//! the register are the register's use case. It is bounded like every reader here
//! (it is a [`TableReader`] underneath, see [`crate::limits`]).

use crate::cells::Cells;
use crate::error::{FileError, RowError};
use crate::limits::MAX_ROSTER_ROWS;
use crate::schema::{Column, FileKind, ROSTER_COLUMNS};
use crate::table::{Row, TableReader};
use renkou_domain::quality::QualityKind;
use renkou_domain::{parse_date, Date, IdNumber, MaritalStatus, Relation, Residence, Sex};
use std::path::Path;

/// A birth date as a roster gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthCell {
    Day(Date),
    /// Known to the month only (出生年月).
    Month {
        year: i32,
        month: u32,
    },
}

impl BirthCell {
    /// The day the register holds: the day itself, or the 1st of the month.
    pub fn first_day(self) -> Date {
        match self {
            BirthCell::Day(d) => d,
            BirthCell::Month { year, month } => {
                Date::from_ymd_opt(year, month, 1).unwrap_or_default()
            }
        }
    }

    /// Whether `d` falls in this cell's day or month.
    pub fn agrees_with(self, d: Date) -> bool {
        match self {
            BirthCell::Day(x) => x == d,
            BirthCell::Month { year, month } => {
                let first = Date::from_ymd_opt(year, month, 1);
                let next = if month == 12 {
                    Date::from_ymd_opt(year + 1, 1, 1)
                } else {
                    Date::from_ymd_opt(year, month + 1, 1)
                };
                matches!((first, next), (Some(a), Some(b)) if a <= d && d < b)
            }
        }
    }
}

impl std::fmt::Display for BirthCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BirthCell::Day(d) => write!(f, "{d}"),
            BirthCell::Month { year, month } => write!(f, "{year}-{month:02}"),
        }
    }
}

/// Parses 出生年月 / 出生日期: every day spelling of [`parse_date`], and the
/// month spellings `1985.03`, `1985.3`, `1985年3月`, `198503`, `1985-03`,
/// `1985/3`. A month spelled with one digit after a point is that month
/// (`1985.1` is January: Excel shows a number cell typed `1985.10` as `1985.1`,
/// so such a cell should be text).
pub fn parse_birth(s: &str) -> Result<BirthCell, String> {
    let t = s.trim();
    if let Ok(d) = parse_date(t) {
        return Ok(BirthCell::Day(d));
    }
    // Excel date cells arrive as YYYY-MM-DD already; a time part may follow.
    if let Some((day, _)) = t.split_once([' ', 'T']) {
        if let Ok(d) = parse_date(day) {
            return Ok(BirthCell::Day(d));
        }
    }
    let err = || {
        "出生年月无法识别（应为 1985.03、1985年3月、198503、1985-03 或完整日期） / birth date not understood (expected 1985.03, 1985年3月, 198503, 1985-03 or a full date)".to_string()
    };
    let (y, m) = if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        (&t[..4], &t[4..])
    } else {
        let body = t.strip_suffix('月').unwrap_or(t);
        let mut parts = body.split(['.', '-', '/', '年']);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), None) => (y, m),
            _ => return Err(err()),
        }
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || !digits(y) || !digits(m) || m.len() > 2 {
        return Err(err());
    }
    // 年 goes with 月, and only with it.
    if t.contains('年') != t.ends_with('月') {
        return Err(err());
    }
    let (year, month): (i32, u32) = (y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    if !(1880..=2200).contains(&year) || !(1..=12).contains(&month) {
        return Err(err());
    }
    Ok(BirthCell::Month { year, month })
}

/// 婚姻状况 as rosters write it: the code list's labels and a few more.
fn marital(s: &str) -> Result<MaritalStatus, String> {
    let t = s.trim();
    let t = match t {
        "有配偶" | "已婚有配偶" => "已婚",
        "未婚无配偶" => "未婚",
        "离异" => "离婚",
        other => other,
    };
    MaritalStatus::parse(t).map_err(|e| e.to_string())
}

/// 居住状态 / 人口状态 as rosters write it.
fn residence(s: &str) -> Result<Residence, String> {
    let t = s.trim();
    let t = match t {
        "在家" | "在村" | "在册" | "户籍人口" | "正常" => "常住",
        "外出" | "外出务工" | "外出打工" | "不在家" | "外地" => "流出",
        "外来" | "外来人口" => "流入",
        other => other,
    };
    Residence::parse(t).map_err(|e| e.to_string())
}

/// One person's row of a roster, typed; fields the file has no column (or an
/// empty cell) for are None.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterPerson {
    /// The spreadsheet row number.
    pub line: u64,
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub sex: Option<Sex>,
    pub birth: Option<BirthCell>,
    pub relation: Option<Relation>,
    pub head_name: Option<String>,
    pub household_key: Option<String>,
    pub marital_status: Option<MaritalStatus>,
    pub residence: Option<Residence>,
    pub phone: Option<String>,
    /// A village's code or name, where a column holds it.
    pub region: Option<String>,
    /// 民族, 文化程度, 备注 and the cells of columns read as nothing, as a JSON
    /// object by header (kept beside the person, never dropped).
    pub extra: Option<String>,
}

/// What the ID number and the stated fields make of a person's birth date and sex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// None when neither the ID number nor the roster gives one.
    pub birth_date: Option<Date>,
    pub sex: Sex,
    /// Data-quality items: (kind, message without personal data).
    pub issues: Vec<(QualityKind, String)>,
}

impl RosterPerson {
    /// Birth date and sex, taken from the ID number where the roster's columns
    /// are missing, empty or give only the month; a roster value that disagrees
    /// with the ID number is kept (it is the file's evidence) and listed. Without
    /// an ID number a month-only date is held as the 1st of the month and listed
    /// as known to the month only. A missing sex is taken from the relation where
    /// it says one (子, 妻, …), else unknown.
    pub fn resolve(&self) -> Resolved {
        let mut issues = Vec::new();
        let (birth_date, sex) = match &self.id_number {
            Some(id) => {
                let birth = match self.birth {
                    None => id.birth_date(),
                    Some(BirthCell::Day(d)) => d,
                    Some(b @ BirthCell::Month { .. }) => {
                        if !b.agrees_with(id.birth_date()) {
                            issues.push((
                                QualityKind::IdBirthDateMismatch,
                                format!(
                                    "花名册的出生年月（{b}）与身份号码中的出生日期（{}）不一致，已按身份号码登记 / the roster's birth month ({b}) differs from the ID number's birth date ({}); the ID number's was registered",
                                    id.birth_date(),
                                    id.birth_date()
                                ),
                            ));
                        }
                        id.birth_date()
                    }
                };
                (Some(birth), self.sex.unwrap_or(id.sex()))
            }
            None => {
                let birth = self.birth.map(|b| {
                    if let BirthCell::Month { year, month } = b {
                        issues.push((
                            QualityKind::BirthDateMonthOnly,
                            format!(
                                "出生日期只知道年月（{year}-{month:02}），登记为该月1日，请核实具体日期 / the birth date is known to the month only ({year}-{month:02}); the 1st of the month is registered"
                            ),
                        ));
                    }
                    b.first_day()
                });
                let sex = self
                    .sex
                    .or_else(|| self.relation.and_then(implied_sex))
                    .unwrap_or(Sex::Unknown);
                (birth, sex)
            }
        };
        Resolved {
            birth_date,
            sex,
            issues,
        }
    }
}

/// The sex a relation code implies, where it implies one.
fn implied_sex(r: Relation) -> Option<Sex> {
    let c: u8 = r.code().parse().ok()?;
    match c {
        11 | 20..=29 | 41 | 43 | 47 | 51 | 53 | 55 | 57 | 61 | 63 | 66 | 71 | 73 | 76 | 78 => {
            Some(Sex::Male)
        }
        12 | 30..=39 | 42 | 44 | 45 | 48 | 52 | 54 | 56 | 58 | 62 | 64 | 67 | 72 | 74 | 75 | 77 => {
            Some(Sex::Female)
        }
        _ => None,
    }
}

/// A row of the roster: a person, or a row skipped with a note (a total row, a
/// signature line under the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterLine {
    Person(RosterPerson),
    Skipped { line: u64, note: String },
}

/// One column of the file and what it is read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedColumn {
    pub position: usize,
    pub header: String,
    pub field: Option<&'static Column>,
}

/// A roster being read, row by row.
pub struct RosterReader {
    pub table: TableReader,
    last_line: u64,
    notes: Vec<String>,
    /// Rows read so far (bounded by [`MAX_ROSTER_ROWS`]).
    rows: u64,
}

impl RosterReader {
    /// Opens a roster (xlsx, or CSV in any encoding Excel writes): finds the
    /// header below any title rows and maps it through the synonym table.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Self, FileError> {
        let table = TableReader::open(path, FileKind::Roster, sheet)?;
        Ok(RosterReader {
            table,
            last_line: 0,
            notes: Vec::new(),
            rows: 0,
        })
    }

    /// Whether a header row looks like a roster rather than a persons file: it
    /// has a name column and no 人员编号.
    pub fn looks_like_roster(headers: &[String]) -> bool {
        let persons_file = headers
            .iter()
            .any(|h| FileKind::Persons.column_index(h) == Some(0));
        !persons_file
            && headers
                .iter()
                .any(|h| crate::schema::roster_synonym(h) == Some("name"))
    }

    /// Each column of the file with the field it is read as.
    pub fn mapping(&self) -> Vec<MappedColumn> {
        self.table
            .mapping()
            .into_iter()
            .enumerate()
            .map(|(position, ci)| MappedColumn {
                position,
                header: self.table.header(position).to_string(),
                field: ci.map(|i| &ROSTER_COLUMNS[i]),
            })
            .collect()
    }

    /// The mapping by field name per file position ("" for none): the form a
    /// chosen mapping is remembered in.
    pub fn mapping_names(&self) -> Vec<String> {
        self.mapping()
            .into_iter()
            .map(|m| m.field.map(|c| c.name.to_string()).unwrap_or_default())
            .collect()
    }

    /// Reads the columns as `names` says (a field name per file position, "" or
    /// an unknown name for none).
    pub fn set_mapping_names<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), FileError> {
        let m: Vec<Option<usize>> = names
            .iter()
            .map(|n| ROSTER_COLUMNS.iter().position(|c| c.name == n.as_ref()))
            .collect();
        self.table.set_mapping(&m)
    }

    /// The headers as one key: a file with the same headers maps the same way.
    pub fn headers_key(&self) -> String {
        self.table.headers.join("\u{1f}")
    }

    /// What was skipped so far, in words (not errors).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The next row: a person (or every bad field of the row), or a skipped row;
    /// None at the end.
    pub fn next_line(&mut self) -> Result<Option<Result<RosterLine, Vec<RowError>>>, FileError> {
        let mut row = Row::default();
        if !self.table.next_row(&mut row)? {
            self.last_line = u64::MAX;
            return Ok(None);
        }
        if self.last_line > 0 && row.line > self.last_line + 1 {
            let (a, b) = (self.last_line + 1, row.line - 1);
            self.notes.push(if a == b {
                format!("第{a}行为空行，已跳过 / row {a} is blank and was skipped")
            } else {
                format!("第{a}–{b}行为空行，已跳过 / rows {a}–{b} are blank and were skipped")
            });
        }
        self.last_line = row.line;
        self.rows += 1;
        if self.rows > MAX_ROSTER_ROWS {
            return Err(FileError::Limit {
                file: self.table.file.clone(),
                at: Some(crate::limits::Place {
                    row: row.line,
                    column: None,
                }),
                limit: crate::limits::Limit::Rows {
                    max: MAX_ROSTER_ROWS,
                },
            });
        }
        Ok(Some(self.parse(&row)))
    }

    fn parse(&mut self, row: &Row) -> Result<RosterLine, Vec<RowError>> {
        let line = row.line;
        let squeezed = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        if let Some(word) = row.cells().map(squeezed).find_map(|c| {
            ["合计", "总计", "小计", "共计"]
                .into_iter()
                .find(|w| c.starts_with(w))
        }) {
            let note =
                format!("第{line}行是{word}行，已跳过 / row {line} is a total row and was skipped");
            self.notes.push(note.clone());
            return Ok(RosterLine::Skipped { line, note });
        }
        let table = &self.table;
        let name_cell = table.index("name").map(|i| row.cell(i)).unwrap_or("");
        if name_cell.is_empty() {
            let footer = row.cells().map(squeezed).any(|c| {
                ["填表", "制表", "审核", "负责人", "填报", "日期：", "说明"]
                    .iter()
                    .any(|w| c.contains(w))
            });
            if footer {
                let note = format!(
                    "第{line}行是表尾说明，已跳过 / row {line} is a footer line and was skipped"
                );
                self.notes.push(note.clone());
                return Ok(RosterLine::Skipped { line, note });
            }
        }
        let mut c = Cells::new(table, row);
        let name = c.req("name");
        let v = c.opt("id_number");
        let id_number = c.parse("id_number", v, IdNumber::parse);
        let v = c.opt("sex");
        let sex = c.parse("sex", v, Sex::parse);
        let v = c.opt("birth_date");
        let birth = c.parse("birth_date", v, parse_birth);
        let v = c.opt("relation");
        let relation = c.parse("relation", v, Relation::parse);
        let head_name = c.opt("head_name").map(str::to_string);
        let household_key = c.opt("household_key").map(str::to_string);
        let v = c.opt("marital_status");
        let marital_status = c.parse("marital_status", v, marital);
        let v = c.opt("residence");
        let residence = c.parse("residence", v, residence);
        let phone = c.opt("phone").map(str::to_string);
        let region = c.opt("region").map(str::to_string);
        let mut extra = serde_json::Map::new();
        for col in ["ethnicity", "education", "note"] {
            if let (Some(v), Some(i)) = (c.opt(col), table.index(col)) {
                extra.insert(
                    table.header(i).to_string(),
                    serde_json::Value::String(v.to_string()),
                );
            }
        }
        for (i, h) in table.extra_columns() {
            let v = row.cell(i);
            if !v.is_empty() && v.chars().count() <= crate::limits::MAX_FREE_TEXT_CHARS {
                extra.insert(h, serde_json::Value::String(v.to_string()));
            }
        }
        if id_number.is_none() && birth.is_none() && c.errors.is_empty() {
            c.error(
                "birth_date",
                "出生年月和身份证号码都为空，无法登记 / neither a birth date nor an ID number is given".into(),
            );
        }
        let person = name.map(|name| RosterPerson {
            line,
            name: name.to_string(),
            id_number,
            sex,
            birth,
            relation,
            head_name,
            household_key,
            marital_status,
            residence,
            phone,
            region,
            extra: (!extra.is_empty()).then(|| serde_json::Value::Object(extra).to_string()),
        });
        c.finish(person).map(RosterLine::Person)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(year: i32, month: u32) -> BirthCell {
        BirthCell::Month { year, month }
    }

    #[test]
    fn month_spellings_are_understood() {
        for s in [
            "1985.03",
            "1985.3",
            "1985年3月",
            "1985年03月",
            "198503",
            "1985-03",
            "1985/3",
        ] {
            assert_eq!(parse_birth(s), Ok(m(1985, 3)), "{s}");
        }
        let d = Date::from_ymd_opt(1985, 3, 12).unwrap();
        for s in [
            "1985/3/12",
            "1985-03-12",
            "19850312",
            "1985年3月12日",
            "1985.3.12",
            "1985-03-12 00:00:00",
        ] {
            assert_eq!(parse_birth(s), Ok(BirthCell::Day(d)), "{s}");
        }
        for s in [
            "",
            "1985",
            "198513",
            "1985.13",
            "85.3",
            "1985年3",
            "1985-3月",
            "abc",
            "1985.3.40",
        ] {
            assert!(parse_birth(s).is_err(), "{s}");
        }
    }

    #[test]
    fn relation_implies_sex_only_where_it_says_one() {
        assert_eq!(
            implied_sex(Relation::parse("妻").unwrap()),
            Some(Sex::Female)
        );
        assert_eq!(
            implied_sex(Relation::parse("长子").unwrap()),
            Some(Sex::Male)
        );
        assert_eq!(implied_sex(Relation::parse("户主").unwrap()), None);
        assert_eq!(implied_sex(Relation::parse("配偶").unwrap()), None);
    }
}
