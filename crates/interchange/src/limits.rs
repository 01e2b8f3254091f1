//! The bounds every interchange file is read within, and the refusal that names
//! the bound a file broke. One place, so that the numbers in the crate docs, in
//! the messages and in the code cannot drift apart.
//!
//! The numbers are chosen so that no real county file comes near them — a
//! township roster of 100,000 rows × 40 columns as xlsx, a county file of
//! 2,000,000 persons as CSV — while a hostile file is stopped long before it can
//! take much memory. See the crate documentation for the memory this adds up to.

use std::fmt;

/// Characters one cell may hold: Excel's own limit, so no file Excel wrote has
/// a longer cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Columns holding data (the last non-empty cell's position). Real ledgers have
/// 10 to 200; empty cells further right (Excel's trailing commas, formatted but
/// empty cells) are ignored, not counted.
pub const MAX_COLUMNS: usize = 1_024;
/// Fields one CSV line may have at all, empty ones included: Excel's column
/// count, so a CSV that Excel saved never has more.
pub const MAX_CSV_FIELDS: usize = 16_384;
/// Text one row may hold (UTF-8 bytes of all its cells). A person row is
/// 100 to 300 bytes; this also stops a file without line breaks, or with an
/// unclosed quote, after 4 MiB instead of reading it whole.
pub const MAX_ROW_BYTES: usize = 4 << 20;
/// Rows of one xlsx sheet: Excel's limit.
pub const MAX_SHEET_ROWS: u64 = 1_048_576;
/// Person rows of a roster (花名册): a roster is one village's (or township's),
/// and its rows are held while households are formed and matched against the
/// register, so at most this many are read (about 40 MB held at most).
pub const MAX_ROSTER_ROWS: u64 = 100_000;

/// Characters of a name (姓名, 婴儿姓名, 母亲姓名, 父亲姓名). Chinese names have
/// 2 to 4, names of minorities and foreigners in Chinese script rarely 20.
pub const MAX_NAME_CHARS: usize = 50;
/// Characters of a place, a region name or a source (a hospital's full name,
/// 某某街道某某社区居民委员会, a register's name).
pub const MAX_PLACE_CHARS: usize = 100;
/// Characters of a record, person or household number, an indicator code.
pub const MAX_ID_CHARS: usize = 64;
/// Characters of a phone field (two numbers with an extension fit).
pub const MAX_PHONE_CHARS: usize = 40;
/// Characters of free text (a note).
pub const MAX_FREE_TEXT_CHARS: usize = 500;
/// Characters of a code, date, number or ID number: no valid one is longer, so
/// a longer cell is refused before its parser (and its message) sees it.
pub const MAX_CODE_CHARS: usize = 40;

/// Bytes an xlsx archive may inflate to, all members together. A 100,000 × 40
/// roster's sheet is about 150 MB (shared strings) to 300 MB (inline strings).
pub const MAX_INFLATED: u64 = 1 << 30;
/// How many times its stored size one archive member may inflate to (once it is
/// over [`RATIO_FREE_BYTES`]). Real sheets inflate 5 to 30 times; a zip bomb
/// several hundred to a thousand times.
pub const MAX_RATIO: u64 = 100;
/// Below this, a member's ratio is not checked: small XML parts compress well.
pub const RATIO_FREE_BYTES: u64 = 1 << 20;
/// Members in one xlsx archive (a workbook has 10 to 50).
pub const MAX_ENTRIES: usize = 10_000;
/// One XML event (a tag with its attributes, or a run of text): the most the
/// XML parser ever buffers at once. A real tag is under 1 KiB.
pub const MAX_XML_EVENT: usize = 1 << 20;
/// XML of one cell (`<c>…</c>`) or one shared string (`<si>…</si>`): room for
/// [`MAX_CELL_CHARS`] characters even if every one is written as an escape.
pub const MAX_CELL_XML: usize = 8 * MAX_CELL_CHARS;
/// Shared strings of one workbook: every cell of a 100,000 × 20 block unique.
pub const MAX_SHARED_STRINGS: usize = 2_000_000;
/// XML of the shared-strings part (a roster's is 5 to 40 MB).
pub const MAX_SHARED_STRINGS_XML: u64 = 128 << 20;
/// XML of any part other than a sheet or the shared strings (styles, workbook,
/// relationships, theme, drawings). Bloated styles parts reach 10 to 15 MB.
pub const MAX_OTHER_PART_XML: u64 = 32 << 20;
/// Records of one kind that calamine keeps in memory from one part (cell
/// formats, fonts, fills, borders, number formats, relationships, sheets,
/// defined names). Excel itself stops at 65,490 cell formats.
pub const MAX_RECORDS: usize = 100_000;
/// XML of one such record.
pub const MAX_RECORD_XML: usize = 64 << 10;
/// calamine copies a cell format's font and number format into every one of its
/// styles: the estimate of that copying (see `xlsx.rs`) must stay under this.
pub const MAX_STYLE_MEMORY: u64 = 64 << 20;

