//! The document model both writers read. Plain data: every field public, no
//! invariants beyond what [`crate::validate`] checks, so templates can build it
//! however they like.

/// A whole document: metadata, style, page setup, footer and the body in sections.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub metadata: Metadata,
    pub style: Style,
    pub page: PageSetup,
    /// The same footer on every page; `None` for none.
    pub footer: Option<Footer>,
    /// The body. Each section starts on a new page; a landscape section holds the
    /// tables too wide for portrait.
    pub sections: Vec<Section>,
}

impl Document {
    /// An empty portrait document with the official-document defaults and a
    /// "第 X 页 共 Y 页" footer.
    pub fn new(title: impl Into<String>) -> Self {
        Document {
            metadata: Metadata {
                title: title.into(),
                ..Metadata::default()
            },
            style: Style::default(),
            page: PageSetup::default(),
            footer: Some(Footer::page_x_of_y()),
            sections: Vec::new(),
        }
    }

    /// Appends a block to the last section (opening a portrait one if there is none).
    pub fn push(&mut self, block: Block) -> &mut Self {
        if self.sections.is_empty() {
            self.sections.push(Section::new(Orientation::Portrait));
        }
        if let Some(section) = self.sections.last_mut() {
            section.blocks.push(block);
        }
        self
    }

    /// Starts a new section (on a new page) in which the following blocks go.
    pub fn begin_section(&mut self, orientation: Orientation) -> &mut Self {
        self.sections.push(Section::new(orientation));
        self
    }

    /// All blocks of all sections in order.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.sections.iter().flat_map(|s| s.blocks.iter())
    }
}

/// What the file says about itself (Word's 文件属性, the PDF's document info).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    pub title: String,
    /// Who issued it, e.g. "某某镇卫生健康办公室".
    pub author: String,
    pub subject: String,
    pub keywords: Vec<String>,
    /// The document's date. Given by the caller (the engine has no clock), so
    /// the same document always gives the same bytes; `None` writes no date.
    pub date: Option<Date>,
}

/// A calendar date, the caller's. An impossible one (2月30日) is not an error:
/// the writers leave the date out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Whether the date exists in the Gregorian calendar.
    pub fn is_valid(self) -> bool {
        let leap = match (self.year % 400, self.year % 100, self.year % 4) {
            (0, _, _) => true,
            (_, 0, _) => false,
            (_, _, 0) => true,
            _ => false,
        };
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days).contains(&self.day)
    }
}

/// Fonts and sizes. Font names are the ones Word and WPS know on Chinese
/// Windows; the PDF engine maps the roles (body, heading) to fonts it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// East-Asian font of body text, tables and the footer (default 宋体).
    pub body_font: String,
    /// East-Asian font of the title and headings (default 黑体).
    pub heading_font: String,
    /// Font of Latin letters and digits (w:ascii / w:hAnsi); default Times New
    /// Roman, as official documents set numbers. `None` uses the East-Asian font
    /// for them too.
    pub latin_font: Option<String>,
    /// Body text size in points (default 14 pt, 四号).
    pub body_size: f32,
    /// Table text size in points (default 10.5 pt, 五号).
    pub table_size: f32,
    /// Body line spacing as a multiple of single spacing (default 1.5).
    pub line_spacing: f32,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            body_font: "宋体".into(),
            heading_font: "黑体".into(),
            latin_font: Some("Times New Roman".into()),
            body_size: size::SI_HAO,
            table_size: size::WU_HAO,
            line_spacing: 1.5,
        }
    }
}

/// The traditional Chinese font sizes (字号) in points.
pub mod size {
    /// 二号, the title of an official document.
    pub const ER_HAO: f32 = 22.0;
    /// 小二.
    pub const XIAO_ER: f32 = 18.0;
    /// 三号, level-1 headings and official body text.
    pub const SAN_HAO: f32 = 16.0;
    /// 小三.
    pub const XIAO_SAN: f32 = 15.0;
    /// 四号.
    pub const SI_HAO: f32 = 14.0;
    /// 小四.
    pub const XIAO_SI: f32 = 12.0;
    /// 五号, tables.
    pub const WU_HAO: f32 = 10.5;
    /// 小五, footers and notes.
    pub const XIAO_WU: f32 = 9.0;
}

/// Paper and margins. The paper is always A4.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSetup {
    /// Portrait margins in millimetres. Landscape sections turn the same text
    /// area on its side: their top/bottom are the portrait left/right and their
    /// left/right the portrait top/bottom.
    pub margins: Margins,
    /// Distance of the footer's baseline area from the bottom edge, in mm.
    pub footer_distance_mm: f32,
}

