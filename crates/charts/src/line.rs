//! An indicator over the years: one line per series.

use std::fmt::Write as _;

use crate::bar::{target_legend, target_values};
use crate::svg::{
    data_num, esc, finite, fmt_num, header_height, legend_height, nice_ticks, px, text_width,
    tick_decimals, Doc, Scale, BAND_FILL, GRID, INK, MUTED, TARGET,
};
use crate::{Interval, LineChart, Target};

/// A series' values and intervals, one per year, non-finite ones dropped.
type Cleaned = (Vec<Option<f64>>, Vec<Option<Interval>>);

/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
const COLOURS: [&str; 7] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
];
/// Dash patterns on top of the colours, so the lines stay apart on a black-and-white
/// printer.
const DASHES: [&str; 4] = ["", "7 4", "2 3", "10 3 2 3"];

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}

fn dash_attr(i: usize) -> String {
    match DASHES[i % DASHES.len()] {
        "" => String::new(),
        d => format!(" stroke-dasharray=\"{d}\""),
    }
}

/// The y range: zero-based on request (or when the data straddle zero), otherwise
/// the data padded by 10% so no point sits on the frame, without crossing zero
/// when all data are on one side of it (a rate cannot look negative).
fn y_range(values: &[f64], zero_based: bool) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if zero_based {
        return (lo.min(0.0), hi.max(0.0));
    }
    let span = if hi > lo {
        hi - lo
    } else {
        hi.abs().max(1.0) * 0.1
    };
    let (mut a, mut b) = (lo - span * 0.1, hi + span * 0.1);
    if lo >= 0.0 {
        a = a.max(0.0);
    }
    if hi <= 0.0 {
        b = b.min(0.0);
    }
    // When zero is close anyway, include it: a true baseline costs little room.
    if lo > 0.0 && lo < hi * 0.25 {
        a = 0.0;
    }
    (a, b)
}

