//! Writes one of each chart, SVG and PNG, into a folder (default `target/charts-gallery`)
//! so a person can look at them: `cargo run -p renkou-charts --example gallery [DIR]`.

use renkou_charts::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/charts-gallery".into());
    std::fs::create_dir_all(&dir)?;
    let villages = [
        "东坑村",
        "西坪村",
        "上洋村",
        "下洋村",
        "桥头村",
        "溪口村",
        "山后村",
        "岭下村",
        "新厝村",
        "后埔村",
        "前街社区",
        "城关居委会",
        "石门村",
        "黄田村",
        "A&B<村>",
    ];
    let bars: Vec<Bar> = villages
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let v = 98.0 + (i as f64 * 7.3) % 14.0;
            Bar {
                label: (*name).into(),
                value: if i == 5 { None } else { Some(v) },
                interval: Some(Interval {
                    low: v - 4.0 - i as f64 * 0.3,
                    high: v + 4.5,
                }),
                status: if (103.0..=107.0).contains(&v) {
                    Status::Good
                } else {
                    Status::Bad
                },
            }
        })
        .collect();
    let bar = bar_chart(&BarChart {
        title: "2025年各村出生人口性别比".into(),
        unit: "女=100".into(),
        decimals: 1,
        bars,
        target: Some(Target::Band {
            low: 103.0,
            high: 107.0,
            label: "正常范围 103–107".into(),
        }),
        ..Default::default()
    });
    let nat = bar_chart(&BarChart {
        title: "2025年各乡镇人口自然增长率".into(),
        unit: "单位：‰".into(),
        decimals: 2,
        bars: ["城关镇", "东山乡", "西溪镇", "南岭乡", "北坪乡"]
            .iter()
            .zip([3.21, -1.5, 0.4, -4.87, 1.0])
            .map(|(l, v)| Bar {
                label: (*l).into(),
                value: Some(v),
                ..Default::default()
            })
            .collect(),
        target: Some(Target::Line {
            value: 2.0,
            label: "规划目标 2‰".into(),
        }),
        ..Default::default()
    });
    // 40 villages, one with a long name, rates of both signs with intervals.
    let many = bar_chart(&BarChart {
        title: "2025年各村人口自然增长率".into(),
        unit: "单位：‰".into(),
        decimals: 1,
        bars: (0..40)
            .map(|i| {
                let v = ((i * 37) % 23) as f64 - 8.0;
                Bar {
                    label: if i == 7 {
                        "城关镇第一社区居民委员会（含原城南村）".into()
                    } else {
                        format!("第{}村", i + 1)
                    },
                    value: Some(v),
                    interval: Some(Interval {
                        low: v - 3.0,
                        high: v + 3.0,
                    }),
                    status: if v < 0.0 {
                        Status::Bad
                    } else {
                        Status::Neutral
                    },
                }
            })
            .collect(),
        ..Default::default()
    });
    let line = line_chart(&LineChart {
        title: "总和生育率 2016–2025".into(),
        unit: "单位：孩子/妇女".into(),
        decimals: 2,
        years: (2016..=2025).collect(),
        series: vec![
            Series {
                name: "全县".into(),
                values: vec![
                    Some(1.72),
                    Some(1.68),
                    Some(1.61),
                    Some(1.55),
                    Some(1.38),
                    Some(1.30),
                    Some(1.21),
                    Some(1.10),
                    Some(1.08),
                    Some(1.05),
                ],
                intervals: (0..10)
                    .map(|i| {
                        Some(Interval {
                            low: 1.72 - 0.07 * i as f64 - 0.08,
                            high: 1.72 - 0.07 * i as f64 + 0.08,
                        })
                    })
                    .collect(),
            },
            Series {
                name: "城关镇".into(),
                values: vec![
                    Some(1.5),
                    Some(1.45),
                    None,
                    Some(1.35),
                    Some(1.2),
                    Some(1.1),
                    None,
                    Some(0.98),
                    Some(0.95),
                    Some(0.9),
                ],
                intervals: vec![],
            },
        ],
        target: Some(Target::Line {
            value: 1.5,
            label: "目标 1.5".into(),
        }),
        ..Default::default()
    });
    let groups: Vec<PyramidGroup> = (0..18)
        .map(|i| {
            let label = if i == 17 {
                "85+".to_string()
            } else {
                format!("{}–{}", i * 5, i * 5 + 4)
            };
            let base = 1800.0 - (i as f64 - 6.0).powi(2) * 12.0 - i as f64 * 40.0;
            PyramidGroup {
                label,
                male: base.max(40.0) * 1.05,
                female: base.max(60.0),
            }
        })
        .collect();
    let pyr = pyramid_chart(&PyramidChart {
        title: "2025年全县人口金字塔".into(),
        groups: groups.clone(),
        ..Default::default()
    });
    let pyr_pct = pyramid_chart(&PyramidChart {
        title: "2025年全县人口金字塔（%）".into(),
        groups,
        percent: true,
        ..Default::default()
    });
    for (name, svg) in [
        ("bar", bar),
        ("bar-40", many),
        ("bar-negative", nat),
        ("line", line),
        ("pyramid", pyr),
        ("pyramid-percent", pyr_pct),
    ] {
        std::fs::write(format!("{dir}/{name}.svg"), &svg)?;
        std::fs::write(format!("{dir}/{name}.png"), svg_to_png(&svg, 1.0)?)?;
    }
    println!("written to {dir}");
    Ok(())
}
