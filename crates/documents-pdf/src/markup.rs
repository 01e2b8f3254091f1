//! The document model as typst source.
//!
//! Every block is one function call in code mode (`#par(…)`, `#table(…)`), and
//! every string of the document, whoever wrote it, is passed as a typst string
//! literal built by [`push_literal`]. Inside a string literal only `\` and `"`
//! mean anything, and both are escaped, so markup characters in register data
//! (`#`, `*`, `_`, `$`, `[`, `]`, `<`, `@`, `//`) are printed as they are.

use std::fmt::Write as _;

use renkou_documents::*;

/// The path under which image number `n` (from 1, in document order) is served
/// to typst.
pub(crate) fn image_path(n: usize) -> String {
    format!("/image{n}.png")
}

/// Writes `text` as a typst string literal. Control characters are dropped (they
/// have no glyph; a tab becomes a space) and newlines are the caller's to turn
/// into line breaks.
fn push_literal(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
}

fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_literal(&mut out, text);
    out
}

/// A typst array of font family names, e.g. `("Noto Serif CJK SC",)`.
fn font_list(fonts: &[String]) -> String {
    let mut out = String::from("(");
    for font in fonts {
        push_literal(&mut out, font);
        out.push_str(", ");
    }
    out.push(')');
    out
}

/// Text as content, in code mode: `text(ATTRS"…")`, or for text with line
/// breaks a content block of such calls joined by `linebreak()`.
fn text_expr(attrs: &str, text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    if !text.contains('\n') {
        return format!("text({attrs}{})", literal(&text));
    }
    let mut out = String::from("[");
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("#linebreak()");
        }
        let _ = write!(out, "#text({attrs}{})", literal(line));
    }
    out.push(']');
    out
}

fn mm(value: f32) -> String {
    format!("{value:.2}mm")
}

fn pt(value: f32) -> String {
    format!("{value:.2}pt")
}

fn align_name(align: Align) -> &'static str {
    match align {
        Align::Left | Align::Justify => "left",
        Align::Center => "center",
        Align::Right => "right",
    }
}

/// The typst source of a document, with `body_fonts` and `heading_fonts` as
/// the font families (first preferred) of the two roles.
pub fn typst_source(doc: &Document, body_fonts: &[String], heading_fonts: &[String]) -> String {
    Writer {
        doc,
        body: font_list(body_fonts),
        heading: font_list(heading_fonts),
        out: String::with_capacity(64 * 1024),
        images: 0,
    }
    .write()
}

struct Writer<'a> {
    doc: &'a Document,
    /// The font arrays, written once.
    body: String,
    heading: String,
    out: String,
    images: usize,
}