/// Draws a [`LineChart`] as an SVG 1.1 document.
///
/// Years are evenly spaced on the x axis. A `None` value breaks the line (an
/// isolated value is a dot); intervals are a translucent band in the series'
/// colour. Each series is labelled with its last value at its right end. When the
/// y axis does not reach zero, a break mark on the axis says so.
pub fn line_chart(c: &LineChart) -> String {
    let width = f64::from(c.width.max(300));
    let height = f64::from(c.height.max(200));
    let n = c.years.len();
    let unit = c.unit.trim();

    // Values clipped to the years; non-finite ones are gaps.
    let series: Vec<Cleaned> =
        c.series
            .iter()
            .map(|s| {
                let vals: Vec<Option<f64>> = (0..n)
                    .map(|i| finite(s.values.get(i).copied().flatten()))
                    .collect();
                let ivs: Vec<Option<Interval>> = (0..n)
                    .map(|i| {
                        s.intervals.get(i).copied().flatten().filter(|iv| {
                            vals[i].is_some() && iv.low.is_finite() && iv.high.is_finite()
                        })
                    })
                    .collect();
                (vals, ivs)
            })
            .collect();

    let mut all: Vec<f64> = Vec::new();
    for (vals, ivs) in &series {
        all.extend(vals.iter().flatten());
        for iv in ivs.iter().flatten() {
            all.extend([iv.low, iv.high]);
        }
    }
    all.extend(target_values(&c.target));
    let (lo, hi) = y_range(&all, c.zero_based);

    let mut legend: Vec<(String, String)> = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                format!(
                    "<line x1=\"0\" y1=\"6\" x2=\"24\" y2=\"6\" stroke=\"{}\" stroke-width=\"2.5\"{}/><circle cx=\"12\" cy=\"6\" r=\"3.5\" fill=\"{}\"/>",
                    colour(i),
                    dash_attr(i),
                    colour(i)
                ),
                s.name.clone(),
            )
        })
        .collect();
    if let Some(t) = &c.target {
        legend.push(target_legend(t, false));
    }
    let header_h = header_height(&c.title, unit);
    let plot_top = header_h + legend_height(width, &legend) + 10.0;
    let plot_bottom = height - 34.0;
    let intervals = (((plot_bottom - plot_top) / 50.0).floor() as usize).clamp(2, 8);
    let ticks = nice_ticks(lo, hi, intervals);
    let tick_dec = tick_decimals(&ticks);
    let tick_texts: Vec<String> = ticks.iter().map(|t| fmt_num(*t, tick_dec)).collect();

    let left = 12.0
        + tick_texts
            .iter()
            .map(|t| text_width(t, 11.0))
            .fold(0.0, f64::max)
        + 8.0;
    let last_texts: Vec<Option<(usize, String)>> = series
        .iter()
        .map(|(vals, _)| {
            vals.iter()
                .rposition(|v| v.is_some())
                .map(|i| (i, fmt_num(vals[i].unwrap_or_default(), c.decimals)))
        })
        .collect();
    let right = width
        - 12.0
        - last_texts
            .iter()
            .flatten()
            .map(|(_, t)| text_width(t, 11.0) + 8.0)
            .fold(0.0, f64::max);
    let ys = Scale::new(ticks[0], ticks[ticks.len() - 1], plot_bottom, plot_top);
    let pad = 18.0;
    let x_of = |i: usize| -> f64 {
        if n <= 1 {
            (left + right) / 2.0
        } else {
            left + pad + (right - left - 2.0 * pad) * i as f64 / (n - 1) as f64
        }
    };

    let mut d = Doc::new("line-chart", width, height);
    d.header(width, &c.title, unit);
    d.legend(width, header_h, &legend);

    // Axes and grid.
    d.raw("<g class=\"axis\">\n");
    for (t, text) in ticks.iter().zip(&tick_texts) {
        let y = ys.map(*t);
        d.line(
            left,
            y,
            right,
            y,
            &format!("stroke=\"{GRID}\" stroke-width=\"1\""),
        );
        d.text(
            left - 6.0,
            y + 4.0,
            11.0,
            "end",
            &format!("fill=\"{MUTED}\""),
            text,
        );
    }
    // Year labels: all of them up to 12, else every k-th so they do not collide.
    let every = n.div_ceil(12).max(1);
    for (i, year) in c.years.iter().enumerate() {
        let x = x_of(i);
        d.line(
            x,
            plot_bottom,
            x,
            plot_bottom + 4.0,
            &format!("stroke=\"{MUTED}\""),
        );
        if i % every == 0 || i + 1 == n {
            let partial = i + 1 == n && c.partial_last.is_some();
            d.text(
                x,
                plot_bottom + 18.0,
                11.0,
                "middle",
                &format!("class=\"year\" fill=\"{MUTED}\""),
                &if partial {
                    format!("{year}*")
                } else {
                    year.to_string()
                },
            );
        }
    }
    if let Some(note) = &c.partial_last {
        d.text(
            width - 8.0,
            height - 4.0,
            10.0,
            "end",
            &format!("class=\"partial-note\" fill=\"{MUTED}\""),
            &format!("* {note}"),
        );
    }
    d.line(
        left,
        plot_bottom,
        right,
        plot_bottom,
        &format!("stroke=\"{MUTED}\" stroke-width=\"1\""),
    );
    d.line(
        left,
        plot_top,
        left,
        plot_bottom,
        &format!("stroke=\"{MUTED}\" stroke-width=\"1\""),
    );
    if ticks[0] < 0.0 && ticks[ticks.len() - 1] > 0.0 {
        let y = ys.map(0.0);
        d.line(
            left,
            y,
            right,
            y,
            "class=\"zero-line\" stroke=\"#333\" stroke-width=\"1.2\"",
        );
    }
    if ticks[0] > 0.0 || ticks[ticks.len() - 1] < 0.0 {
        // The axis does not reach zero: the usual break mark, two slashes across
        // the axis, near the end where zero would be.
        let y = if ticks[0] > 0.0 {
            plot_bottom - 10.0
        } else {
            plot_top + 10.0
        };
        let _ = writeln!(
            d.out,
            "<path class=\"axis-break\" d=\"M{a} {b}L{c} {e}M{a} {f}L{c} {g}\" stroke=\"{INK}\" stroke-width=\"1.3\"/>",
            a = px(left - 5.0),
            c = px(left + 5.0),
            b = px(y + 1.0),
            e = px(y - 3.0),
            f = px(y + 5.0),
            g = px(y + 1.0)
        );
    }
    d.raw("</g>\n");

    match &c.target {
        Some(Target::Band { low, high, .. }) if low.is_finite() && high.is_finite() => {
            let (y0, y1) = (ys.map(low.max(*high)), ys.map(low.min(*high)));
            d.rect(
                left,
                y0,
                right - left,
                y1 - y0,
                &format!("class=\"target-band\" fill=\"{BAND_FILL}\" fill-opacity=\"0.22\""),
            );
        }
        Some(Target::Line { value, .. }) if value.is_finite() => {
            let y = ys.map(*value);
            d.line(
                left,
                y,
                right,
                y,
                &format!("class=\"target-line\" stroke=\"{TARGET}\" stroke-width=\"2\" stroke-dasharray=\"6 4\""),
            );
        }
        _ => {}
    }

    for (si, (s, (vals, ivs))) in c.series.iter().zip(&series).enumerate() {
        let col = colour(si);
        let _ = writeln!(
            d.out,
            "<g class=\"series\" data-series=\"{}\">",
            esc(&s.name)
        );

        // Interval bands, one polygon per run of consecutive years with an interval.
        for run in runs(ivs) {
            if run.len() == 1 {
                let i = run[0];
                let iv = ivs[i].unwrap_or(Interval {
                    low: 0.0,
                    high: 0.0,
                });
                d.line(x_of(i), ys.map(iv.low), x_of(i), ys.map(iv.high), &format!("class=\"interval\" stroke=\"{col}\" stroke-opacity=\"0.5\" stroke-width=\"3\""));
                continue;
            }
            let mut pts: Vec<String> = Vec::new();
            for &i in &run {
                let iv = ivs[i].unwrap_or(Interval {
                    low: 0.0,
                    high: 0.0,
                });
                pts.push(format!("{},{}", px(x_of(i)), px(ys.map(iv.high))));
            }
            for &i in run.iter().rev() {
                let iv = ivs[i].unwrap_or(Interval {
                    low: 0.0,
                    high: 0.0,
                });
                pts.push(format!("{},{}", px(x_of(i)), px(ys.map(iv.low))));
            }
            let _ = writeln!(
                d.out,
                "<polygon class=\"interval\" points=\"{}\" fill=\"{col}\" fill-opacity=\"0.15\"/>",
                pts.join(" ")
            );
        }

        // The line, broken at gaps.
        let mut path = String::new();
        for run in runs(vals) {
            if run.len() < 2 {
                continue;
            }
            for (k, &i) in run.iter().enumerate() {
                let _ = write!(
                    path,
                    "{}{} {}",
                    if k == 0 { "M" } else { "L" },
                    px(x_of(i)),
                    px(ys.map(vals[i].unwrap_or_default()))
                );
            }
        }
        if !path.is_empty() {
            let _ = writeln!(d.out, "<path class=\"line\" d=\"{path}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"{}/>", dash_attr(si));
        }

        for (i, v) in vals.iter().enumerate() {
            let Some(v) = v else { continue };
            let year = c.years[i];
            let mut tip = format!("{} {}: {}", s.name, year, fmt_num(*v, c.decimals));
            let mut attrs = format!(
                "class=\"point\" data-label=\"{year}\" data-value=\"{}\"",
                data_num(*v)
            );
            if let Some(iv) = ivs[i] {
                let _ = write!(
                    tip,
                    " (95%: {}–{})",
                    fmt_num(iv.low, c.decimals),
                    fmt_num(iv.high, c.decimals)
                );
                let _ = write!(
                    attrs,
                    " data-low=\"{}\" data-high=\"{}\"",
                    data_num(iv.low),
                    data_num(iv.high)
                );
            }
            if !unit.is_empty() {
                let _ = write!(tip, " {unit}");
            }
            let _ = writeln!(
                d.out,
                "<g {attrs}><title>{}</title><circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{col}\" stroke=\"#fff\" stroke-width=\"1\"/></g>",
                esc(&tip),
                px(x_of(i)),
                px(ys.map(*v))
            );
        }
        if let Some((i, text)) = &last_texts[si] {
            let v = vals[*i].unwrap_or_default();
            d.text(
                x_of(*i) + 7.0,
                ys.map(v) + 4.0,
                11.0,
                "start",
                &format!("class=\"last-value\" fill=\"{col}\" font-weight=\"bold\""),
                text,
            );
        }
        d.raw("</g>\n");
    }
    d.finish()
}

/// Runs of consecutive indices whose entry is `Some`.
fn runs<T>(xs: &[Option<T>]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    for (i, x) in xs.iter().enumerate() {
        if x.is_some() {
            cur.push(i);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_get_a_padded_range_not_a_zero_base() {
        let (a, b) = y_range(&[1.3, 1.6, 1.45], false);
        assert!(a > 1.0 && a < 1.3 && b > 1.6 && b < 2.0, "{a} {b}");
        assert_eq!(y_range(&[1.3, 1.6], true), (0.0, 1.6));
        // Small against the maximum: include zero.
        assert_eq!(y_range(&[2.0, 100.0], false).0, 0.0);
        // Straddling zero stays straddling; never pushed across it otherwise.
        let (a, b) = y_range(&[-3.0, 4.0], false);
        assert!(a < -3.0 && b > 4.0);
        assert!(y_range(&[0.0, 5.0], false).0 >= 0.0);
        assert_eq!(y_range(&[], false), (0.0, 1.0));
    }

    #[test]
    fn runs_split_at_gaps() {
        let xs = [Some(1), None, Some(2), Some(3), None, None, Some(4)];
        assert_eq!(runs(&xs), vec![vec![0], vec![2, 3], vec![6]]);
    }
}
