//! The charts as a browser test or a report would see them: well-formed,
//! self-contained SVG whose bars and points can be found by their data attributes,
//! geometry that matches the numbers, and PNGs that decode and show glyphs.

use renkou_charts::*;
use resvg::tiny_skia::Pixmap;
use resvg::usvg::roxmltree::{Document, Node};

/// A label with every character XML cares about, and Chinese.
const NASTY: &str = "A&B <村> \"甲\" '乙'";

fn parse(svg: &str) -> Document<'_> {
    Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
}

fn class_is(n: &Node, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|w| w == class))
}

fn all<'a, 'i>(doc: &'a Document<'i>, class: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants().filter(|n| class_is(n, class)).collect()
}

fn num(n: &Node, attr: &str) -> f64 {
    n.attribute(attr)
        .unwrap_or_else(|| panic!("no {attr} on {n:?}"))
        .parse()
        .unwrap()
}

fn child<'a, 'i>(n: &Node<'a, 'i>, class: &str) -> Option<Node<'a, 'i>> {
    n.descendants().find(|c| class_is(c, class))
}

fn tooltip(n: &Node) -> String {
    n.children()
        .find(|c| c.has_tag_name("title"))
        .and_then(|t| t.text())
        .unwrap_or_else(|| panic!("no <title> in {n:?}"))
        .to_owned()
}

/// (left, right) edges of a bar's rectangle.
fn edges(bar: &Node) -> (f64, f64) {
    let r = child(bar, "bar-rect").expect("bar rectangle");
    let x = num(&r, "x");
    (x, x + num(&r, "width"))
}

fn bar(label: &str, value: Option<f64>) -> Bar {
    Bar {
        label: label.into(),
        value,
        ..Default::default()
    }
}

fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 0.05, "{a} != {b}");
}

/// Self-contained: sized, a viewBox, nothing fetched from elsewhere.
fn assert_standalone(svg: &str) {
    let doc = parse(svg);
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"));
    let (w, h) = (num(&root, "width"), num(&root, "height"));
    assert_eq!(
        root.attribute("viewBox"),
        Some(format!("0 0 {w} {h}").as_str())
    );
    assert!(root
        .attribute("font-family")
        .unwrap()
        .contains("WenQuanYi Micro Hei"));
    for bad in ["href", "url(", "@import", "<style", "<script"] {
        assert!(!svg.contains(bad), "SVG refers outside itself: {bad}");
    }
}

#[test]
fn bar_chart_keeps_order_escapes_labels_and_marks_missing_values() {
    let bars = vec![
        bar("东坑村", Some(12.5)),
        bar(NASTY, Some(3.25)),
        bar("溪口村", None),
        bar("非数", Some(f64::NAN)),
        bar("山后村", Some(0.0)),
    ];
    let svg = bar_chart(&BarChart {
        title: format!("标题 {NASTY}"),
        unit: "单位：‰ & <%>".into(),
        decimals: 2,
        bars: bars.clone(),
        ..Default::default()
    });
    assert_standalone(&svg);
    let doc = parse(&svg);
    let found = all(&doc, "bar");
    let labels: Vec<&str> = found
        .iter()
        .map(|n| n.attribute("data-label").unwrap())
        .collect();
    assert_eq!(
        labels,
        bars.iter().map(|b| b.label.as_str()).collect::<Vec<_>>()
    );
    // The title survives escaping too.
    assert!(all(&doc, "title")[0].text().unwrap().ends_with(NASTY));

    // Values: machine-readable attribute, human label with the decimals asked for.
    assert_eq!(found[0].attribute("data-value"), Some("12.5"));
    assert_eq!(child(&found[0], "value").unwrap().text(), Some("12.50"));
    assert!(tooltip(&found[1]).starts_with(&format!("{NASTY}: 3.25")));
    // No data (None, and NaN which is no number): no bar, a dash.
    for missing in [&found[2], &found[3]] {
        assert_eq!(missing.attribute("data-value"), Some(""));
        assert!(child(missing, "bar-rect").is_none());
        assert_eq!(child(missing, "value").unwrap().text(), Some("—"));
        assert!(tooltip(missing).ends_with(": —"));
    }
    // Zero is data: a bar of no width, not a dash.
    assert!(child(&found[4], "bar-rect").is_some());
    assert_eq!(child(&found[4], "value").unwrap().text(), Some("0.00"));
    // Bars go down the page in input order.
    let ys: Vec<f64> = found
        .iter()
        .map(|n| num(&child(n, "category").unwrap(), "y"))
        .collect();
    assert!(ys.windows(2).all(|w| w[0] < w[1]), "{ys:?}");
}

