//! The drill-down bar chart: one horizontal bar per area.

use std::fmt::Write as _;

use crate::svg::{
    data_num, esc, finite, fmt_num, header_height, legend_height, nice_ticks, px, text_width,
    tick_decimals, Doc, Scale, BAND_FILL, GRID, MUTED, TARGET,
};
use crate::{BarChart, Status, Target};

const LABEL_SIZE: f64 = 12.0;
/// Row pitch when the height grows with the bars: 24 px keeps 12 px labels apart
/// on paper; 40 villages make a chart of about 1,050 px, still one printed page.
const ROW: f64 = 24.0;

pub(crate) fn status_colour(s: Status) -> &'static str {
    match s {
        Status::Neutral => "#4a7ab0",
        Status::Good => "#3a8f4a",
        Status::Bad => "#c8453b",
    }
}

/// The legend entry of a target: a swatch in a 24×12 box and its label.
pub(crate) fn target_legend(t: &Target, vertical: bool) -> (String, String) {
    match t {
        Target::Line { label, .. } => {
            let line = if vertical {
                format!("<line x1=\"12\" y1=\"-1\" x2=\"12\" y2=\"13\" stroke=\"{TARGET}\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>")
            } else {
                format!("<line x1=\"0\" y1=\"6\" x2=\"24\" y2=\"6\" stroke=\"{TARGET}\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>")
            };
            (line, label.clone())
        }
        Target::Band { label, .. } => (
            format!("<rect x=\"0\" y=\"0\" width=\"24\" height=\"12\" fill=\"{BAND_FILL}\" fill-opacity=\"0.3\"/>"),
            label.clone(),
        ),
    }
}

/// The values a target adds to an axis range.
pub(crate) fn target_values(t: &Option<Target>) -> Vec<f64> {
    match t {
        Some(Target::Line { value, .. }) => vec![*value],
        Some(Target::Band { low, high, .. }) => vec![*low, *high],
        None => Vec::new(),
    }
    .into_iter()
    .filter(|v| v.is_finite())
    .collect()
}

/// Shortens a label that would not fit its column (the full text stays in the
/// tooltip and `data-label`).
fn fit(label: &str, max_w: f64) -> String {
    if text_width(label, LABEL_SIZE) <= max_w {
        return label.to_owned();
    }
    let mut out = String::new();
    for c in label.chars() {
        let mut next = out.clone();
        next.push(c);
        if text_width(&next, LABEL_SIZE) + LABEL_SIZE > max_w {
            break;
        }
        out = next;
    }
    out.push('…');
    out
}

