//! The shared drawing kit: XML escaping, number formatting, "nice" axis ticks, a
//! linear scale, a rough text-width estimate and the SVG frame every chart uses.

use std::fmt::Write as _;

/// Fonts in the order a reader's machine is likely to have them: the Debian font
/// the server renders PNGs with, then Windows (also what WPS uses), macOS, and the
/// Noto/Source Han family of most Linux desktops. Single quotes inside, because the
/// list sits in a double-quoted attribute.
pub const FONT_FAMILY: &str =
    "'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', sans-serif";

/// Text colour: near-black prints crisply and is softer on screen than #000.
pub(crate) const INK: &str = "#222";
pub(crate) const MUTED: &str = "#555";
pub(crate) const GRID: &str = "#ddd";
pub(crate) const TARGET: &str = "#e07b00";
pub(crate) const BAND_FILL: &str = "#7cb342";

/// Escapes text for XML content and attribute values, and drops the characters
/// XML 1.0 cannot hold at all (a stray control character from a pasted village
/// name would otherwise make the whole document unparseable).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A finite value or nothing: NaN and infinities are "no data", never a bar
/// running off the chart.
pub(crate) fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// A number for people: fixed decimals, thousands grouped with commas (as in the
/// county's printed yearbooks), a minus sign that never turns into "-0".
pub(crate) fn fmt_num(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v);
    let (neg, digits) = match s.strip_prefix('-') {
        // "-0.0" after rounding is zero: print it without a sign.
        Some(rest) if rest.chars().any(|c| ('1'..='9').contains(&c)) => (true, rest),
        Some(rest) => (false, rest),
        None => (false, s.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A number for machines (`data-value`): plain, ungrouped, full precision.
pub(crate) fn data_num(v: f64) -> String {
    format!("{v}")
}

/// Axis ticks at "nice" steps (1, 2 or 5 × 10^k) covering `min..=max` with about
/// `intervals` steps (the nice step nearest to an even split); the first tick is ≤ min and the last ≥ max, so the ticks are
/// also the axis range. `0..87` with 5 gives 0, 20, 40, 60, 80, 100.
///
/// A degenerate range (min == max) is widened so that a single value still gets an
/// axis; non-finite input gives `[0, 1]`.
pub fn nice_ticks(min: f64, max: f64, intervals: usize) -> Vec<f64> {
    let (mut lo, mut hi) = if min <= max { (min, max) } else { (max, min) };
    if !lo.is_finite() || !hi.is_finite() {
        return vec![0.0, 1.0];
    }
    if lo == hi {
        // One value: make room around it, keeping zero as the base when it is one.
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.5 };
        if lo >= 0.0 {
            lo = if lo == 0.0 { 0.0 } else { lo - pad };
            hi += pad;
        } else {
            lo -= pad;
            hi = if hi == 0.0 { 0.0 } else { hi + pad };
        }
    }
    // A bounded number of ticks whatever the caller asks for, and a span that
    // fits in an f64 (-1e308..1e308 does not).
    let intervals = intervals.clamp(1, 100) as f64;
    let step = nice_step(hi / intervals - lo / intervals);
    // Counting in whole steps avoids the drift of repeated float addition; the
    // small epsilon keeps 100 from becoming the start of a further step.
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            // Snap to the step's precision: 0.30000000000000004 → 0.3.
            let p = 10f64.powi(step_decimals(step).min(15) as i32);
            let snapped = (v * p).round() / p;
            if snapped.is_finite() {
                snapped
            } else {
                v
            }
        })
        .collect()
}

