//! The `.docx` writer: WordprocessingML (ECMA-376 transitional) written as text
//! into a zip in memory.
//!
//! Three rules make the files open cleanly and look right in Word, WPS and
//! LibreOffice:
//! - every run, including the footer's field runs and each paragraph mark, names
//!   its fonts explicitly (`w:ascii`, `w:hAnsi`, `w:eastAsia`, `w:cs`), so Chinese
//!   never falls back to a Latin font whatever styles the opening program has;
//! - child elements are written in the order the schema's sequences require
//!   (Word rejects a file whose `w:rPr` has `w:sz` before `w:b`);
//! - nothing depends on fields a program might not update: the only fields are
//!   PAGE and NUMPAGES in the footer, which all three recompute when they lay out
//!   the pages.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::model::*;
use crate::{png_size, validate, DocumentError};

/// Writes the document as a `.docx` file.
pub fn write_docx(doc: &Document) -> Result<Vec<u8>, DocumentError> {
    validate(doc)?;
    let mut body = Body::new(doc);
    body.write_sections();
    let Body { xml, images, .. } = body;

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // No modification time: the zip crate then writes 1980-01-01 for every
    // entry, so the same document always gives the same bytes.
    let xml_options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    // PNG data is compressed already.
    let png_options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);

    let parts: [(&str, String); 9] = [
        ("[Content_Types].xml", content_types()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/core.xml", core_properties(&doc.metadata)),
        ("docProps/app.xml", APP_PROPERTIES.to_string()),
        ("word/document.xml", xml),
        ("word/styles.xml", styles(doc)),
        ("word/settings.xml", SETTINGS.to_string()),
        ("word/fontTable.xml", font_table(&doc.style)),
        ("word/_rels/document.xml.rels", document_rels(images.len())),
    ];
    for (name, text) in parts {
        zip.start_file(name, xml_options)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.start_file("word/footer1.xml", xml_options)?;
    zip.write_all(footer(doc).as_bytes())?;
    for (index, png) in images.iter().enumerate() {
        zip.start_file(format!("word/media/image{}.png", index + 1), png_options)?;
        zip.write_all(png)?;
    }
    Ok(zip.finish()?.into_inner())
}

// ---------------------------------------------------------------- units

/// Twentieths of a point per millimetre.
fn twips(mm: f32) -> i64 {
    (mm * 1440.0 / 25.4).round() as i64
}

/// Half-points, the unit of `w:sz`.
fn half_points(points: f32) -> i64 {
    (points * 2.0).round() as i64
}

/// English Metric Units (drawing sizes) per millimetre.
fn emu(mm: f32) -> i64 {
    (mm * 36_000.0).round() as i64
}

// ---------------------------------------------------------------- text

/// Escapes text for XML element content and attribute values, dropping the
/// characters XML 1.0 cannot hold at all (control characters from a pasted
/// spreadsheet would otherwise make the whole file unreadable).
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape(&mut out, text);
    out
}

/// The look of one run.
#[derive(Clone, Copy)]
struct RunLook<'a> {
    east_asia: &'a str,
    latin: &'a str,
    bold: bool,
    size: f32,
}

/// `w:rPr` with the fonts always set. `w:hint="eastAsia"` makes characters both
/// scripts share (“”, ·, —) take the Chinese font, as Chinese Word does.
fn run_properties(out: &mut String, look: RunLook) {
    let east = escaped(look.east_asia);
    let latin = escaped(look.latin);
    let _ = write!(
        out,
        r#"<w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east}" w:cs="{latin}" w:hint="eastAsia"/>"#
    );
    if look.bold {
        out.push_str("<w:b/><w:bCs/>");
    }
    let size = half_points(look.size);
    // The language picks the Chinese glyph forms and, in LibreOffice, the
    // fallback font when the named one is missing (zh-CN: a Simplified face).
    let _ = write!(
        out,
        r#"<w:sz w:val="{size}"/><w:szCs w:val="{size}"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>"#
    );
}