#[test]
fn bar_lengths_follow_values_and_negative_bars_grow_left_of_the_zero_line() {
    let svg = bar_chart(&BarChart {
        bars: vec![
            bar("甲", Some(-5.0)),
            bar("乙", Some(10.0)),
            bar("丙", Some(2.5)),
        ],
        ..Default::default()
    });
    let doc = parse(&svg);
    let bars = all(&doc, "bar");
    let zero = all(&doc, "zero-line")[0];
    let zx = num(&zero, "x1");
    let (neg, pos, small) = (edges(&bars[0]), edges(&bars[1]), edges(&bars[2]));
    // The negative bar ends at the zero line, the positive ones start there.
    assert_close(neg.1, zx);
    assert_close(pos.0, zx);
    assert_close(small.0, zx);
    // Lengths are proportional to the values.
    let per_unit = (pos.1 - pos.0) / 10.0;
    assert_close(neg.1 - neg.0, 5.0 * per_unit);
    assert_close(small.1 - small.0, 2.5 * per_unit);
    // Zero sits inside the axis, a third of the way from -5 to 10 at most: the
    // axis reaches at least -5 on the left.
    let grid_left = bars
        .iter()
        .map(|b| edges(b).0)
        .fold(f64::INFINITY, f64::min);
    assert!(grid_left < zx);
    // The negative value's label sits right of the zero line, clear of the names.
    let label = child(&bars[0], "value").unwrap();
    assert!(num(&label, "x") > zx);
    assert_eq!(label.text(), Some("-5.0"));
}

#[test]
fn target_band_and_line_are_drawn_at_their_values_with_a_legend() {
    let bars = vec![bar("甲", Some(50.0)), bar("乙", Some(110.0))];
    let band = bar_chart(&BarChart {
        bars: bars.clone(),
        target: Some(Target::Band {
            low: 103.0,
            high: 107.0,
            label: "正常范围 103–107".into(),
        }),
        ..Default::default()
    });
    let doc = parse(&band);
    let b = all(&doc, "bar");
    let (zero, x110) = edges(&b[1]);
    let x_of = |v: f64| zero + (x110 - zero) * v / 110.0;
    let rect = all(&doc, "target-band")[0];
    assert_close(num(&rect, "x"), x_of(103.0));
    assert_close(num(&rect, "x") + num(&rect, "width"), x_of(107.0));
    let legend = all(&doc, "legend")[0];
    assert!(legend
        .descendants()
        .any(|n| n.text() == Some("正常范围 103–107")));

    let line = bar_chart(&BarChart {
        bars,
        target: Some(Target::Line {
            value: 80.0,
            label: "目标".into(),
        }),
        ..Default::default()
    });
    let doc = parse(&line);
    assert!(all(&doc, "target-band").is_empty());
    let l = all(&doc, "target-line")[0];
    assert_close(num(&l, "x1"), x_of(80.0));
    assert!(all(&doc, "legend")[0]
        .descendants()
        .any(|n| n.text() == Some("目标")));
}