/// The 1/2/5 × 10^k nearest to `raw` (on a log scale): nearest rather than the
/// next larger, so that a TFR axis from 0.8 to 1.9 steps by 0.2, not by a coarse 0.5.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    // Geometric midpoints between 1, 2, 5 and 10.
    let nice = if f < 2f64.sqrt() {
        1.0
    } else if f < 10f64.sqrt() {
        2.0
    } else if f < 50f64.sqrt() {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Decimals a tick label needs so that neighbouring ticks read differently.
pub(crate) fn step_decimals(step: f64) -> usize {
    if step.is_nan() || step <= 0.0 || step >= 1.0 {
        return 0;
    }
    (-step.log10().floor()).max(0.0) as usize
}

/// Decimals for the labels of a list of ticks.
pub(crate) fn tick_decimals(ticks: &[f64]) -> usize {
    match ticks {
        [a, b, ..] => step_decimals(b - a),
        _ => 0,
    }
}

/// Maps a data range onto a pixel range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        Scale { d0, d1, r0, r1 }
    }

    pub fn map(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return self.r0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Pixel coordinates with two decimals: exact enough, and short SVG text.
pub(crate) fn px(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 {
        "0".to_owned()
    } else {
        format!("{r}")
    }
}

/// A rough width of `s` at `size` px: CJK ideographs and full-width forms are one
/// em, Latin letters and digits a bit over half. Only used to reserve room for
/// labels, so erring wide is the safe side.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| {
            let u = c as u32;
            if u >= 0x2E80 {
                1.0
            } else if c.is_ascii_uppercase() || c == '—' || c == '%' {
                0.68
            } else {
                0.58
            }
        })
        .sum::<f64>()
        * size
}

/// The SVG document every chart fills: XML declaration, size and viewBox, the font
/// list, and an opaque white background so a PNG or a paste into Word never shows
/// a transparent (black in some viewers) canvas.
pub(crate) struct Doc {
    pub out: String,
}

impl Doc {
    pub fn new(class: &str, width: f64, height: f64) -> Doc {
        let mut out = String::with_capacity(16 * 1024);
        let (w, h) = (px(width), px(height));
        let _ = write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" class=\"chart {class}\" \
             width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"{FONT_FAMILY}\" font-size=\"12\" fill=\"{INK}\">\n\
             <rect class=\"background\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n"
        );
        Doc { out }
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }

    /// Text; `anchor` is start, middle or end; `extra` are further attributes.
    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, text: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\"{}{extra}>{}</text>",
            px(x),
            px(y),
            px(size),
            if extra.is_empty() { "" } else { " " },
            esc(text)
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {attrs}/>",
            px(x1),
            px(y1),
            px(x2),
            px(y2)
        );
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {attrs}/>",
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0))
        );
    }

    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// The title (bold, larger) and an optional second line (unit, totals).
    /// Returns the y below them (the same as [`header_height`]).
    pub fn header(&mut self, width: f64, title: &str, subtitle: &str) -> f64 {
        let mut y = 12.0;
        if !title.is_empty() {
            y += 18.0;
            self.text(
                width / 2.0,
                y,
                17.0,
                "middle",
                "class=\"title\" font-weight=\"bold\"",
                title,
            );
        }
        if !subtitle.is_empty() {
            y += 20.0;
            self.text(
                width / 2.0,
                y,
                12.0,
                "middle",
                &format!("class=\"subtitle\" fill=\"{MUTED}\""),
                subtitle,
            );
        }
        y + 10.0
    }

    /// Legend rows of (swatch, label) items, centred, wrapping when they do not fit
    /// the width. A swatch is SVG drawn in a 24×12 box at the origin; it is moved
    /// into place here. Returns the y below the legend.
    pub fn legend(&mut self, width: f64, y: f64, items: &[(String, String)]) -> f64 {
        let rows = legend_rows(width, items);
        if rows.is_empty() {
            return y;
        }
        self.raw("<g class=\"legend\">\n");
        let mut y = y;
        for row in rows {
            let total: f64 = row.iter().map(|(_, w)| w).sum();
            let mut x = ((width - total) / 2.0).max(8.0);
            for (i, w) in row {
                let (swatch, label) = &items[i];
                let _ = writeln!(
                    self.out,
                    "<g transform=\"translate({},{})\">{swatch}</g>",
                    px(x),
                    px(y)
                );
                self.text(x + 30.0, y + 10.5, 12.0, "start", "", label);
                x += w;
            }
            y += 22.0;
        }
        self.raw("</g>\n");
        y
    }
}

