//! The CSV side of [`crate::table::TableReader`]: records out of a decoded UTF-8
//! stream, within the bounds of [`crate::limits`].
//!
//! Written on `csv_core` rather than the `csv` crate's reader because that reader
//! grows its record buffer without limit and offers no hook to stop it: a 500 MB
//! file without a line break, or with one unclosed quote, would be read into
//! memory whole before the first error. Here the caller's buffers are ours, so a
//! record stops at [`MAX_ROW_BYTES`] bytes and [`MAX_CSV_FIELDS`] fields.

use crate::error::FileError;
use crate::limits::{Limit, MAX_CSV_FIELDS, MAX_ROW_BYTES};
use crate::table::Refusal;
use csv_core::ReadRecordResult;
use std::io::BufRead;

pub(crate) struct CsvSource {
    input: Box<dyn BufRead>,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Decoded bytes consumed so far (for progress).
    consumed: u64,
    done: bool,
}

impl CsvSource {
    pub fn new(input: Box<dyn BufRead>, delimiter: u8) -> Self {
        let core = csv_core::ReaderBuilder::new()
            .delimiter(delimiter)
            // Only LF ends a record (a CR before it is trimmed with the cell):
            // line numbers must be exact on CRLF files too, and row numbers in
            // errors are line numbers.
            .terminator(csv_core::Terminator::Any(b'\n'))
            .build();
        CsvSource {
            input,
            core,
            out: vec![0; 64 << 10],
            ends: vec![0; 64],
            consumed: 0,
            done: false,
        }
    }

    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Reads the next record into `record` (cleared first) and returns the line
    /// it starts on, or None at the end of the file.
    pub fn read(
        &mut self,
        file: &str,
        record: &mut csv::StringRecord,
    ) -> Result<Option<u64>, Refusal> {
        record.clear();
        if self.done {
            return Ok(None);
        }
        let line = self.core.line();
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            let input = self
                .input
                .fill_buf()
                .map_err(|e| Refusal::File(FileError::io(file, e)))?;
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            self.input.consume(nin);
            self.consumed += nin as u64;
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_ROW_BYTES {
                        return Err(Refusal::at(line, None, Limit::Row { max: MAX_ROW_BYTES }));
                    }
                    let len = (self.out.len() * 2).min(MAX_ROW_BYTES);
                    self.out.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_CSV_FIELDS {
                        return Err(Refusal::at(
                            line,
                            None,
                            Limit::Fields {
                                max: MAX_CSV_FIELDS,
                            },
                        ));
                    }
                    let len = (self.ends.len() * 2).min(MAX_CSV_FIELDS);
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    let text = std::str::from_utf8(&self.out[..outlen]).map_err(|_| {
                        Refusal::File(FileError::Csv {
                            file: file.to_string(),
                            row: line,
                            message: "文件中途出现非 UTF-8 内容（编码混用） / invalid UTF-8 in the middle of the file (mixed encodings)".to_string(),
                        })
                    })?;
                    let mut start = 0;
                    for &end in &self.ends[..endlen] {
                        // csv_core ends fields on byte boundaries of the
                        // delimiter, which is ASCII, so `end` is a char boundary.
                        record.push_field(text.get(start..end).unwrap_or(""));
                        start = end;
                    }
                    return Ok(Some(line));
                }
                ReadRecordResult::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }
}
