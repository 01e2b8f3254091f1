//! The population pyramid: age groups as rows, males to the left, females to the
//! right, on one symmetric scale.

use std::fmt::Write as _;

use crate::svg::{
    data_num, esc, fmt_num, header_height, nice_ticks, text_width, tick_decimals, Doc, Scale, GRID,
    MUTED,
};
use crate::PyramidChart;

pub(crate) const MALE: &str = "#3b75af";
pub(crate) const FEMALE: &str = "#d1495b";

/// Draws a [`PyramidChart`] as an SVG 1.1 document.
///
/// Both halves share one scale (the larger side decides it), so the shape can be
/// read at a glance; the age labels sit in a column between the halves. The line
/// under the title gives the male, female and total counts.
pub fn pyramid_chart(c: &PyramidChart) -> String {
    let width = f64::from(c.width.max(300));
    let height = f64::from(c.height.max(200));
    let n = c.groups.len();
    // Negative or non-finite counts are no persons, not a bar pointing inwards.
    let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let males: Vec<f64> = c.groups.iter().map(|g| clean(g.male)).collect();
    let females: Vec<f64> = c.groups.iter().map(|g| clean(g.female)).collect();
    let (tm, tf): (f64, f64) = (males.iter().sum(), females.iter().sum());
    let total = tm + tf;
    let pct = |v: f64| if total > 0.0 { v / total * 100.0 } else { 0.0 };
    let shown = |v: f64| if c.percent { pct(v) } else { v };
    let value_dec = if c.percent { c.decimals } else { 0 };
    let label = |v: f64| {
        let s = fmt_num(shown(v), value_dec);
        if c.percent {
            s + "%"
        } else {
            s
        }
    };

    let subtitle = format!(
        "{} {}\u{3000}{} {}\u{3000}{} {}",
        c.male_label,
        fmt_num(tm, 0),
        c.female_label,
        fmt_num(tf, 0),
        c.total_label,
        fmt_num(total, 0)
    );
    let header_h = header_height(&c.title, &subtitle);
    let plot_top = header_h + 26.0;
    let plot_bottom = height - 30.0;
    let rows = n.max(1) as f64;
    let row = (plot_bottom - plot_top) / rows;
    let value_font = (row * 0.72).clamp(7.0, 11.0);
    let show_values = row >= 10.0;

    let centre_w = c
        .groups
        .iter()
        .map(|g| text_width(&g.label, 11.0))
        .fold(28.0, f64::max)
        + 16.0;
    let value_w = if show_values {
        males
            .iter()
            .chain(&females)
            .map(|v| text_width(&label(*v), value_font))
            .fold(0.0, f64::max)
            + 8.0
    } else {
        0.0
    };
    let cx = width / 2.0;
    let (inner_l, inner_r) = (cx - centre_w / 2.0, cx + centre_w / 2.0);
    let (outer_l, outer_r) = (12.0 + value_w, width - 12.0 - value_w);

    let max = males
        .iter()
        .chain(&females)
        .map(|v| shown(*v))
        .fold(0.0, f64::max);
    let intervals = (((inner_l - outer_l) / 80.0).floor() as usize).clamp(2, 6);
    let ticks = nice_ticks(0.0, max, intervals);
    let tick_dec = tick_decimals(&ticks);
    let top_tick = ticks[ticks.len() - 1];
    let left_scale = Scale::new(0.0, top_tick, inner_l, outer_l);
    let right_scale = Scale::new(0.0, top_tick, inner_r, outer_r);

    let mut d = Doc::new("pyramid-chart", width, height);
    d.header(width, &c.title, &subtitle);
    // The side headings double as the legend: coloured like their bars.
    let head_y = header_h + 12.0;
    d.text(
        (inner_l + outer_l) / 2.0,
        head_y,
        14.0,
        "middle",
        &format!("class=\"side male\" fill=\"{MALE}\" font-weight=\"bold\""),
        &c.male_label,
    );
    d.text(
        (inner_r + outer_r) / 2.0,
        head_y,
        14.0,
        "middle",
        &format!("class=\"side female\" fill=\"{FEMALE}\" font-weight=\"bold\""),
        &c.female_label,
    );

    d.raw("<g class=\"axis\">\n");
    for t in &ticks {
        let text = fmt_num(*t, tick_dec) + if c.percent { "%" } else { "" };
        for s in [left_scale, right_scale] {
            let x = s.map(*t);
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
                &text,
            );
        }
    }
    d.line(
        outer_l,
        plot_bottom,
        inner_l,
        plot_bottom,
        &format!("stroke=\"{MUTED}\""),
    );
    d.line(
        inner_r,
        plot_bottom,
        outer_r,
        plot_bottom,
        &format!("stroke=\"{MUTED}\""),
    );
    d.raw("</g>\n");

    let bar_h = row * 0.82;
    for (i, g) in c.groups.iter().enumerate() {
        let cy = plot_bottom - row * (i as f64 + 0.5);
        d.text(cx, cy + 4.0, 11.0, "middle", "class=\"age\"", &g.label);
        for (sex, v, scale, colour, name) in [
            ("male", males[i], left_scale, MALE, &c.male_label),
            ("female", females[i], right_scale, FEMALE, &c.female_label),
        ] {
            let _ = writeln!(
                d.out,
                "<g class=\"bar {sex}\" data-label=\"{}\" data-sex=\"{sex}\" data-value=\"{}\" data-count=\"{}\">\n<title>{}</title>",
                esc(&g.label),
                data_num(shown(v)),
                data_num(v),
                esc(&format!("{name} {}: {} ({}%)", g.label, fmt_num(v, 0), fmt_num(pct(v), 1)))
            );
            let (x0, x1) = (scale.map(0.0), scale.map(shown(v)));
            d.rect(
                x0.min(x1),
                cy - bar_h / 2.0,
                (x1 - x0).abs(),
                bar_h,
                &format!("class=\"bar-rect\" fill=\"{colour}\""),
            );
            if show_values {
                let (x, anchor) = if sex == "male" {
                    (x1 - 4.0, "end")
                } else {
                    (x1 + 4.0, "start")
                };
                d.text(
                    x,
                    cy + value_font * 0.36,
                    value_font,
                    anchor,
                    &format!("class=\"value\" fill=\"{MUTED}\""),
                    &label(v),
                );
            }
            d.raw("</g>\n");
        }
    }
    d.finish()
}