/// The y below a header of this title and subtitle.
pub(crate) fn header_height(title: &str, subtitle: &str) -> f64 {
    12.0 + if title.is_empty() { 0.0 } else { 18.0 }
        + if subtitle.is_empty() { 0.0 } else { 20.0 }
        + 10.0
}

/// The height of the legend of these items.
pub(crate) fn legend_height(width: f64, items: &[(String, String)]) -> f64 {
    legend_rows(width, items).len() as f64 * 22.0
}

/// Legend items (index, width) split into rows that fit the width.
fn legend_rows(width: f64, items: &[(String, String)]) -> Vec<Vec<(usize, f64)>> {
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut used = 0.0;
    for (i, (_, label)) in items.iter().enumerate() {
        let w = 24.0 + 6.0 + text_width(label, 12.0) + 18.0;
        match rows.last_mut() {
            Some(row) if used + w <= width - 16.0 => {
                row.push((i, w));
                used += w;
            }
            _ => {
                rows.push(vec![(i, w)]);
                used = w;
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_cover_range_with_round_steps() {
        assert_eq!(
            nice_ticks(0.0, 87.0, 5),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(
            nice_ticks(0.0, 100.0, 5),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(nice_ticks(-5.0, 10.0, 3), vec![-5.0, 0.0, 5.0, 10.0]);
        assert_eq!(
            nice_ticks(-5.0, 10.0, 5),
            vec![-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(
            nice_ticks(1.3, 1.9, 5),
            vec![1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]
        );
        assert_eq!(
            nice_ticks(0.0, 0.7, 5),
            vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
        );
        assert_eq!(
            nice_ticks(0.8, 1.9, 5),
            vec![0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
        );
        assert_eq!(
            nice_ticks(0.0, 45_000.0, 5),
            vec![0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0]
        );
        // Reversed bounds, one value, nothing: still an axis.
        assert_eq!(nice_ticks(87.0, 0.0, 5), nice_ticks(0.0, 87.0, 5));
        assert_eq!(nice_ticks(0.0, 0.0, 5).first(), Some(&0.0));
        assert!(nice_ticks(0.0, 0.0, 5).len() >= 2);
        assert!(nice_ticks(105.0, 105.0, 5).len() >= 2);
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5), vec![0.0, 1.0]);
        // Extremes stay bounded and finite.
        assert!(nice_ticks(0.0, 1.0, usize::MAX).len() <= 102);
        let wide = nice_ticks(-1e308, 1e308, 5);
        assert!(
            wide.len() <= 12 && wide.iter().all(|t| t.is_finite()),
            "{wide:?}"
        );
        let tiny = nice_ticks(0.0, 1e-12, 5);
        assert!(
            tiny.len() >= 2 && tiny.iter().all(|t| t.is_finite()),
            "{tiny:?}"
        );
    }

    #[test]
    fn every_step_is_one_two_or_five_times_a_power_of_ten() {
        for (lo, hi) in [(0.0, 3.7), (-12.0, 31.0), (98.0, 112.0), (0.0, 1234.0)] {
            let t = nice_ticks(lo, hi, 5);
            assert!(t[0] <= lo && *t.last().unwrap() >= hi, "{t:?}");
            let step = t[1] - t[0];
            let m = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|n| (m - n).abs() < 1e-6),
                "{step}"
            );
        }
    }

    #[test]
    fn numbers_read_like_a_yearbook() {
        assert_eq!(fmt_num(12345.0, 0), "12,345");
        assert_eq!(fmt_num(1234567.891, 2), "1,234,567.89");
        assert_eq!(fmt_num(-3.456, 1), "-3.5");
        assert_eq!(fmt_num(-0.04, 1), "0.0");
        assert_eq!(fmt_num(999.0, 0), "999");
    }

    #[test]
    fn escaping_covers_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            esc("A&B <c> \"d\" 'e'"),
            "A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
        assert_eq!(esc("村\u{1}名"), "村名");
    }
}