impl Default for PageSetup {
    fn default() -> Self {
        PageSetup {
            margins: Margins::OFFICIAL,
            footer_distance_mm: 18.0,
        }
    }
}

/// Page margins in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

impl Margins {
    /// GB/T 9704-2012: 天头 37 mm, 订口 28 mm, text area 156 × 225 mm.
    pub const OFFICIAL: Margins = Margins {
        top: 37.0,
        bottom: 35.0,
        left: 28.0,
        right: 26.0,
    };

    /// The margins of a page of this orientation (see [`PageSetup::margins`]).
    pub fn for_orientation(self, orientation: Orientation) -> Margins {
        match orientation {
            Orientation::Portrait => self,
            Orientation::Landscape => Margins {
                top: self.left,
                bottom: self.right,
                left: self.top,
                right: self.bottom,
            },
        }
    }
}

/// A4 in millimetres, portrait.
pub const A4_MM: (f32, f32) = (210.0, 297.0);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Portrait,
    Landscape,
}

impl Orientation {
    /// Page width and height in millimetres.
    pub fn page_mm(self) -> (f32, f32) {
        match self {
            Orientation::Portrait => A4_MM,
            Orientation::Landscape => (A4_MM.1, A4_MM.0),
        }
    }
}

/// A run of pages of one orientation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    pub orientation: Orientation,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(orientation: Orientation) -> Self {
        Section {
            orientation,
            blocks: Vec::new(),
        }
    }
}

/// The footer: text and page-number fields, centred, in the body font.
#[derive(Debug, Clone, PartialEq)]
pub struct Footer {
    pub parts: Vec<FooterPart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FooterPart {
    Text(String),
    /// The current page number.
    Page,
    /// The number of pages of the document.
    Pages,
}

impl Footer {
    /// "第 X 页 共 Y 页".
    pub fn page_x_of_y() -> Self {
        Footer {
            parts: vec![
                FooterPart::Text("第 ".into()),
                FooterPart::Page,
                FooterPart::Text(" 页 共 ".into()),
                FooterPart::Pages,
                FooterPart::Text(" 页".into()),
            ],
        }
    }
}

/// One block of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's title: centred, 二号, heading font.
    Title(String),
    Heading(Heading),
    Paragraph(Paragraph),
    Table(Table),
    Image(Image),
    /// The next block starts on a new page.
    PageBreak,
}

impl From<Heading> for Block {
    fn from(h: Heading) -> Self {
        Block::Heading(h)
    }
}
impl From<Paragraph> for Block {
    fn from(p: Paragraph) -> Self {
        Block::Paragraph(p)
    }
}
impl From<Table> for Block {
    fn from(t: Table) -> Self {
        Block::Table(t)
    }
}
impl From<Image> for Block {
    fn from(i: Image) -> Self {
        Block::Image(i)
    }
}

/// A heading of level 1 (一、), 2 ((一)) or 3 (1.). The numbering is part of the
/// text: Chinese documents number headings in words, which Word's lists would
/// render differently in WPS.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub level: HeadingLevel,
    pub text: String,
}

