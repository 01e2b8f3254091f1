//! Finding out what a file is before reading it: xlsx/xls workbook, or CSV text in
//! UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text"), or GB18030/GBK
//! (what Excel and WPS save as "CSV" on Chinese Windows). Anything else is refused
//! with a one-line error before a single row is read.

use crate::error::FileError;
use encoding_rs::Encoding;
use std::io::Read;
use std::path::Path;

/// How many bytes are inspected to decide.
const SNIFF: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A zip (xlsx) or OLE (xls) workbook.
    Workbook,
    /// Text; `bom` bytes to skip at the start, in `encoding` (None = UTF-8).
    Text {
        encoding: Option<&'static Encoding>,
        bom: usize,
    },
}

pub fn sniff(path: &Path, display: &str) -> Result<Format, FileError> {
    let mut f = std::fs::File::open(path).map_err(|e| FileError::io(display, e))?;
    let mut buf = Vec::with_capacity(SNIFF);
    (&mut f)
        .take(SNIFF as u64)
        .read_to_end(&mut buf)
        .map_err(|e| FileError::io(display, e))?;
    let full = buf.len() < SNIFF;
    classify(&buf, full, display)
}

/// Decides from the first bytes; `complete` says whether `b` is the whole file
/// (otherwise a multi-byte character may be cut at the end).
pub fn classify(b: &[u8], complete: bool, display: &str) -> Result<Format, FileError> {
    let file = || display.to_string();
    if b.starts_with(b"PK\x03\x04") || b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Format::Workbook);
    }
    if b.starts_with(&[0xFF, 0xFE]) {
        return Ok(Format::Text {
            encoding: Some(encoding_rs::UTF_16LE),
            bom: 2,
        });
    }
    if b.starts_with(&[0xFE, 0xFF]) {
        return Ok(Format::Text {
            encoding: Some(encoding_rs::UTF_16BE),
            bom: 2,
        });
    }
    let (body, bom) = match b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (rest, 3),
        None => (b, 0),
    };
    if body.iter().all(|c| c.is_ascii_whitespace()) {
        return Err(FileError::Empty { file: file() });
    }
    // Text files have no NUL and few control characters.
    let controls = body
        .iter()
        .filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if body.contains(&0) || controls * 100 > body.len() {
        return Err(FileError::Binary { file: file() });
    }
    match std::str::from_utf8(body) {
        Ok(_) => {
            return Ok(Format::Text {
                encoding: None,
                bom,
            })
        }
        // A character cut by the sniff window is still UTF-8.
        Err(e) if !complete && e.error_len().is_none() => {
            return Ok(Format::Text {
                encoding: None,
                bom,
            })
        }
        Err(_) if bom == 3 => {
            return Ok(Format::Text {
                encoding: None,
                bom,
            })
        }
        Err(_) => {}
    }
    if is_gb18030(body, complete) {
        return Ok(Format::Text {
            encoding: Some(encoding_rs::GB18030),
            bom: 0,
        });
    }
    Err(FileError::UnknownEncoding { file: file() })
}

/// Whether `b` decodes as GB18030. A window of a longer file may end inside a
/// character (one to three bytes of it): the decoder is told more may follow,
/// so only a real error counts. (Trimming high bytes off the end instead, as
/// this once did, left half a character whenever the cut fell inside a run of
/// Chinese text, and such GBK files were refused as of unknown encoding.)
fn is_gb18030(b: &[u8], complete: bool) -> bool {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let room = decoder
        .max_utf8_buffer_length_without_replacement(b.len())
        .unwrap_or(b.len() * 4);
    let mut out = String::with_capacity(room);
    let (result, read) = decoder.decode_to_string_without_replacement(b, &mut out, complete);
    !matches!(result, encoding_rs::DecoderResult::Malformed(..)) && read == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_encoding() {
        let zh = "人员编号,姓名\nP1,测试\n";
        assert_eq!(
            classify(zh.as_bytes(), true, "f").unwrap(),
            Format::Text {
                encoding: None,
                bom: 0
            }
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(zh.as_bytes());
        assert_eq!(
            classify(&bom, true, "f").unwrap(),
            Format::Text {
                encoding: None,
                bom: 3
            }
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(zh);
        assert_eq!(
            classify(&gbk, true, "f").unwrap(),
            Format::Text {
                encoding: Some(encoding_rs::GB18030),
                bom: 0
            }
        );
    }

    #[test]
    fn refuses_empty_binary_and_garbage() {
        assert!(matches!(
            classify(b"", true, "f"),
            Err(FileError::Empty { .. })
        ));
        assert!(matches!(
            classify(b" \r\n", true, "f"),
            Err(FileError::Empty { .. })
        ));
        assert!(matches!(
            classify(&[0x7f, 0x45, 0x4c, 0x46, 0, 1, 2], true, "f"),
            Err(FileError::Binary { .. })
        ));
        // Invalid in both UTF-8 and GB18030: 0x80 alone, 0xFF.
        assert!(matches!(
            classify(&[b'a', 0x80, b',', 0xFF, 0xFF, b'\n'], true, "f"),
            Err(FileError::UnknownEncoding { .. })
        ));
    }

    #[test]
    fn a_window_cut_inside_a_run_of_chinese_is_still_gbk() {
        let text = "测试人口".repeat(100);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        for cut in [gbk.len() - 1, gbk.len() - 3, gbk.len() - 4] {
            assert_eq!(
                classify(&gbk[..cut], false, "f").unwrap(),
                Format::Text {
                    encoding: Some(encoding_rs::GB18030),
                    bom: 0
                },
                "cut at {cut}"
            );
        }
    }
}