/// A run of text; `\n` becomes a line break and `\t` a tab.
fn text_run(out: &mut String, look: RunLook, text: &str) {
    out.push_str("<w:r>");
    run_properties(out, look);
    let mut first = true;
    for line in text.split('\n') {
        if !first {
            out.push_str("<w:br/>");
        }
        first = false;
        let mut first_piece = true;
        for piece in line.split('\t') {
            if !first_piece {
                out.push_str("<w:tab/>");
            }
            first_piece = false;
            if !piece.is_empty() {
                out.push_str(r#"<w:t xml:space="preserve">"#);
                escape(out, piece.trim_end_matches('\r'));
                out.push_str("</w:t>");
            }
        }
    }
    out.push_str("</w:r>");
}

fn jc(align: Align) -> &'static str {
    match align {
        Align::Left => "left",
        Align::Center => "center",
        Align::Right => "right",
        Align::Justify => "both",
    }
}

/// Paragraph properties, in schema order.
#[derive(Default)]
struct ParagraphLook<'a> {
    style: Option<&'a str>,
    keep_next: bool,
    page_break_before: bool,
    /// Space before and after in points.
    before: f32,
    after: f32,
    /// Line spacing as a multiple of single.
    line: f32,
    /// First-line indent of two characters of this size (points).
    indent_two_chars_of: Option<f32>,
    align: Option<Align>,
    outline_level: Option<u8>,
}