impl Heading {
    pub fn new(level: HeadingLevel, text: impl Into<String>) -> Self {
        Heading {
            level,
            text: text.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadingLevel {
    One,
    Two,
    Three,
}

impl HeadingLevel {
    pub fn number(self) -> u8 {
        match self {
            HeadingLevel::One => 1,
            HeadingLevel::Two => 2,
            HeadingLevel::Three => 3,
        }
    }

    /// Font size of headings of this level in points: 三号, 四号, 小四.
    pub fn size(self) -> f32 {
        match self {
            HeadingLevel::One => size::SAN_HAO,
            HeadingLevel::Two => size::SI_HAO,
            HeadingLevel::Three => size::SI_HAO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    Left,
    Center,
    Right,
    /// Both edges (两端对齐), the default of body text.
    #[default]
    Justify,
}

/// A paragraph: runs of text sharing an alignment and indent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Paragraph {
    pub runs: Vec<Run>,
    pub align: Align,
    /// Indent the first line by two characters (首行缩进2字符), as body text of
    /// Chinese documents does.
    pub first_line_indent: bool,
}

impl Paragraph {
    /// Body text: justified, first line indented by two characters.
    pub fn body(text: impl Into<String>) -> Self {
        Paragraph {
            runs: vec![Run::new(text)],
            align: Align::Justify,
            first_line_indent: true,
        }
    }

    /// A paragraph of the given runs, justified and indented like body text.
    pub fn runs(runs: Vec<Run>) -> Self {
        Paragraph {
            runs,
            align: Align::Justify,
            first_line_indent: true,
        }
    }

    /// Without first-line indent and with this alignment (signatures, dates).
    pub fn aligned(mut self, align: Align) -> Self {
        self.align = align;
        self.first_line_indent = false;
        self
    }
}

/// Text of one look. A `'\n'` in the text is a line break within the paragraph.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    /// Font size in points; `None` for the body size.
    pub size: Option<f32>,
}

impl Run {
    pub fn new(text: impl Into<String>) -> Self {
        Run {
            text: text.into(),
            ..Run::default()
        }
    }

    pub fn bold(text: impl Into<String>) -> Self {
        Run {
            text: text.into(),
            bold: true,
            size: None,
        }
    }

    pub fn sized(mut self, points: f32) -> Self {
        self.size = Some(points);
        self
    }
}

/// A table: a header row repeated at the top of every page the table spans,
/// then the rows. It is as wide as the text area; columns share that width in
/// proportion to their `width`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// A caption above the table ("表1 …"), kept on the page of the table's start.
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Self {
        Table {
            caption: None,
            columns,
            rows: Vec::new(),
        }
    }

    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Appends a row of cells.
    pub fn row(mut self, cells: Vec<Cell>) -> Self {
        self.rows.push(Row { cells, bold: false });
        self
    }

    /// Appends a bold row (合计).
    pub fn total_row(mut self, cells: Vec<Cell>) -> Self {
        self.rows.push(Row { cells, bold: true });
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header cell's text.
    pub header: String,
    /// Relative width (any positive unit: widths are proportions).
    pub width: f32,
    /// Alignment of the column's body cells (headers are centred).
    pub align: Align,
}

impl Column {
    /// A left-aligned text column.
    pub fn text(header: impl Into<String>, width: f32) -> Self {
        Column {
            header: header.into(),
            width,
            align: Align::Left,
        }
    }

    /// A right-aligned number column.
    pub fn number(header: impl Into<String>, width: f32) -> Self {
        Column {
            header: header.into(),
            width,
            align: Align::Right,
        }
    }

    /// A centred column (codes, yes/no).
    pub fn centered(header: impl Into<String>, width: f32) -> Self {
        Column {
            header: header.into(),
            width,
            align: Align::Center,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// Bold text in every cell (a total row).
    pub bold: bool,
}

/// One table cell: text, formatted by the caller (numbers as they should read:
/// "1,234", "12.5‰", "—").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    pub text: String,
    pub shading: Option<Shading>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            shading: None,
        }
    }

    pub fn shaded(mut self, shading: Shading) -> Self {
        self.shading = Some(shading);
        self
    }
}

/// Background of a cell: a gap on the good or bad side of its target, or any
/// colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shading {
    /// Light green.
    Good,
    /// Light red.
    Bad,
    /// Light grey, the header row's.
    Header,
    Rgb(u8, u8, u8),
}

impl Shading {
    /// The colour as RRGGBB hex, as both formats write it.
    pub fn hex(self) -> String {
        let (r, g, b) = match self {
            Shading::Good => (0xE2, 0xEF, 0xDA),
            Shading::Bad => (0xFB, 0xE0, 0xDC),
            Shading::Header => (0xE7, 0xE6, 0xE6),
            Shading::Rgb(r, g, b) => (r, g, b),
        };
        format!("{r:02X}{g:02X}{b:02X}")
    }
}

/// A PNG image (a chart), centred, with an optional caption below it.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub png: Vec<u8>,
    /// Width on the page in millimetres (at most the text width: 156 mm
    /// portrait); the height follows the PNG's aspect ratio.
    pub width_mm: f32,
    /// "图1 …", centred below the image.
    pub caption: Option<String>,
}

impl Image {
    pub fn new(png: Vec<u8>, width_mm: f32) -> Self {
        Image {
            png,
            width_mm,
            caption: None,
        }
    }

    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = |year, month, day| Date { year, month, day };
        assert!(d(2024, 2, 29).is_valid());
        assert!(d(2000, 2, 29).is_valid());
        assert!(!d(1900, 2, 29).is_valid());
        assert!(!d(2025, 2, 29).is_valid());
        assert!(!d(2025, 13, 1).is_valid());
        assert!(!d(2025, 1, 0).is_valid());
        assert!(d(2025, 12, 31).is_valid());
    }
}