impl Writer<'_> {
    fn write(mut self) -> String {
        self.preamble();
        let first = self
            .doc
            .sections
            .first()
            .map(|s| s.orientation)
            .unwrap_or_default();
        for (i, section) in self.doc.sections.iter().enumerate() {
            if i > 0 || section.orientation != first {
                // A page set rule in the middle of a document starts a new page.
                self.page_rule(section.orientation);
            }
            for block in &section.blocks {
                self.block(block, section.orientation);
                self.out.push_str("\n\n");
            }
        }
        self.out
    }

    fn page_rule(&mut self, orientation: Orientation) {
        let m = self.doc.page.margins.for_orientation(orientation);
        let _ = writeln!(
            self.out,
            "#set page(flipped: {}, margin: (top: {}, bottom: {}, left: {}, right: {}))",
            orientation == Orientation::Landscape,
            mm(m.top),
            mm(m.bottom),
            mm(m.left),
            mm(m.right),
        );
    }

    fn preamble(&mut self) {
        let doc = self.doc;
        let meta = &doc.metadata;
        let o = &mut self.out;
        o.push_str("#set document(title: ");
        push_literal(o, &meta.title);
        if !meta.author.is_empty() {
            o.push_str(", author: ");
            push_literal(o, &meta.author);
        }
        o.push_str(", keywords: (");
        for keyword in &meta.keywords {
            push_literal(o, keyword);
            o.push_str(", ");
        }
        o.push(')');
        match meta.date {
            Some(date) if date.is_valid() => {
                let _ = write!(
                    o,
                    ", date: datetime(year: {}, month: {}, day: {})",
                    date.year, date.month, date.day
                );
            }
            _ => o.push_str(", date: none"),
        }
        o.push_str(")\n");

        let style = &doc.style;
        let footer = match &doc.footer {
            None => "none".to_string(),
            Some(footer) => {
                let mut parts: Vec<String> = footer
                    .parts
                    .iter()
                    .map(|part| match part {
                        FooterPart::Text(text) => literal(text),
                        FooterPart::Page => "str(counter(page).get().first())".into(),
                        FooterPart::Pages => "str(counter(page).final().first())".into(),
                    })
                    .collect();
                if parts.is_empty() {
                    parts.push("\"\"".into());
                }
                format!(
                    "context align(center, text(font: {}, size: {}, {}))",
                    self.body,
                    pt(size::XIAO_WU),
                    parts.join(" + ")
                )
            }
        };
        // Word puts the footer's top `footer_distance` above the paper's edge;
        // typst lowers the footer into the bottom margin by `footer-descent`.
        let bottom = doc.page.margins.bottom;
        let descent = (bottom - doc.page.footer_distance_mm).max(0.0);
        let _ = writeln!(
            self.out,
            "#set page(paper: \"a4\", footer-descent: {}, footer: {footer})",
            mm(descent)
        );
        let first = doc
            .sections
            .first()
            .map(|s| s.orientation)
            .unwrap_or_default();
        self.page_rule(first);

        // Lines are one em high (edges at 0.88 em and −0.12 em, whatever the
        // font's own metrics) and the leading makes the pitch `line_spacing`
        // times 1.3 em, which is what Word's "multiple" spacing gives with 宋体.
        let leading = (style.line_spacing * 1.3 - 1.0).max(0.2);
        let _ = write!(
            self.out,
            concat!(
                "#set text(font: {body}, size: {size}, lang: \"zh\", region: \"cn\", top-edge: 0.88em, bottom-edge: -0.12em)\n",
                "#set par(justify: true, leading: {leading:.3}em, spacing: {leading:.3}em)\n",
                "#set table(stroke: 0.5pt + black, inset: (x: 1.5mm, y: 1.2mm))\n",
                "#show heading: set block(above: 1.2em, below: 0.8em, sticky: true)\n",
                "#show heading.where(level: 1): set text(size: {h1})\n",
                "#show heading.where(level: 2): set text(size: {h2})\n",
                "#show heading.where(level: 3): set text(size: {h3})\n",
                "#show heading: it => block(above: 1.2em, below: 0.8em, sticky: true, ",
                "par(justify: false, first-line-indent: (amount: 2em, all: true), ",
                "text(font: {heading}, weight: \"bold\", it.body)))\n\n",
            ),
            body = self.body,
            size = pt(style.body_size),
            leading = leading,
            h1 = pt(HeadingLevel::One.size()),
            h2 = pt(HeadingLevel::Two.size()),
            h3 = pt(HeadingLevel::Three.size()),
            heading = self.heading,
        );
    }

    fn text_width_mm(&self, orientation: Orientation) -> f32 {
        let m = self.doc.page.margins.for_orientation(orientation);
        orientation.page_mm().0 - m.left - m.right
    }

    fn block(&mut self, block: &Block, orientation: Orientation) {
        match block {
            Block::PageBreak => self.out.push_str("#pagebreak(weak: true)"),
            Block::Title(text) => {
                let attrs = format!(
                    "font: {}, size: {}, weight: \"bold\", ",
                    self.heading,
                    pt(size::ER_HAO)
                );
                let _ = write!(
                    self.out,
                    "#block(width: 100%, below: 18pt, align(center, par(justify: false, {})))",
                    text_expr(&attrs, text)
                );
            }
            Block::Heading(heading) => {
                let _ = write!(
                    self.out,
                    "#heading(level: {}, {})",
                    heading.level.number(),
                    text_expr("", &heading.text)
                );
            }
            Block::Paragraph(paragraph) => self.paragraph(paragraph),
            Block::Table(table) => self.table(table),
            Block::Image(image) => {
                self.images += 1;
                let width = image.width_mm.min(self.text_width_mm(orientation));
                let _ = write!(
                    self.out,
                    "#block(breakable: false, width: 100%, above: 6pt, below: 6pt)[#align(center, image({}, width: {}))",
                    literal(&image_path(self.images)),
                    mm(width)
                );
                if let Some(caption) = &image.caption {
                    let _ = write!(self.out, "#v(3pt)#align(center, {})", self.caption(caption));
                }
                self.out.push(']');
            }
        }
    }

    fn caption(&self, text: &str) -> String {
        let attrs = format!(
            "font: {}, size: {}, weight: \"bold\", ",
            self.heading,
            pt(size::XIAO_SI)
        );
        format!(
            "par(justify: false, first-line-indent: 0pt, {})",
            text_expr(&attrs, text)
        )
    }

    fn paragraph(&mut self, paragraph: &Paragraph) {
        let runs: Vec<&Run> = paragraph
            .runs
            .iter()
            .filter(|r| !r.text.is_empty())
            .collect();
        if runs.is_empty() {
            // An empty paragraph is an empty line, as in Word.
            let _ = write!(
                self.out,
                "#v({})",
                pt(self.doc.style.body_size * self.doc.style.line_spacing)
            );
            return;
        }
        let indent = if paragraph.first_line_indent {
            "(amount: 2em, all: true)"
        } else {
            "0pt"
        };
        let justify = paragraph.align == Align::Justify;
        let wrap = !matches!(paragraph.align, Align::Justify | Align::Left);
        if wrap {
            let _ = write!(self.out, "#align({})[", align_name(paragraph.align));
        }
        let _ = write!(
            self.out,
            "#par(justify: {justify}, first-line-indent: {indent})["
        );
        for run in runs {
            let mut attrs = String::new();
            if run.bold {
                attrs.push_str("weight: \"bold\", ");
            }
            if let Some(size) = run.size {
                let _ = write!(attrs, "size: {}, ", pt(size));
            }
            self.out.push('#');
            self.out.push_str(&text_expr(&attrs, &run.text));
        }
        self.out.push(']');
        if wrap {
            self.out.push(']');
        }
    }

    fn table(&mut self, table: &Table) {
        if let Some(caption) = &table.caption {
            // Sticky: the caption moves to the next page with the table's start.
            let _ = writeln!(
                self.out,
                "#block(width: 100%, sticky: true, above: 8pt, below: 6pt, align(center, {}))",
                self.caption(caption)
            );
        }
        let style = &self.doc.style;
        let total: f32 = table.columns.iter().map(|c| c.width).sum();
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{:.4}fr", c.width / total * 100.0))
            .collect();
        let aligns: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{} + horizon", align_name(c.align)))
            .collect();
        let o = &mut self.out;
        let _ = writeln!(
            o,
            "#{{\nset text(size: {})\nset par(justify: false, leading: 0.3em, first-line-indent: 0pt)\ntable(\ncolumns: ({},),\nalign: ({},),",
            pt(style.table_size),
            columns.join(", "),
            aligns.join(", ")
        );
        o.push_str("table.header(repeat: true,\n");
        for column in &table.columns {
            let _ = writeln!(
                o,
                "table.cell(fill: rgb(\"#{}\"), align: center + horizon, {}),",
                Shading::Header.hex(),
                text_expr("weight: \"bold\", ", &column.header)
            );
        }
        o.push_str("),\n");
        for row in &table.rows {
            let attrs = if row.bold { "weight: \"bold\", " } else { "" };
            for cell in &row.cells {
                let text = text_expr(attrs, &cell.text);
                match cell.shading {
                    Some(shading) => {
                        let _ =
                            write!(o, "table.cell(fill: rgb(\"#{}\"), {text}), ", shading.hex());
                    }
                    None => {
                        o.push_str(&text);
                        o.push_str(", ");
                    }
                }
            }
            o.push('\n');
        }
        o.push_str(")\n}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_what_typst_strings_treat_specially() {
        assert_eq!(literal(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(literal("#panic()[*_$]"), "\"#panic()[*_$]\"");
        assert_eq!(literal("a\tb\u{7}c"), "\"a bc\"");
    }

    #[test]
    fn line_breaks_become_linebreak_calls() {
        assert_eq!(
            text_expr("", "甲\n乙"),
            "[#text(\"甲\")#linebreak()#text(\"乙\")]"
        );
        assert_eq!(
            text_expr("weight: \"bold\", ", "甲"),
            "text(weight: \"bold\", \"甲\")"
        );
    }

    #[test]
    fn generated_source_parses_without_errors_whatever_the_text() {
        let nasty = "\")#panic(\"boom\")// [*_$] <l> @r \\ /* \u{0}";
        let mut doc = Document::new(nasty);
        doc.metadata.author = nasty.into();
        doc.push(Block::Title(nasty.into()));
        doc.push(Heading::new(HeadingLevel::One, nasty).into());
        doc.push(
            Paragraph::runs(vec![
                Run::bold(nasty),
                Run::new(format!("{nasty}\n{nasty}")),
            ])
            .into(),
        );
        doc.push(
            Table::new(vec![Column::text(nasty, 1.0)])
                .caption(nasty)
                .row(vec![Cell::text(nasty).shaded(Shading::Bad)])
                .into(),
        );
        let source = typst_source(&doc, &["A\"".into()], &["B".into()]);
        let parsed = typst::syntax::parse(&source);
        assert!(parsed.errors_and_warnings().0.is_empty(), "{source}");
        assert!(!source.contains("#panic(\"boom\")"));
    }
}
