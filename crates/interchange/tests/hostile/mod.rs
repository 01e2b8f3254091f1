//! Hostile interchange files, built for real: zip bombs, oversized cells, too
//! many columns, NUL bytes, endless lines. Shared by the limit tests
//! (tests/limits.rs) and the peak-memory example (examples/hostile_memory.rs).
//!
//! The bombs are built the way real ones are: a block of rows is deflated once
//! (ending in a sync flush, so the block stands alone) and its compressed bytes
//! are repeated, so hundreds of megabytes of sheet XML cost a few milliseconds
//! and about a megabyte on disk. The zip container is written by hand because
//! the zip crate will not write a member from pre-compressed bytes, nor one
//! that lies about its size.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// One member of a hand-written zip: its stored bytes, how they were stored,
/// and what the headers claim.
pub struct Member {
    pub name: String,
    pub deflated: bool,
    pub data: Vec<u8>,
    pub crc: u32,
    /// The uncompressed size the headers declare (a bomb may lie).
    pub declared: u32,
}

impl Member {
    pub fn stored(name: &str, data: Vec<u8>) -> Member {
        Member {
            name: name.to_string(),
            deflated: false,
            crc: crc32fast::hash(&data),
            declared: data.len() as u32,
            data,
        }
    }

    pub fn deflated(name: &str, plain: &[u8]) -> Member {
        Member {
            name: name.to_string(),
            deflated: true,
            data: deflate(plain, true),
            crc: crc32fast::hash(plain),
            declared: plain.len() as u32,
        }
    }
}

/// Writes a zip archive of `members` (no zip64: every size under 4 GiB).
pub fn write_zip(path: &Path, members: &[Member]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut central = Vec::new();
    let mut offset = 0u32;
    for m in members {
        let method: u16 = if m.deflated { 8 } else { 0 };
        let mut local = Vec::new();
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&20u16.to_le_bytes()); // version needed
        local.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
        local.extend_from_slice(&method.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // time
        local.extend_from_slice(&0x0021u16.to_le_bytes()); // date: 1980-01-01
        local.extend_from_slice(&m.crc.to_le_bytes());
        local.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        local.extend_from_slice(&m.declared.to_le_bytes());
        local.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // extra
        local.extend_from_slice(m.name.as_bytes());
        out.write_all(&local).unwrap();
        out.write_all(&m.data).unwrap();

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&local[4..30]); // the same fields as the local header
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(m.name.as_bytes());
        offset += (local.len() + m.data.len()) as u32;
    }
    out.write_all(&central).unwrap();
    let mut end = Vec::new();
    end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    end.extend_from_slice(&(members.len() as u16).to_le_bytes());
    end.extend_from_slice(&(members.len() as u16).to_le_bytes());
    end.extend_from_slice(&(central.len() as u32).to_le_bytes());
    end.extend_from_slice(&offset.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    out.write_all(&end).unwrap();
    out.flush().unwrap();
}

/// Raw deflate of `data`: ended (`finish`) or with a sync flush, so that the
/// output can be followed by another block.
pub fn deflate(data: &[u8], finish: bool) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 4 + 1024);
    let flush = if finish {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity() + 1024);
        }
        let done = c.total_in() as usize;
        let status = c.compress_vec(&data[done..], &mut out, flush).unwrap();
        let all_in = c.total_in() as usize == data.len();
        let room_left = out.capacity() - out.len() >= 1024;
        match status {
            Status::StreamEnd => return out,
            _ if !finish && all_in && room_left => return out,
            _ => {}
        }
    }
}

