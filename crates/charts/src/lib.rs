//! The charts of the indicators pages, drawn as SVG and rendered to PNG: the
//! drill-down bar chart (county → townships → villages), the line chart of an
//! indicator over the years, and the population pyramid.
//!
//! This crate owns only the drawing. It reads no database and computes no
//! indicator: callers hand it finished numbers and every visible string (labels
//! are Chinese, chosen by the page), and get back a self-contained SVG 1.1 document
//! (no external CSS, fonts or images) or PNG bytes. The only I/O is the one-time
//! discovery of the system fonts that PNG rendering needs for Chinese glyphs.
//!
//! The SVGs are meant for the screen, for printing and for pasting into Word/WPS:
//! an opaque white background, a font list covering the common Chinese fonts of
//! Linux, Windows and macOS, and labels large enough to read on paper. Each bar and
//! point is a `<g>` with a `<title>` tooltip and `data-label`/`data-value`
//! attributes, so a browser test (or a script) can find them.
//!
//! ```
//! use renkou_charts::{bar_chart, svg_to_png, Bar, BarChart, Target};
//!
//! let svg = bar_chart(&BarChart {
//!     title: "2025年各村出生人口性别比".into(),
//!     unit: "女=100".into(),
//!     bars: vec![
//!         Bar { label: "东坑村".into(), value: Some(104.2), ..Default::default() },
//!         Bar { label: "溪口村".into(), value: None, ..Default::default() },
//!     ],
//!     target: Some(Target::Band { low: 103.0, high: 107.0, label: "正常范围".into() }),
//!     ..Default::default()
//! });
//! assert!(svg.contains(r#"data-label="溪口村""#));
//! let png = svg_to_png(&svg, 2.0)?;
//! assert!(png.starts_with(b"\x89PNG"));
//! # Ok::<(), renkou_charts::ChartError>(())
//! ```

mod bar;
mod line;
mod png;
mod pyramid;
mod svg;

pub use bar::bar_chart;
pub use line::line_chart;
pub use png::{cjk_font_available, svg_to_png};
pub use pyramid::pyramid_chart;
pub use svg::{nice_ticks, FONT_FAMILY};

/// Why a chart could not be rendered to PNG. Drawing SVG itself cannot fail.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The SVG text could not be parsed (only possible for SVG not made here).
    #[error("the SVG could not be read: {0}")]
    Svg(String),
    /// The scale is not a positive number of reasonable size.
    #[error("PNG scale must be a number between 0 and {max}, got {0}", max = png::MAX_SCALE)]
    Scale(f32),
    /// The image would be empty or unreasonably large.
    #[error("PNG of {width}×{height} pixels is empty or too large")]
    Size { width: u32, height: u32 },
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// How a figure compares with its target; colours the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// No judgement (or no target): the neutral blue.
    #[default]
    Neutral,
    /// Meets the target: green.
    Good,
    /// Misses the target: red.
    Bad,
}

/// A 95% interval around a value (drawn as a whisker or a band).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// A target drawn across the chart, with its own legend entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A single value, e.g. a policy target rate: a dashed line.
    Line { value: f64, label: String },
    /// An acceptable range, e.g. sex ratio at birth 103–107: a shaded band.
    Band { low: f64, high: f64, label: String },
}

/// One bar of a [`BarChart`]: one area of the drill-down.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bar {
    pub label: String,
    /// `None` (or a non-finite number) is "no data": no bar, "—" instead.
    pub value: Option<f64>,
    pub interval: Option<Interval>,
    pub status: Status,
}

/// Horizontal bars, one per area, in the caller's order from top to bottom (the
/// page sorts them; horizontal because 10–40 Chinese village names only fit as
/// row labels).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    /// Shown under the title, e.g. "单位：‰".
    pub unit: String,
    /// Decimals of the value labels and tooltips.
    pub decimals: usize,
    pub bars: Vec<Bar>,
    pub target: Option<Target>,
    /// Width in px (default 800).
    pub width: u32,
    /// Height in px; `None` (default) grows with the number of bars.
    pub height: Option<u32>,
}

impl Default for BarChart {
    fn default() -> Self {
        BarChart {
            title: String::new(),
            unit: String::new(),
            decimals: 1,
            bars: Vec::new(),
            target: None,
            width: 800,
            height: None,
        }
    }
}

/// One line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// The legend entry, e.g. an area's name.
    pub name: String,
    /// One value per year of [`LineChart::years`]; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
    /// Optional 95% interval per year (empty or shorter: none), drawn as a band.
    pub intervals: Vec<Option<Interval>>,
}

/// An indicator over the years, one line per series.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub unit: String,
    pub decimals: usize,
    /// The x axis, e.g. 2016..=2025.
    pub years: Vec<i32>,
    pub series: Vec<Series>,
    pub target: Option<Target>,
    /// Force the y axis to include zero. Off by default: for rates like the TFR a
    /// zero-based axis flattens every change. When the axis does not start at zero
    /// a break mark (two slashes) on the axis says so.
    pub zero_based: bool,
    /// The last year is still running: its label gets a star and this note
    /// (e.g. "2026 年截至 12 月 1 日") is written under the axis, so a part-year
    /// is not read as a drop.
    pub partial_last: Option<String>,
    pub width: u32,
    pub height: u32,
}

impl Default for LineChart {
    fn default() -> Self {
        LineChart {
            title: String::new(),
            unit: String::new(),
            decimals: 1,
            years: Vec::new(),
            series: Vec::new(),
            target: None,
            zero_based: false,
            partial_last: None,
            width: 800,
            height: 420,
        }
    }
}

/// One age group of a [`PyramidChart`]: counts of persons.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PyramidGroup {
    /// E.g. "0–4", …, "85+".
    pub label: String,
    pub male: f64,
    pub female: f64,
}

/// The population pyramid of an area in a year: males left, females right.
#[derive(Debug, Clone, PartialEq)]
pub struct PyramidChart {
    pub title: String,
    /// Youngest first; drawn from the bottom up.
    pub groups: Vec<PyramidGroup>,
    /// E.g. "男", "女", "合计": the side headings and the totals line.
    pub male_label: String,
    pub female_label: String,
    pub total_label: String,
    /// Bars as the percentage of the whole population instead of counts (the
    /// totals line always shows counts).
    pub percent: bool,
    /// Decimals of the percentages.
    pub decimals: usize,
    pub width: u32,
    pub height: u32,
}

impl Default for PyramidChart {
    fn default() -> Self {
        PyramidChart {
            title: String::new(),
            groups: Vec::new(),
            male_label: "男".to_owned(),
            female_label: "女".to_owned(),
            total_label: "合计".to_owned(),
            percent: false,
            decimals: 1,
            width: 800,
            height: 560,
        }
    }
}