fn paragraph_properties(out: &mut String, look: &ParagraphLook, mark: RunLook) {
    out.push_str("<w:pPr>");
    if let Some(style) = look.style {
        let _ = write!(out, r#"<w:pStyle w:val="{style}"/>"#);
    }
    if look.keep_next {
        out.push_str("<w:keepNext/><w:keepLines/>");
    }
    if look.page_break_before {
        out.push_str("<w:pageBreakBefore/>");
    }
    let line = (look.line * 240.0).round() as i64;
    let _ = write!(
        out,
        r#"<w:spacing w:before="{}" w:after="{}" w:line="{line}" w:lineRule="auto"/>"#,
        (look.before * 20.0).round() as i64,
        (look.after * 20.0).round() as i64,
    );
    match look.indent_two_chars_of {
        // The twips are the same indent for programs that ignore the character
        // unit (older LibreOffice).
        Some(size) => {
            let _ = write!(
                out,
                r#"<w:ind w:firstLineChars="200" w:firstLine="{}"/>"#,
                (size * 2.0 * 20.0).round() as i64
            );
        }
        None => out.push_str(r#"<w:ind w:firstLine="0"/>"#),
    }
    if let Some(align) = look.align {
        let _ = write!(out, r#"<w:jc w:val="{}"/>"#, jc(align));
    }
    if let Some(level) = look.outline_level {
        let _ = write!(out, r#"<w:outlineLvl w:val="{level}"/>"#);
    }
    run_properties(out, mark);
    out.push_str("</w:pPr>");
}

// ---------------------------------------------------------------- body

struct Body<'a> {
    doc: &'a Document,
    xml: String,
    /// PNGs in the order of their relationship ids (rIdImg1 …).
    images: Vec<&'a [u8]>,
    /// A page break waits for the next paragraph (`w:pageBreakBefore`), so the
    /// new page does not start with an empty line.
    pending_break: bool,
}

impl<'a> Body<'a> {
    fn new(doc: &'a Document) -> Self {
        Body {
            doc,
            xml: String::with_capacity(64 * 1024),
            images: Vec::new(),
            pending_break: false,
        }
    }

    fn latin(&self, east_asia: &'a str) -> &'a str {
        self.doc.style.latin_font.as_deref().unwrap_or(east_asia)
    }

    fn body_look(&self, bold: bool, size: f32) -> RunLook<'a> {
        let font = self.doc.style.body_font.as_str();
        RunLook {
            east_asia: font,
            latin: self.latin(font),
            bold,
            size,
        }
    }

    fn heading_look(&self, size: f32) -> RunLook<'a> {
        let font = self.doc.style.heading_font.as_str();
        RunLook {
            east_asia: font,
            latin: self.latin(font),
            bold: false,
            size,
        }
    }

    fn take_break(&mut self) -> bool {
        std::mem::take(&mut self.pending_break)
    }

    fn write_sections(&mut self) {
        self.xml.push_str(concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
            r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" "#,
            r#"xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" "#,
            r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" "#,
            r#"xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">"#,
            "<w:body>"
        ));
        let sections: Vec<&Section> = if self.doc.sections.is_empty() {
            Vec::new()
        } else {
            self.doc.sections.iter().collect()
        };
        let last_orientation = sections
            .last()
            .map(|s| s.orientation)
            .unwrap_or(Orientation::Portrait);
        for (index, section) in sections.iter().enumerate() {
            for block in &section.blocks {
                self.write_block(block, section.orientation);
            }
            if index + 1 < sections.len() {
                // A section ends with a paragraph carrying its properties; made
                // 1 pt high so it cannot push anything onto an extra page.
                self.pending_break = false;
                self.xml.push_str("<w:p><w:pPr>");
                self.xml.push_str(
                    r#"<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>"#,
                );
                let mut mark = self.body_look(false, 1.0);
                mark.size = 1.0;
                run_properties(&mut self.xml, mark);
                let sect = section_properties(self.doc, section.orientation);
                self.xml.push_str(&sect);
                self.xml.push_str("</w:pPr></w:p>");
            }
        }
        if self.pending_break {
            // A trailing page break: an explicit one, as no paragraph follows.
            self.break_paragraph();
        }
        if self.doc.blocks().next().is_none() || self.xml.ends_with("</w:tbl>") {
            // Word wants a paragraph in the body and after a final table (it
            // adds one itself, and reports the file as changed).
            self.spacer();
        }
        let sect = section_properties(self.doc, last_orientation);
        self.xml.push_str(&sect);
        self.xml.push_str("</w:body></w:document>");
    }

    /// An empty paragraph of body size.
    fn spacer(&mut self) {
        let look = self.body_look(false, self.doc.style.body_size);
        self.xml.push_str("<w:p>");
        paragraph_properties(
            &mut self.xml,
            &ParagraphLook {
                line: 1.0,
                ..ParagraphLook::default()
            },
            look,
        );
        self.xml.push_str("</w:p>");
    }

    /// A paragraph holding only a page break, for the rare break that no
    /// paragraph follows (before a table without caption, at the very end).
    fn break_paragraph(&mut self) {
        self.pending_break = false;
        let look = self.body_look(false, 1.0);
        self.xml.push_str("<w:p>");
        paragraph_properties(
            &mut self.xml,
            &ParagraphLook {
                line: 1.0,
                ..ParagraphLook::default()
            },
            look,
        );
        self.xml.push_str("<w:r>");
        run_properties(&mut self.xml, look);
        self.xml.push_str(r#"<w:br w:type="page"/></w:r></w:p>"#);
    }

    fn write_block(&mut self, block: &'a Block, orientation: Orientation) {
        let style = &self.doc.style;
        match block {
            Block::PageBreak => self.pending_break = true,
            Block::Title(text) => {
                let look = self.heading_look(size::ER_HAO);
                let p = ParagraphLook {
                    style: Some("Title"),
                    keep_next: true,
                    page_break_before: self.take_break(),
                    before: 0.0,
                    after: 18.0,
                    line: 1.2,
                    align: Some(Align::Center),
                    ..ParagraphLook::default()
                };
                self.paragraph(&p, look, &[(look, text.as_str())]);
            }
            Block::Heading(heading) => {
                let size = heading.level.size();
                let look = self.heading_look(size);
                let level = heading.level.number();
                let style_id = format!("Heading{level}");
                let p = ParagraphLook {
                    style: Some(&style_id),
                    keep_next: true,
                    page_break_before: self.take_break(),
                    before: if level == 1 { 12.0 } else { 6.0 },
                    after: 6.0,
                    line: style.line_spacing,
                    indent_two_chars_of: Some(size),
                    align: Some(Align::Left),
                    outline_level: Some(level - 1),
                };
                self.paragraph(&p, look, &[(look, heading.text.as_str())]);
            }
            Block::Paragraph(paragraph) => {
                let mark = self.body_look(false, style.body_size);
                let runs: Vec<(RunLook, &str)> = paragraph
                    .runs
                    .iter()
                    .map(|run| {
                        let look = self.body_look(run.bold, run.size.unwrap_or(style.body_size));
                        (look, run.text.as_str())
                    })
                    .collect();
                let p = ParagraphLook {
                    page_break_before: self.take_break(),
                    line: style.line_spacing,
                    indent_two_chars_of: paragraph.first_line_indent.then_some(style.body_size),
                    align: Some(paragraph.align),
                    ..ParagraphLook::default()
                };
                self.paragraph(&p, mark, &runs);
            }
            Block::Table(table) => self.table(table, orientation),
            Block::Image(image) => self.image(image, orientation),
        }
    }

    fn paragraph(&mut self, look: &ParagraphLook, mark: RunLook, runs: &[(RunLook, &str)]) {
        self.xml.push_str("<w:p>");
        paragraph_properties(&mut self.xml, look, mark);
        for (run_look, text) in runs {
            text_run(&mut self.xml, *run_look, text);
        }
        self.xml.push_str("</w:p>");
    }

    fn caption(&mut self, text: &str, keep_next: bool) {
        let look = self.heading_look(size::XIAO_SI);
        let p = ParagraphLook {
            keep_next,
            page_break_before: self.take_break(),
            before: 6.0,
            after: 6.0,
            line: 1.0,
            align: Some(Align::Center),
            ..ParagraphLook::default()
        };
        self.paragraph(&p, look, &[(look, text)]);
    }

    fn table(&mut self, table: &Table, orientation: Orientation) {
        if let Some(caption) = &table.caption {
            self.caption(caption, true);
        } else if self.pending_break {
            self.break_paragraph();
        } else if self.xml.ends_with("</w:tbl>") {
            // Two tables with nothing between are merged into one by Word.
            self.spacer();
        }
        let style = &self.doc.style;
        let margins = self.doc.page.margins.for_orientation(orientation);
        let text_width = twips(orientation.page_mm().0 - margins.left - margins.right);
        let total: f32 = table.columns.iter().map(|c| c.width).sum();
        let mut widths: Vec<i64> = table
            .columns
            .iter()
            .map(|c| ((c.width / total) * text_width as f32).floor() as i64)
            .collect();
        // Rounding leftovers go to the first column, so the grid sums exactly
        // to the table width (Word redistributes otherwise).
        let leftover = text_width - widths.iter().sum::<i64>();
        if let Some(first) = widths.first_mut() {
            *first += leftover;
        }

        let x = &mut self.xml;
        let _ = write!(
            x,
            r#"<w:tbl><w:tblPr><w:tblW w:w="{text_width}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#
        );
        for edge in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            let _ = write!(
                x,
                r#"<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#
            );
        }
        x.push_str(concat!(
            r#"</w:tblBorders><w:tblLayout w:type="fixed"/>"#,
            r#"<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>"#,
            r#"<w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>"#,
            r#"<w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>"#,
            "</w:tblPr><w:tblGrid>"
        ));
        for w in &widths {
            let _ = write!(x, r#"<w:gridCol w:w="{w}"/>"#);
        }
        x.push_str("</w:tblGrid>");

        // The header row: repeated on every page (w:tblHeader), never split.
        self.xml
            .push_str("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
        for (column, width) in table.columns.iter().zip(&widths) {
            let look = self.body_look(true, style.table_size);
            self.cell(
                *width,
                Some(Shading::Header),
                Align::Center,
                look,
                &column.header,
            );
        }
        self.xml.push_str("</w:tr>");
        for row in &table.rows {
            self.xml.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
            for ((cell, column), width) in row.cells.iter().zip(&table.columns).zip(&widths) {
                let look = self.body_look(row.bold, style.table_size);
                self.cell(*width, cell.shading, column.align, look, &cell.text);
            }
            self.xml.push_str("</w:tr>");
        }
        self.xml.push_str("</w:tbl>");
    }

    fn cell(
        &mut self,
        width: i64,
        shading: Option<Shading>,
        align: Align,
        look: RunLook,
        text: &str,
    ) {
        let _ = write!(
            self.xml,
            r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>"#
        );
        if let Some(shading) = shading {
            let _ = write!(
                self.xml,
                r#"<w:shd w:val="clear" w:color="auto" w:fill="{}"/>"#,
                shading.hex()
            );
        }
        self.xml.push_str(r#"<w:vAlign w:val="center"/></w:tcPr>"#);
        let p = ParagraphLook {
            line: 1.0,
            align: Some(align),
            ..ParagraphLook::default()
        };
        self.paragraph(&p, look, &[(look, text)]);
        self.xml.push_str("</w:tc>");
    }

    fn image(&mut self, image: &'a Image, orientation: Orientation) {
        // validate() has checked the PNG; a zero size here cannot happen.
        let Ok(size) = png_size(&image.png) else {
            return;
        };
        let margins = self.doc.page.margins.for_orientation(orientation);
        let text_width = orientation.page_mm().0 - margins.left - margins.right;
        let width_mm = image.width_mm.min(text_width);
        let height_mm = width_mm * size.height as f32 / size.width as f32;
        self.images.push(&image.png);
        let n = self.images.len();
        let (cx, cy) = (emu(width_mm), emu(height_mm));
        let look = self.body_look(false, self.doc.style.body_size);
        let p = ParagraphLook {
            keep_next: image.caption.is_some(),
            page_break_before: self.take_break(),
            before: 6.0,
            after: if image.caption.is_some() { 0.0 } else { 6.0 },
            line: 1.0,
            align: Some(Align::Center),
            ..ParagraphLook::default()
        };
        self.xml.push_str("<w:p>");
        paragraph_properties(&mut self.xml, &p, look);
        self.xml.push_str("<w:r>");
        run_properties(&mut self.xml, look);
        let _ = write!(
            self.xml,
            concat!(
                r#"<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">"#,
                r#"<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>"#,
                r#"<wp:docPr id="{n}" name="图片 {n}"/>"#,
                r#"<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>"#,
                r#"<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">"#,
                r#"<pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="image{n}.png"/><pic:cNvPicPr/></pic:nvPicPr>"#,
                r#"<pic:blipFill><a:blip r:embed="rIdImg{n}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>"#,
                r#"<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>"#,
                r#"<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>"#,
                r#"</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
            ),
            cx = cx,
            cy = cy,
            n = n
        );
        if let Some(caption) = &image.caption {
            self.caption(caption, false);
        }
    }
}

fn section_properties(doc: &Document, orientation: Orientation) -> String {
    let margins = doc.page.margins.for_orientation(orientation);
    let (w, h) = orientation.page_mm();
    let orient = match orientation {
        Orientation::Portrait => "",
        Orientation::Landscape => r#" w:orient="landscape""#,
    };
    let mut out = String::from("<w:sectPr>");
    if doc.footer.is_some() {
        // Every section names the footer: a section without a reference would
        // inherit it in Word but not reliably elsewhere.
        out.push_str(r#"<w:footerReference w:type="default" r:id="rIdFooter1"/>"#);
    }
    let _ = write!(
        out,
        concat!(
            r#"<w:pgSz w:w="{}" w:h="{}"{}/>"#,
            r#"<w:pgMar w:top="{}" w:right="{}" w:bottom="{}" w:left="{}" w:header="851" w:footer="{}" w:gutter="0"/>"#,
            r#"<w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>"#
        ),
        twips(w),
        twips(h),
        orient,
        twips(margins.top),
        twips(margins.right),
        twips(margins.bottom),
        twips(margins.left),
        twips(doc.page.footer_distance_mm),
    );
    out
}

fn footer(doc: &Document) -> String {
    let style = &doc.style;
    let font = style.body_font.as_str();
    let look = RunLook {
        east_asia: font,
        latin: style.latin_font.as_deref().unwrap_or(font),
        bold: false,
        size: size::XIAO_WU,
    };
    let mut x = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
        r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:p>"#
    ));
    paragraph_properties(
        &mut x,
        &ParagraphLook {
            line: 1.0,
            align: Some(Align::Center),
            ..ParagraphLook::default()
        },
        look,
    );
    for part in doc.footer.iter().flat_map(|f| &f.parts) {
        match part {
            FooterPart::Text(text) => text_run(&mut x, look, text),
            FooterPart::Page => field(&mut x, look, "PAGE"),
            FooterPart::Pages => field(&mut x, look, "NUMPAGES"),
        }
    }
    x.push_str("</w:p></w:ftr>");
    x
}

/// A complex field (begin, instruction, separate, cached result, end): the form
/// Word itself writes and every program reads.
fn field(out: &mut String, look: RunLook, instruction: &str) {
    let mut run = |inner: &str| {
        out.push_str("<w:r>");
        run_properties(out, look);
        out.push_str(inner);
        out.push_str("</w:r>");
    };
    run(r#"<w:fldChar w:fldCharType="begin"/>"#);
    run(&format!(
        r#"<w:instrText xml:space="preserve"> {instruction} \* MERGEFORMAT </w:instrText>"#
    ));
    run(r#"<w:fldChar w:fldCharType="separate"/>"#);
    run(r#"<w:t>1</w:t>"#);
    run(r#"<w:fldChar w:fldCharType="end"/>"#);
}

// ---------------------------------------------------------------- parts

fn content_types() -> String {
    let ct = "application/vnd.openxmlformats-officedocument";
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/>"#,
            r#"<Default Extension="png" ContentType="image/png"/>"#,
            r#"<Override PartName="/word/document.xml" ContentType="{ct}.wordprocessingml.document.main+xml"/>"#,
            r#"<Override PartName="/word/styles.xml" ContentType="{ct}.wordprocessingml.styles+xml"/>"#,
            r#"<Override PartName="/word/settings.xml" ContentType="{ct}.wordprocessingml.settings+xml"/>"#,
            r#"<Override PartName="/word/fontTable.xml" ContentType="{ct}.wordprocessingml.fontTable+xml"/>"#,
            r#"<Override PartName="/word/footer1.xml" ContentType="{ct}.wordprocessingml.footer+xml"/>"#,
            r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#,
            r#"<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>"#,
            "</Types>"
        ),
        ct = ct
    )
}

const ROOT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>"#,
    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#,
    r#"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>"#,
    "</Relationships>"
);

const APP_PROPERTIES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">"#,
    "<Application>renkou</Application></Properties>"
);

fn document_rels(images: usize) -> String {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut x = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            "\n",
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
            r#"<Relationship Id="rIdStyles" Type="{rel}/styles" Target="styles.xml"/>"#,
            r#"<Relationship Id="rIdSettings" Type="{rel}/settings" Target="settings.xml"/>"#,
            r#"<Relationship Id="rIdFonts" Type="{rel}/fontTable" Target="fontTable.xml"/>"#,
            r#"<Relationship Id="rIdFooter1" Type="{rel}/footer" Target="footer1.xml"/>"#,
        ),
        rel = rel
    );
    for n in 1..=images {
        let _ = write!(
            x,
            r#"<Relationship Id="rIdImg{n}" Type="{rel}/image" Target="media/image{n}.png"/>"#
        );
    }
    x.push_str("</Relationships>");
    x
}

fn core_properties(meta: &Metadata) -> String {
    let mut x = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
        r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
        r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
    ));
    let _ = write!(
        x,
        "<dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>{}</dc:creator><cp:keywords>{}</cp:keywords>",
        escaped(&meta.title),
        escaped(&meta.subject),
        escaped(&meta.author),
        escaped(&meta.keywords.join(", ")),
    );
    if let Some(date) = meta.date.filter(|d| d.is_valid()) {
        let stamp = format!(
            "{:04}-{:02}-{:02}T00:00:00Z",
            date.year, date.month, date.day
        );
        let _ = write!(
            x,
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>"#
        );
    }
    x.push_str("</cp:coreProperties>");
    x
}