/// A member whose content is `head`, then `block` `times` times, then `tail`,
/// deflated with `block` compressed once. `declared` overrides the true size.
pub fn repeated_member(
    name: &str,
    head: &[u8],
    block: &[u8],
    times: usize,
    tail: &[u8],
    declared: Option<u32>,
) -> Member {
    let mut data = deflate(head, false);
    let packed = deflate(block, false);
    for _ in 0..times {
        data.extend_from_slice(&packed);
    }
    data.extend_from_slice(&deflate(tail, true));
    let mut crc = crc32fast::Hasher::new();
    crc.update(head);
    let mut one = crc32fast::Hasher::new();
    one.update(block);
    for _ in 0..times {
        crc.combine(&one);
    }
    crc.update(tail);
    let size = head.len() as u64 + block.len() as u64 * times as u64 + tail.len() as u64;
    Member {
        name: name.to_string(),
        deflated: true,
        data,
        crc: crc.finalize(),
        declared: declared.unwrap_or(u32::try_from(size).expect("under 4 GiB")),
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
pub const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
pub const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// An xlsx of the skeleton parts plus `sheet` (and `shared` strings, and any
/// `more` members such as styles).
pub fn write_xlsx(path: &Path, sheet: Member, shared: Option<Member>, more: Vec<Member>) {
    let mut members = vec![
        Member::deflated("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        Member::deflated("_rels/.rels", ROOT_RELS.as_bytes()),
        Member::deflated("xl/workbook.xml", WORKBOOK.as_bytes()),
        Member::deflated("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        sheet,
    ];
    members.extend(shared);
    members.extend(more);
    write_zip(path, &members);
}

pub const PERSON_HEADERS: [&str; 7] = [
    "person_id",
    "name",
    "sex",
    "birth_date",
    "household_id",
    "region_code",
    "id_number",
];

fn inline(s: &str) -> String {
    format!("<c t=\"inlineStr\"><is><t>{s}</t></is></c>")
}

pub fn header_row() -> String {
    let mut s = String::from("<row>");
    for h in PERSON_HEADERS {
        s.push_str(&inline(h));
    }
    s.push_str("</row>");
    s
}

/// A valid person row (no `r` attributes: calamine counts rows and columns,
/// which is what lets one block repeat).
pub fn person_row() -> String {
    let mut s = String::from("<row>");
    for v in ["P1", "测试甲", "2", "1990-02-28", "H1", "349901101201", ""] {
        s.push_str(&inline(v));
    }
    s.push_str("</row>");
    s
}

/// A sheet of the person header and `rows` × (block of person rows), about
/// `block_bytes` each; declared truthfully unless `declared` is given.
pub fn person_sheet(blocks: usize, block_bytes: usize, declared: Option<u32>) -> Member {
    let row = person_row();
    let block = row.repeat((block_bytes / row.len()).max(1));
    let head = format!("{SHEET_HEAD}{}", header_row());
    repeated_member(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        block.as_bytes(),
        blocks,
        SHEET_TAIL.as_bytes(),
        declared,
    )
}

/// The zip bomb of the security review: ~500 MB of sheet XML (repeated person
/// rows) in about a megabyte, its size declared truthfully.
pub fn bomb(dir: &Path) -> PathBuf {
    let p = dir.join("bomb.xlsx");
    write_xlsx(&p, person_sheet(500, 1 << 20, None), None, vec![]);
    p
}

/// The same bomb, its headers claiming the sheet is 1 MiB.
pub fn lying_bomb(dir: &Path) -> PathBuf {
    let p = dir.join("lying-bomb.xlsx");
    write_xlsx(&p, person_sheet(500, 1 << 20, Some(1 << 20)), None, vec![]);
    p
}

/// A sheet whose second row's name cell holds `mb` megabytes of Chinese text
/// (pseudo-random, so it does not compress: stored as it is).
pub fn huge_cell(dir: &Path, mb: usize) -> PathBuf {
    let p = dir.join("huge-cell.xlsx");
    let mut xml = format!(
        "{SHEET_HEAD}{}<row><c t=\"inlineStr\"><is><t>P1</t></is></c><c t=\"inlineStr\"><is><t>",
        header_row()
    );
    xml.push_str(&noise(mb << 20));
    xml.push_str("</t></is></c></row>");
    xml.push_str(SHEET_TAIL);
    write_xlsx(
        &p,
        Member::stored("xl/worksheets/sheet1.xml", xml.into_bytes()),
        None,
        vec![],
    );
    p
}

/// `bytes` of pseudo-random CJK text (deterministic).
pub fn noise(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 4);
    let mut x: u32 = 0x9E37_79B9;
    while s.len() < bytes {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s.push(char::from_u32(0x4E00 + x % 0x5000).unwrap_or('测'));
    }
    s
}

/// A person sheet whose header row has `n` columns (the persons headers, then
/// `x8`, `x9`, …), written by rust_xlsxwriter as Excel would.
pub fn wide_xlsx(dir: &Path, n: u16) -> PathBuf {
    let p = dir.join("wide.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for c in 0..n {
        let h = PERSON_HEADERS
            .get(c as usize)
            .map(|h| h.to_string())
            .unwrap_or_else(|| format!("x{c}"));
        sheet.write_string(0, c, h).unwrap();
    }
    book.save(&p).unwrap();
    p
}

/// A person sheet whose second row's name holds a NUL (Excel writes it as
/// `_x0000_`).
pub fn nul_xlsx(dir: &Path) -> PathBuf {
    let p = dir.join("nul.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in PERSON_HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let row = |sheet: &mut rust_xlsxwriter::Worksheet, r: u32, name: &str| {
        for (c, v) in ["P1", name, "2", "1990-02-28", "H1", "349901101201"]
            .iter()
            .enumerate()
        {
            sheet.write_string(r, c as u16, *v).unwrap();
        }
    };
    row(sheet, 1, "测试\u{0}甲");
    book.save(&p).unwrap();
    p
}

/// A person sheet with `strings` unique shared strings (stored, so the count
/// and not the compression ratio is what breaks).
pub fn many_shared_strings(dir: &Path, strings: usize) -> PathBuf {
    shared_strings_of(&dir.join("shared-strings.xlsx"), strings, 0)
}

/// Shared strings of `pad` more characters each: with `strings` and `pad` just
/// under the limits, the largest shared-strings table a file may bring.
pub fn shared_strings_of(p: &Path, strings: usize, pad: usize) -> PathBuf {
    let p = p.to_path_buf();
    let padding = "x".repeat(pad);
    let mut sst = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    );
    for i in 0..strings {
        sst.push_str(&format!("<si><t>{i}{padding}</t></si>"));
    }
    sst.push_str("</sst>");
    let mut sheet = String::from(SHEET_HEAD);
    sheet.push_str(&header_row());
    sheet.push_str("<row><c t=\"s\"><v>0</v></c></row>");
    sheet.push_str(SHEET_TAIL);
    write_xlsx(
        &p,
        Member::deflated("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        Some(Member::stored("xl/sharedStrings.xml", sst.into_bytes())),
        vec![],
    );
    p
}

/// A styles part with `n` cell formats (stored), as a style-bloat attack.
pub fn many_styles(dir: &Path, n: usize) -> PathBuf {
    let p = dir.join("styles.xlsx");
    let mut styles = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><cellXfs>",
    );
    for _ in 0..n {
        styles.push_str("<xf numFmtId=\"0\"/>");
    }
    styles.push_str("</cellXfs></styleSheet>");
    let sheet = format!("{SHEET_HEAD}{}{SHEET_TAIL}", header_row());
    write_xlsx(
        &p,
        Member::deflated("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        None,
        vec![Member::stored("xl/styles.xml", styles.into_bytes())],
    );
    p
}

pub const CSV_HEADER: &str = "人员编号,姓名,性别,出生日期,户编号,区划代码\r\n";

/// A GBK persons file whose second line is `mb` megabytes of Chinese text
/// without a line break.
pub fn gbk_endless_line(dir: &Path, mb: usize) -> PathBuf {
    let p = dir.join("endless.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    let (head, _, _) = encoding_rs::GBK.encode(CSV_HEADER);
    f.write_all(&head).unwrap();
    let text = "测试人口".repeat(1 << 16);
    let (chunk, _, _) = encoding_rs::GBK.encode(&text);
    let mut written = 0;
    while written < mb << 20 {
        f.write_all(&chunk).unwrap();
        written += chunk.len();
    }
    f.flush().unwrap();
    p
}

/// A persons CSV whose second row's name is `chars` characters long.
pub fn csv_long_cell(dir: &Path, chars: usize) -> PathBuf {
    let p = dir.join("long-cell.csv");
    let text = format!(
        "{CSV_HEADER}P1,{},2,1990-02-28,H1,349901101201\r\n",
        "测".repeat(chars)
    );
    std::fs::write(&p, text).unwrap();
    p
}

/// A persons CSV whose header has `n` columns.
pub fn csv_wide(dir: &Path, n: usize) -> PathBuf {
    let p = dir.join("wide.csv");
    let mut line: Vec<String> = CSV_HEADER
        .trim_end()
        .split(',')
        .map(str::to_string)
        .collect();
    while line.len() < n {
        line.push(format!("x{}", line.len()));
    }
    std::fs::write(
        &p,
        line.join(",") + "\r\nP1,测试甲,2,1990-02-28,H1,349901101201\r\n",
    )
    .unwrap();
    p
}

/// A persons CSV with a NUL byte in a name on line `at_line`, past the first
/// 256 KiB that the encoding sniffer looks at.
pub fn csv_nul(dir: &Path, at_line: usize) -> PathBuf {
    let p = dir.join("nul.csv");
    let mut text = String::from(CSV_HEADER);
    for i in 2..at_line {
        text.push_str(&format!("P{i},测试甲,2,1990-02-28,H1,349901101201\r\n"));
    }
    text.push_str("P0,测试\0乙,2,1990-02-28,H1,349901101201\r\n");
    assert!(
        text.len() > 256 * 1024,
        "the NUL must lie past the sniff window"
    );
    std::fs::write(&p, text).unwrap();
    p
}