/// A bound a file broke. Shown after the file name (and row and column, where
/// one applies), Chinese first, then English.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// The archive inflates to more than this many bytes.
    Inflated {
        max: u64,
    },
    /// A member inflates more than `max` times its stored size.
    Ratio {
        entry: String,
        max: u64,
    },
    /// A member inflates to more than its own header says.
    Misdeclared {
        entry: String,
    },
    Entries {
        max: usize,
    },
    /// One XML tag or text run is longer than `max` bytes.
    XmlEvent {
        entry: String,
        max: usize,
    },
    /// One part's XML is longer than `max` bytes.
    Part {
        entry: String,
        max: u64,
    },
    /// A cell holds more than `max` characters.
    Cell {
        max: usize,
    },
    /// A row holds more than `max` bytes of text.
    Row {
        max: usize,
    },
    /// A row has data beyond column `max`.
    Columns {
        max: usize,
    },
    /// A CSV line has more than `max` fields, empty ones included.
    Fields {
        max: usize,
    },
    Rows {
        max: u64,
    },
    SharedStrings {
        max: usize,
    },
    /// Shared string number `index` (from 1) holds more than `max` characters.
    SharedString {
        index: usize,
        max: usize,
    },
    /// A part keeps more than `max` records of the kind `what`, or one of them
    /// is over [`MAX_RECORD_XML`].
    Records {
        entry: String,
        what: String,
        max: usize,
    },
    /// The cell formats would take more than `max` bytes once calamine copied
    /// their fonts and number formats into each.
    Styles {
        max: u64,
    },
}

/// A size in bytes as people read it: "1 GiB", "128 MiB", "256 KiB", "900 B".
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} B")
}

/// A count with thousands separators: 1,048,576.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Inflated { max } => write!(
                f,
                "文件过大：解压后超过 {m}，不是正常的表格文件 / the file expands to more than {m} when unpacked; not a normal spreadsheet",
                m = bytes(*max)
            ),
            Limit::Ratio { entry, max } => write!(
                f,
                "文件过大：压缩包成员“{e}”解压后超过其压缩大小的 {max} 倍（疑似压缩炸弹） / the file expands to more than {max} times its size when unpacked (member \"{e}\"; a zip bomb?)",
                e = crate::echo::echo(entry)
            ),
            Limit::Misdeclared { entry } => write!(
                f,
                "文件已损坏或被篡改：压缩包成员“{e}”解压后大于其声明的大小 / damaged or tampered file: member \"{e}\" expands beyond its declared size",
                e = crate::echo::echo(entry)
            ),
            Limit::Entries { max } => write!(
                f,
                "压缩包成员超过 {m} 个，不是正常的 xlsx 文件 / the archive has more than {m} members; not a normal xlsx file",
                m = count(*max as u64)
            ),
            Limit::XmlEvent { entry, max } => write!(
                f,
                "文件已损坏：“{e}”中有超过 {m} 的单个 XML 标记或文本 / damaged file: \"{e}\" has a single XML tag or text longer than {m}",
                e = crate::echo::echo(entry),
                m = bytes(*max as u64)
            ),
            Limit::Part { entry, max } => write!(
                f,
                "文件过大：“{e}”解压后超过 {m} / the file is too large: \"{e}\" expands to more than {m}",
                e = crate::echo::echo(entry),
                m = bytes(*max)
            ),
            Limit::Cell { max } => write!(
                f,
                "单元格过长（超过 {m} 个字符） / the cell is longer than {m} characters",
                m = count(*max as u64)
            ),
            Limit::Row { max } => write!(
                f,
                "该行过长（超过 {m}，可能缺少换行或引号未闭合） / the row is longer than {m} (a missing line break or an unclosed quote?)",
                m = bytes(*max as u64)
            ),
            Limit::Columns { max } => write!(
                f,
                "列数过多：第 {m} 列之后仍有数据 / too many columns: data beyond column {m}",
                m = count(*max as u64)
            ),
            Limit::Fields { max } => write!(
                f,
                "该行超过 {m} 个字段 / the line has more than {m} fields",
                m = count(*max as u64)
            ),
            Limit::Rows { max } => write!(
                f,
                "工作表超过 {m} 行 / the sheet has more than {m} rows",
                m = count(*max)
            ),
            Limit::SharedStrings { max } => write!(
                f,
                "共享字符串超过 {m} 个 / more than {m} shared strings",
                m = count(*max as u64)
            ),
            Limit::SharedString { index, max } => write!(
                f,
                "第 {index} 个共享字符串过长（超过 {m} 个字符） / shared string {index} is longer than {m} characters",
                m = count(*max as u64)
            ),
            Limit::Records { entry, what, max } => write!(
                f,
                "文件已损坏：“{e}”中的 {w} 记录超过 {m} 个或过长 / damaged file: \"{e}\" has more than {m} {w} records, or one too long",
                e = crate::echo::echo(entry),
                w = crate::echo::echo(what),
                m = count(*max as u64)
            ),
            Limit::Styles { max } => write!(
                f,
                "单元格格式过多或过大（读取需要超过 {m}） / too many or too large cell formats (reading them would take more than {m})",
                m = bytes(*max)
            ),
        }
    }
}

/// Where in a file a bound was broken: a spreadsheet row (from 1) and, when one
/// applies, the column (its header, or its letter before the header is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub row: u64,
    pub column: Option<String>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ":{}", self.row)?;
        if let Some(c) = &self.column {
            write!(f, ":{}", crate::echo::echo(c))?;
        }
        Ok(())
    }
}

/// The spreadsheet letter of column `i` (from 0): A, B, …, Z, AA, …
pub(crate) fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_counts_and_letters_read_as_people_write_them() {
        assert_eq!(bytes(MAX_INFLATED), "1 GiB");
        assert_eq!(bytes(MAX_ROW_BYTES as u64), "4 MiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(900), "900 B");
        assert_eq!(count(MAX_SHEET_ROWS), "1,048,576");
        assert_eq!(count(999), "999");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(1023), "AMJ");
        assert_eq!(column_letter(16_383), "XFD");
    }
}