/// Compatibility mode 15 (Word 2013+) so Word does not open the file in
/// compatibility mode; punctuation compression as Chinese Word sets it; no
/// `w:updateFields`, which would make Word ask to update fields on opening.
const SETTINGS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    r#"<w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/>"#,
    r#"<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>"#,
    r#"<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>"#,
    "</w:settings>"
);

/// The font table tells Word and WPS which fonts are Chinese (charset 86,
/// GB2312) and their English names, so a system that lacks "宋体" under that
/// name still finds SimSun.
fn font_table(style: &Style) -> String {
    let mut names: Vec<&str> = vec![style.body_font.as_str(), style.heading_font.as_str()];
    if let Some(latin) = &style.latin_font {
        names.push(latin);
    }
    names.dedup();
    let mut x = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#
    ));
    for name in names {
        let (alt, chinese) = match name {
            "宋体" => (Some("SimSun"), true),
            "黑体" => (Some("SimHei"), true),
            "仿宋" | "仿宋_GB2312" => (Some("FangSong"), true),
            "楷体" | "楷体_GB2312" => (Some("KaiTi"), true),
            "微软雅黑" => (Some("Microsoft YaHei"), true),
            _ => (None, !name.is_ascii()),
        };
        let _ = write!(x, r#"<w:font w:name="{}">"#, escaped(name));
        if let Some(alt) = alt {
            let _ = write!(x, r#"<w:altName w:val="{alt}"/>"#);
        }
        if chinese {
            x.push_str(r#"<w:charset w:val="86"/><w:family w:val="auto"/>"#);
        } else {
            x.push_str(r#"<w:charset w:val="00"/><w:family w:val="roman"/>"#);
        }
        x.push_str(r#"<w:pitch w:val="variable"/></w:font>"#);
    }
    x.push_str("</w:fonts>");
    x
}

/// Styles: defaults carrying the fonts (for text a user types into the file
/// later), and named heading styles so Word's navigation pane and WPS's 导航窗格
/// show the outline. The runs repeat every property, so nothing depends on a
/// program honouring these.
fn styles(doc: &Document) -> String {
    let style = &doc.style;
    let body = style.body_font.as_str();
    let heading = style.heading_font.as_str();
    let latin_body = style.latin_font.as_deref().unwrap_or(body);
    let latin_heading = style.latin_font.as_deref().unwrap_or(heading);
    let fonts = |east: &str, latin: &str| {
        format!(
            r#"<w:rFonts w:ascii="{l}" w:hAnsi="{l}" w:eastAsia="{e}" w:cs="{l}" w:hint="eastAsia"/>"#,
            l = escaped(latin),
            e = escaped(east)
        )
    };
    let mut x = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#
    ));
    let body_size = half_points(style.body_size);
    let _ = write!(
        x,
        concat!(
            "<w:docDefaults><w:rPrDefault><w:rPr>{fonts}",
            r#"<w:sz w:val="{size}"/><w:szCs w:val="{size}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>"#,
            "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>",
            r#"<w:spacing w:after="0" w:line="{line}" w:lineRule="auto"/><w:jc w:val="both"/>"#,
            "</w:pPr></w:pPrDefault></w:docDefaults>",
            r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>"#,
            r#"<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>"#,
            r#"<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#,
        ),
        fonts = fonts(body, latin_body),
        size = body_size,
        line = (style.line_spacing * 240.0).round() as i64,
    );
    let title_size = half_points(size::ER_HAO);
    let _ = write!(
        x,
        concat!(
            r#"<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>"#,
            r#"<w:pPr><w:jc w:val="center"/></w:pPr><w:rPr>{fonts}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr></w:style>"#
        ),
        fonts = fonts(heading, latin_heading),
        size = title_size
    );
    for level in [HeadingLevel::One, HeadingLevel::Two, HeadingLevel::Three] {
        let n = level.number();
        let size = half_points(level.size());
        let _ = write!(
            x,
            concat!(
                r#"<w:style w:type="paragraph" w:styleId="Heading{n}"><w:name w:val="heading {n}"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>"#,
                r#"<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val="{lvl}"/></w:pPr>"#,
                r#"<w:rPr>{fonts}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr></w:style>"#
            ),
            n = n,
            lvl = n - 1,
            fonts = fonts(heading, latin_heading),
            size = size
        );
    }
    x.push_str("</w:styles>");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(escaped("a<b>&\"c\u{1}\u{7}d"), "a&lt;b&gt;&amp;&quot;cd");
        assert_eq!(escaped("第\t1"), "第\t1");
    }

    #[test]
    fn units() {
        assert_eq!(twips(210.0), 11906);
        assert_eq!(twips(297.0), 16838);
        assert_eq!(half_points(10.5), 21);
        assert_eq!(emu(10.0), 360_000);
    }
}