#[test]
fn intervals_are_whiskers_and_tooltips() {
    let svg = bar_chart(&BarChart {
        bars: vec![Bar {
            label: "甲".into(),
            value: Some(105.3),
            interval: Some(Interval {
                low: 98.1,
                high: 112.4,
            }),
            status: Status::Good,
        }],
        ..Default::default()
    });
    let doc = parse(&svg);
    let b = all(&doc, "bar")[0];
    assert!(child(&b, "whisker").is_some());
    assert_eq!(b.attribute("data-low"), Some("98.1"));
    assert_eq!(b.attribute("data-high"), Some("112.4"));
    assert_eq!(b.attribute("data-status"), Some("good"));
    assert_eq!(tooltip(&b), "甲: 105.3 (95%: 98.1–112.4)");
    // The value label clears the whisker.
    // The whisker path is "M{low} {y}H{high}…": its right end follows the H.
    let d = child(&b, "whisker")
        .unwrap()
        .attribute("d")
        .unwrap()
        .to_owned();
    let whisker_end: f64 = d
        .split('H')
        .nth(1)
        .and_then(|s| s.split('M').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(num(&child(&b, "value").unwrap(), "x") > whisker_end);
}

#[test]
fn bar_chart_height_grows_with_the_bars_unless_fixed() {
    let height = |n: usize, fixed: Option<u32>| {
        let svg = bar_chart(&BarChart {
            bars: (0..n)
                .map(|i| bar(&format!("第{i}村"), Some(i as f64)))
                .collect(),
            height: fixed,
            ..Default::default()
        });
        num(&parse(&svg).root_element(), "height")
    };
    assert!(height(40, None) > height(10, None) + 500.0);
    assert_eq!(height(40, Some(600)), 600.0);
    // Nothing to draw still draws a valid, empty chart.
    assert!(height(0, None) > 0.0);
}

fn tfr_chart(zero_based: bool) -> LineChart {
    LineChart {
        title: format!("总和生育率 {NASTY}"),
        unit: "孩子/妇女".into(),
        decimals: 2,
        years: (2016..=2025).collect(),
        series: vec![
            Series {
                name: "全县".into(),
                values: (0..10).map(|i| Some(1.7 - 0.06 * i as f64)).collect(),
                intervals: (0..10)
                    .map(|i| {
                        Some(Interval {
                            low: 1.62 - 0.06 * i as f64,
                            high: 1.78 - 0.06 * i as f64,
                        })
                    })
                    .collect(),
            },
            Series {
                name: NASTY.into(),
                values: vec![
                    Some(1.5),
                    Some(1.4),
                    None,
                    Some(1.3),
                    Some(1.2),
                    None,
                    None,
                    Some(1.0),
                    Some(0.9),
                    Some(0.95),
                ],
                intervals: vec![],
            },
        ],
        target: Some(Target::Band {
            low: 1.3,
            high: 1.5,
            label: "适度区间".into(),
        }),
        zero_based,
        ..Default::default()
    }
}

#[test]
fn line_chart_breaks_at_gaps_and_tags_every_point() {
    let svg = line_chart(&tfr_chart(false));
    assert_standalone(&svg);
    let doc = parse(&svg);
    let series = all(&doc, "series");
    assert_eq!(
        series
            .iter()
            .map(|s| s.attribute("data-series").unwrap())
            .collect::<Vec<_>>(),
        vec!["全县", NASTY]
    );
    // One point per value present, each with a tooltip; none for the gaps.
    let points = |s: &Node| -> Vec<String> {
        s.descendants()
            .filter(|n| class_is(n, "point"))
            .map(|n| n.attribute("data-label").unwrap().to_owned())
            .collect()
    };
    assert_eq!(points(&series[0]).len(), 10);
    assert_eq!(
        points(&series[1]),
        ["2016", "2017", "2019", "2020", "2023", "2024", "2025"]
    );
    let first = series[1]
        .descendants()
        .find(|n| class_is(n, "point"))
        .unwrap();
    assert_eq!(tooltip(&first), format!("{NASTY} 2016: 1.50 孩子/妇女"));
    // The line restarts after each gap: three runs of two or more points.
    let d = child(&series[1], "line").unwrap().attribute("d").unwrap();
    assert_eq!(d.matches('M').count(), 3, "{d}");
    // The first series' intervals: one band, and the point tooltips carry them.
    assert_eq!(
        series[0]
            .descendants()
            .filter(|n| class_is(n, "interval"))
            .count(),
        1
    );
    let p = series[0]
        .descendants()
        .find(|n| class_is(n, "point"))
        .unwrap();
    assert_eq!(tooltip(&p), "全县 2016: 1.70 (95%: 1.62–1.78) 孩子/妇女");
    // Target band, legend with both series and the target.
    assert_eq!(all(&doc, "target-band").len(), 1);
    let legend: Vec<&str> = all(&doc, "legend")[0]
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(legend, vec!["全县", NASTY, "适度区间"]);
    // Years along the bottom, in order.
    let years: Vec<&str> = all(&doc, "year").iter().filter_map(|n| n.text()).collect();
    assert_eq!(years.first(), Some(&"2016"));
    assert_eq!(years.last(), Some(&"2025"));
}

#[test]
fn line_chart_y_axis_says_when_it_does_not_start_at_zero() {
    let padded = line_chart(&tfr_chart(false));
    let doc = parse(&padded);
    assert_eq!(all(&doc, "axis-break").len(), 1);
    let zero_based = line_chart(&tfr_chart(true));
    let doc = parse(&zero_based);
    assert!(all(&doc, "axis-break").is_empty());
    // The padded axis really zooms in: the same points spread over more pixels.
    let spread = |svg: &str| {
        let doc = parse(svg);
        let ys: Vec<f64> = doc
            .descendants()
            .filter(|n| {
                n.has_tag_name("circle") && n.parent().is_some_and(|p| class_is(&p, "point"))
            })
            .map(|n| num(&n, "cy"))
            .collect();
        ys.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - ys.iter().copied().fold(f64::INFINITY, f64::min)
    };
    assert!(spread(&padded) > spread(&zero_based) * 1.5);
}

#[test]
fn line_chart_draws_a_zero_line_for_values_of_both_signs() {
    let svg = line_chart(&LineChart {
        years: vec![2023, 2024, 2025],
        series: vec![Series {
            name: "自然增长率".into(),
            values: vec![Some(2.0), Some(-1.0), Some(-3.5)],
            intervals: vec![],
        }],
        ..Default::default()
    });
    let doc = parse(&svg);
    let zero = all(&doc, "zero-line")[0];
    let y0 = num(&zero, "y1");
    let cys: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") && n.parent().is_some_and(|p| class_is(&p, "point")))
        .map(|n| num(&n, "cy"))
        .collect();
    // SVG y grows downwards: positive above the zero line, negative below, and
    // distances proportional to the values.
    assert!(cys[0] < y0 && cys[1] > y0 && cys[2] > y0);
    assert_close((cys[2] - y0) / (y0 - cys[0]), 3.5 / 2.0);
}

fn groups() -> Vec<PyramidGroup> {
    (0..18)
        .map(|i| PyramidGroup {
            label: if i == 17 {
                "85+".into()
            } else {
                format!("{}–{}", i * 5, i * 5 + 4)
            },
            male: 1000.0 - 50.0 * i as f64,
            female: if i == 3 {
                1000.0 - 50.0 * 3.0
            } else {
                900.0 - 45.0 * i as f64
            },
        })
        .collect()
}

#[test]
fn pyramid_is_symmetric_with_totals_and_escaped_labels() {
    let mut g = groups();
    g[0].label = NASTY.into();
    let svg = pyramid_chart(&PyramidChart {
        title: format!("金字塔 {NASTY}"),
        groups: g,
        ..Default::default()
    });
    assert_standalone(&svg);
    let doc = parse(&svg);
    let males = all(&doc, "male")
        .into_iter()
        .filter(|n| class_is(n, "bar"))
        .collect::<Vec<_>>();
    let females = all(&doc, "female")
        .into_iter()
        .filter(|n| class_is(n, "bar"))
        .collect::<Vec<_>>();
    assert_eq!((males.len(), females.len()), (18, 18));
    assert_eq!(males[0].attribute("data-label"), Some(NASTY));
    assert_eq!(males[17].attribute("data-label"), Some("85+"));
    // Males end at the centre column's left edge, females start at its right,
    // equal counts make equal lengths (one scale for both sides).
    let (ml, mr) = edges(&males[3]);
    let (fl, fr) = edges(&females[3]);
    assert_close(mr - ml, fr - fl);
    let root = doc.root_element();
    assert_close((mr + fl) / 2.0, num(&root, "width") / 2.0);
    // Youngest at the bottom.
    let y = |n: &Node| num(&child(n, "bar-rect").unwrap(), "y");
    assert!(y(&males[0]) > y(&males[17]));
    // Totals under the title: 男 15,750 女 9,585 ...
    let total_m: f64 = groups().iter().map(|g| g.male).sum();
    let total_f: f64 = groups().iter().map(|g| g.female).sum();
    let subtitle = all(&doc, "subtitle")[0].text().unwrap().to_owned();
    assert_eq!(
        subtitle,
        format!(
            "男 {}\u{3000}女 {}\u{3000}合计 {}",
            group3(total_m),
            group3(total_f),
            group3(total_m + total_f)
        )
    );
}

fn group3(v: f64) -> String {
    let s = format!("{v:.0}");
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn pyramid_in_percent_adds_up_to_one_hundred() {
    let svg = pyramid_chart(&PyramidChart {
        groups: groups(),
        percent: true,
        ..Default::default()
    });
    let doc = parse(&svg);
    let sum: f64 = all(&doc, "bar").iter().map(|n| num(n, "data-value")).sum();
    assert_close(sum, 100.0);
    assert!(all(&doc, "value")
        .iter()
        .all(|n| n.text().unwrap().ends_with('%')));
}

// --- PNG ---

fn ihdr_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

fn svg_size(svg: &str) -> (f64, f64) {
    let doc = parse(svg);
    let root = doc.root_element();
    (num(&root, "width"), num(&root, "height"))
}

fn non_white_pixels(png: &[u8]) -> usize {
    let p = Pixmap::decode_png(png).expect("PNG decodes");
    p.pixels()
        .iter()
        .filter(|c| (c.red(), c.green(), c.blue()) != (255, 255, 255))
        .count()
}

#[test]
fn every_chart_renders_to_a_png_of_its_size_times_the_scale() {
    let charts = [
        bar_chart(&BarChart {
            title: "各村".into(),
            bars: vec![bar(NASTY, Some(3.0)), bar("乙", Some(-1.0))],
            ..Default::default()
        }),
        line_chart(&tfr_chart(false)),
        pyramid_chart(&PyramidChart {
            groups: groups(),
            ..Default::default()
        }),
    ];
    for svg in &charts {
        let (w, h) = svg_size(svg);
        for scale in [1.0f32, 2.0] {
            let png = svg_to_png(svg, scale).unwrap();
            assert_eq!(
                ihdr_size(&png),
                (
                    (w * scale as f64).round() as u32,
                    (h * scale as f64).round() as u32
                )
            );
            // Something was drawn on the white background.
            assert!(non_white_pixels(&png) > 1000);
        }
    }
}

#[test]
fn png_export_refuses_nonsense() {
    let svg = bar_chart(&BarChart::default());
    for scale in [0.0, -1.0, f32::NAN, f32::INFINITY, 100.0] {
        assert!(matches!(svg_to_png(&svg, scale), Err(ChartError::Scale(_))));
    }
    assert!(matches!(svg_to_png("<svg", 1.0), Err(ChartError::Svg(_))));
}

/// Proves Chinese glyphs are drawn, not boxes: two different Chinese-only labels
/// must give different pictures (missing glyphs would all be the same ".notdef"
/// box), and either differs from no label at all.
#[test]
fn chinese_labels_are_drawn_with_real_glyphs() {
    if !cjk_font_available() {
        let msg = "no CJK font (Debian: apt-get install fonts-wqy-microhei): \
                   cannot check that Chinese labels render";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
        eprintln!("SKIPPED: {msg}");
        return;
    }
    let render = |label: &str| {
        let svg = bar_chart(&BarChart {
            bars: vec![bar(label, Some(1.0))],
            ..Default::default()
        });
        Pixmap::decode_png(&svg_to_png(&svg, 1.0).unwrap())
            .unwrap()
            .data()
            .to_vec()
    };
    let empty = render("");
    let zhong = render("中中中中");
    let guo = render("国国国国");
    assert_ne!(zhong, empty, "the Chinese label drew nothing");
    assert_ne!(
        zhong, guo,
        "different characters drew the same (missing-glyph) shapes"
    );
}

#[test]
fn empty_inputs_still_give_valid_charts() {
    for svg in [
        bar_chart(&BarChart::default()),
        bar_chart(&BarChart {
            bars: vec![bar("甲", None), bar("乙", None)],
            ..Default::default()
        }),
        line_chart(&LineChart::default()),
        line_chart(&LineChart {
            years: vec![2025],
            series: vec![Series {
                name: "甲".into(),
                values: vec![None],
                intervals: vec![],
            }],
            ..Default::default()
        }),
        pyramid_chart(&PyramidChart::default()),
    ] {
        assert_standalone(&svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}

#[test]
fn an_overlong_name_is_shortened_on_the_chart_but_kept_whole_in_the_data() {
    let long = "城关镇第一社区居民委员会（含原城南村、城北村和城西村）".repeat(2);
    let svg = bar_chart(&BarChart {
        bars: vec![bar(&long, Some(1.0)), bar("甲", Some(2.0))],
        ..Default::default()
    });
    let doc = parse(&svg);
    let b = all(&doc, "bar")[0];
    assert_eq!(b.attribute("data-label"), Some(long.as_str()));
    assert!(tooltip(&b).starts_with(&long));
    let shown = child(&b, "category").unwrap().text().unwrap().to_owned();
    assert!(shown.ends_with('…') && shown.chars().count() < long.chars().count());
    // The bars keep most of the width.
    let (l, _) = edges(&b);
    assert!(l < 800.0 * 0.4, "{l}");
}

#[test]
fn png_export_reads_no_files_named_in_the_svg() {
    // A nested SVG file on disk that would paint everything black.
    let path = std::env::temp_dir().join(format!("renkou-charts-{}.svg", std::process::id()));
    std::fs::write(
        &path,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#,
    )
    .unwrap();
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image width="10" height="10" xlink:href="{}"/></svg>"#,
        path.display()
    );
    let png = svg_to_png(&svg, 1.0);
    std::fs::remove_file(&path).ok();
    assert_eq!(non_white_pixels(&png.unwrap()), 0);
}