/// Draws a [`BarChart`] as an SVG 1.1 document.
///
/// Bars are horizontal, in the input order from top to bottom. A bar runs from the
/// zero line to its value (left of it for negative values); its value label sits
/// to the right of the bar or whisker end, or of the zero line for a negative
/// value, so labels never run into the area names. A missing value shows "—" and
/// no bar.
pub fn bar_chart(c: &BarChart) -> String {
    let width = f64::from(c.width.max(300));
    let n = c.bars.len();
    let values: Vec<Option<f64>> = c.bars.iter().map(|b| finite(b.value)).collect();
    let value_texts: Vec<String> = values
        .iter()
        .map(|v| v.map_or_else(|| "—".to_owned(), |v| fmt_num(v, c.decimals)))
        .collect();

    // Columns: names on the left, bars, room for the value labels on the right.
    let label_w = c
        .bars
        .iter()
        .map(|b| text_width(&b.label, LABEL_SIZE))
        .fold(24.0, f64::max)
        .min(width * 0.35);
    let value_w = value_texts
        .iter()
        .map(|t| text_width(t, LABEL_SIZE))
        .fold(text_width("—", LABEL_SIZE), f64::max)
        + 10.0;
    let left = 12.0 + label_w + 10.0;
    let right = width - 12.0 - value_w;

    // Data range: zero, every value and interval end, the target.
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for (b, v) in c.bars.iter().zip(&values) {
        let mut ext: Vec<f64> = v.iter().copied().collect();
        if let (Some(_), Some(i)) = (v, b.interval) {
            ext.extend([i.low, i.high].into_iter().filter(|x| x.is_finite()));
        }
        for x in ext {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    for x in target_values(&c.target) {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let intervals = (((right - left) / 90.0).floor() as usize).clamp(2, 8);
    let ticks = nice_ticks(lo, hi, intervals);
    let xs = Scale::new(ticks[0], ticks[ticks.len() - 1], left, right);
    let tick_dec = tick_decimals(&ticks);

    // Rows: grow with the bars unless a height is fixed.
    let unit = c.unit.trim();
    let legend: Vec<(String, String)> = c.target.iter().map(|t| target_legend(t, true)).collect();
    let header_h = header_height(&c.title, unit);
    let legend_h = legend_height(width, &legend);
    let plot_top = header_h + legend_h + 6.0;
    let axis_h = 30.0;
    let rows = n.max(1) as f64;
    let (height, row) = match c.height {
        Some(h) => {
            let h = f64::from(h).max(plot_top + axis_h + 8.0 * rows);
            (h, (h - plot_top - axis_h) / rows)
        }
        None => (plot_top + ROW * rows + axis_h, ROW),
    };
    let plot_bottom = plot_top + row * rows;
    let bar_h = (row * 0.68).max(2.0);
    let font = LABEL_SIZE.min(row * 0.8).max(7.0);

    let mut d = Doc::new("bar-chart", width, height);
    d.header(width, &c.title, unit);
    d.legend(width, header_h, &legend);

    // Grid and axis labels under everything else.
    d.raw("<g class=\"axis\">\n");
    for t in &ticks {
        let x = xs.map(*t);
        d.line(
            x,
            plot_top,
            x,
            plot_bottom,
            &format!("stroke=\"{GRID}\" stroke-width=\"1\""),
        );
        d.text(
            x,
            plot_bottom + 16.0,
            11.0,
            "middle",
            &format!("fill=\"{MUTED}\""),
            &fmt_num(*t, tick_dec),
        );
    }
    d.line(
        left,
        plot_bottom,
        right,
        plot_bottom,
        &format!("stroke=\"{MUTED}\" stroke-width=\"1\""),
    );
    d.raw("</g>\n");

    if let Some(Target::Band { low, high, .. }) = &c.target {
        let (x0, x1) = (xs.map(low.min(*high)), xs.map(low.max(*high)));
        d.rect(
            x0,
            plot_top,
            x1 - x0,
            plot_bottom - plot_top,
            &format!("class=\"target-band\" fill=\"{BAND_FILL}\" fill-opacity=\"0.22\""),
        );
    }

    let x0 = xs.map(0.0);
    for (i, ((b, v), vt)) in c.bars.iter().zip(&values).zip(&value_texts).enumerate() {
        let y = plot_top + row * i as f64;
        let cy = y + row / 2.0;
        let interval = b
            .interval
            .filter(|iv| v.is_some() && iv.low.is_finite() && iv.high.is_finite());
        let mut attrs = format!(
            "class=\"bar\" data-label=\"{}\" data-value=\"{}\" data-status=\"{}\"",
            esc(&b.label),
            v.map(data_num).unwrap_or_default(),
            match b.status {
                Status::Neutral => "neutral",
                Status::Good => "good",
                Status::Bad => "bad",
            }
        );
        let mut tip = format!("{}: {}", b.label, vt);
        if let Some(iv) = interval {
            let _ = write!(
                attrs,
                " data-low=\"{}\" data-high=\"{}\"",
                data_num(iv.low),
                data_num(iv.high)
            );
            let _ = write!(
                tip,
                " (95%: {}–{})",
                fmt_num(iv.low, c.decimals),
                fmt_num(iv.high, c.decimals)
            );
        }
        if !unit.is_empty() && v.is_some() {
            let _ = write!(tip, " {unit}");
        }
        let _ = writeln!(d.out, "<g {attrs}>\n<title>{}</title>", esc(&tip));
        d.text(
            left - 10.0,
            cy + font * 0.36,
            font,
            "end",
            "class=\"category\"",
            &fit(&b.label, label_w),
        );
        let mut label_x = x0;
        if let Some(v) = v {
            let xv = xs.map(*v);
            d.rect(
                xv.min(x0),
                cy - bar_h / 2.0,
                (xv - x0).abs(),
                bar_h,
                &format!("class=\"bar-rect\" fill=\"{}\"", status_colour(b.status)),
            );
            label_x = label_x.max(xv);
            if let Some(iv) = interval {
                let (a, z) = (xs.map(iv.low.min(iv.high)), xs.map(iv.low.max(iv.high)));
                let cap = bar_h * 0.3;
                let _ = writeln!(
                    d.out,
                    "<path class=\"whisker\" d=\"M{a} {cy}H{z}M{a} {t}V{bt}M{z} {t}V{bt}\" stroke=\"#333\" stroke-width=\"1.3\" fill=\"none\"/>",
                    a = px(a),
                    z = px(z),
                    cy = px(cy),
                    t = px(cy - cap),
                    bt = px(cy + cap)
                );
                label_x = label_x.max(z);
            }
        }
        d.text(
            label_x + 4.0,
            cy + font * 0.36,
            font,
            "start",
            "class=\"value\"",
            vt,
        );
        d.raw("</g>\n");
    }

    // The zero line over the bars' bases; the target line over everything.
    d.line(
        x0,
        plot_top,
        x0,
        plot_bottom,
        "class=\"zero-line\" stroke=\"#333\" stroke-width=\"1.2\"",
    );
    if let Some(Target::Line { value, .. }) = &c.target {
        if value.is_finite() {
            let x = xs.map(*value);
            d.line(
                x,
                plot_top - 2.0,
                x,
                plot_bottom,
                &format!("class=\"target-line\" stroke=\"{TARGET}\" stroke-width=\"2\" stroke-dasharray=\"6 4\""),
            );
        }
    }
    d.finish()
}
