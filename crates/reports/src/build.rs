//! A report's document from its template and figures: the template's context
//! (see [`crate::templates`]), its lines turned into blocks, the tables and
//! charts its directives ask for. The same tables become the sheets of the xlsx.

use crate::error::Error;
use crate::figures::{Area, Areas, Figures, QualityRow, Request};
use crate::templates::{self, Template};
use chrono::Datelike;
use renkou_documents::{
    Align, Block, Cell, Column, Document, Heading, HeadingLevel, Image, Orientation, Paragraph,
    Shading, Table,
};
use renkou_stats::catalogue::{Indicator, Kind as IndicatorKind};
use renkou_stats::{GapStatus, Period, PeriodKind};
use serde_json::{json, Map, Value};

/// A cell of a sheet: numbers stay numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetCell {
    Text(String),
    /// A count.
    Int(i64),
    /// A rate or ratio, shown with two decimals, stored exactly.
    Number(f64),
    Empty,
}

/// One table as a worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<SheetCell>>,
}

/// What a report is made of before it is written in a format.
#[derive(Debug, Clone)]
pub struct Built {
    pub document: Document,
    pub sheets: Vec<Sheet>,
}

/// How a value reads in a table or a sentence: counts whole, everything else with
/// two decimals, `—` where there is no value (a zero denominator).
pub fn show(code: &str, value: Option<f64>) -> String {
    match value {
        None => "—".to_string(),
        Some(v) => match Indicator::parse(code).map(Indicator::kind) {
            Some(IndicatorKind::Count) => format!("{v:.0}"),
            _ => format!("{v:.2}"),
        },
    }
}

fn quarter_zh(q: u32) -> &'static str {
    ["一", "二", "三", "四"][(q.clamp(1, 4) - 1) as usize]
}

/// 2024年, 2024年第三季度, 2024年9月, 2024年1月1日至2024年9月30日.
pub fn period_label(p: Period) -> String {
    let (f, l) = (p.first_day(), p.last_day());
    match p.kind() {
        PeriodKind::Year => format!("{}年", f.year()),
        PeriodKind::Quarter => format!("{}年第{}季度", f.year(), quarter_zh(f.month().div_ceil(3))),
        PeriodKind::Month => format!("{}年{}月", f.year(), f.month()),
        PeriodKind::Range => format!(
            "{}年{}月{}日至{}年{}月{}日",
            f.year(),
            f.month(),
            f.day(),
            l.year(),
            l.month(),
            l.day()
        ),
    }
}

/// 全县, 全镇, 全乡, 全村 by the last character of the area's name.
fn whole(name: &str) -> String {
    match name.chars().last() {
        Some(c @ ('县' | '镇' | '乡' | '村' | '区' | '市')) => format!("全{c}"),
        _ => "全区".to_string(),
    }
}

const ORDER_CODES: [&str; 3] = ["share_order1", "share_order2", "share_order3p"];

fn area_json(a: &Area) -> Value {
    let mut f = Map::new();
    let mut n = Map::new();
    let mut d = Map::new();
    for (code, fig) in &a.figures {
        f.insert(code.clone(), Value::String(show(code, fig.value)));
        n.insert(code.clone(), json!(fig.numerator));
        d.insert(
            code.clone(),
            fig.denominator.map_or(Value::Null, |x| json!(x)),
        );
    }
    json!({
        "code": a.code.as_str(),
        "name": a.name,
        "whole": whole(&a.name),
        "f": f,
        "n": n,
        "d": d,
        "births_male": a.numerator("srb"),
        "births_female": a.denominator("srb"),
        "order1": a.numerator(ORDER_CODES[0]),
        "order2": a.numerator(ORDER_CODES[1]),
        "order3": a.numerator(ORDER_CODES[2]),
        "moved_in": a.moved_in,
        "moved_out": a.moved_out,
    })
}

/// One target's line: region, indicator, target, actual, gap.
#[derive(Debug, Clone, PartialEq)]
pub struct GapLine {
    pub region_code: String,
    pub region_name: String,
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub target: f64,
    pub actual: Option<f64>,
    pub gap: renkou_stats::Gap,
}

/// The targets of the areas inside `under` (the report's area and below), in the
/// order of the areas, then of the catalogue.
pub fn gap_lines(areas: &Areas, figures: &Figures, under: &Area) -> Vec<GapLine> {
    let mut out = Vec::new();
    for a in &areas.list {
        if !under.code.contains(&a.code) {
            continue;
        }
        let mut targets: Vec<_> = figures
            .targets
            .iter()
            .filter(|t| t.region == a.code)
            .collect();
        let rank = |code: &str| {
            Indicator::ALL
                .iter()
                .position(|i| i.code() == code)
                .unwrap_or(usize::MAX)
        };
        targets.sort_by_key(|t| (rank(&t.indicator), t.indicator.clone()));
        for t in targets {
            let actual = a.value(&t.indicator);
            let ind = Indicator::parse(&t.indicator);
            out.push(GapLine {
                region_code: a.code.as_str().to_string(),
                region_name: a.name.clone(),
                indicator: t.indicator.clone(),
                name: ind.map_or(t.indicator.clone(), |i| i.name_zh().to_string()),
                unit: ind.map_or(String::new(), |i| i.unit_zh().to_string()),
                target: t.value,
                actual,
                gap: t.gap(actual),
            });
        }
    }
    out
}

fn quality_row_json(r: &QualityRow) -> Value {
    json!({
        "code": r.region_code,
        "name": r.region_name,
        "register_births": r.register_births,
        "source_births": r.source_births,
        "matched": r.matched,
        "agreeing": r.agreeing,
        "accuracy": r.accuracy.map_or("—".to_string(), |a| format!("{a:.2}")),
        "missed": r.missed,
        "duplicated": r.duplicated,
        "misreported": r.misreported,
        "open": r.open,
        "decided": r.decided,
    })
}

/// The context a template runs on (documented in [`crate::templates`]).
pub fn context(request: &Request, figures: &Figures, areas: &Areas) -> Result<Value, Error> {
    let root = areas.root().ok_or_else(no_figures)?;
    let children = areas.children(&root.code);
    let sections: Vec<Value> = children
        .iter()
        .filter(|c| !areas.children(&c.code).is_empty())
        .map(|c| area_json(c))
        .collect();
    let gaps = gap_lines(areas, figures, root);
    let gap_json: Vec<Value> = gaps
        .iter()
        .map(|g| {
            json!({
                "region": g.region_name,
                "code": g.region_code,
                "name": g.name,
                "unit": g.unit,
                "target": format!("{:.2}", g.target),
                "actual": show(&g.indicator, g.actual),
                "gap": g.gap.signed(2),
                "good": g.gap.status == GapStatus::Good || g.gap.status == GapStatus::Neutral,
            })
        })
        .collect();
    let quality: Vec<Value> = figures
        .quality
        .iter()
        .map(|q| {
            json!({
                "title": q.title,
                "total": q.rows.first().map(quality_row_json).unwrap_or(Value::Null),
                "rows": q.rows.iter().map(quality_row_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let p = request.period;
    let end = p.last_day();
    let activities = activities_json(&figures.activities);
    Ok(json!({
        "activities": activities,
        "area": area_json(root),
        "children": children.iter().map(|c| area_json(c)).collect::<Vec<_>>(),
        "sections": sections,
        "period": {
            "label": period_label(p),
            "code": p.to_string(),
            "end": format!("{}月{}日", end.month(), end.day()),
            "end_full": format!("{}年{}月{}日", end.year(), end.month(), end.day()),
            "year": end.year(),
        },
        "gaps": gap_json,
        "gaps_good": gaps.iter().filter(|g| g.gap.status == GapStatus::Good || g.gap.status == GapStatus::Neutral).count(),
        "gaps_bad": gaps.iter().filter(|g| g.gap.status == GapStatus::Bad).count(),
        "quality": quality,
        "kind_name": request.kind.name_zh(),
        "version": figures.register_version,
    }))
}

/// The period's activities for the template: totals and one entry per activity.
fn activities_json(list: &[crate::figures::ActivityFigure]) -> Value {
    let (mut trainings, mut training_attendance, mut publicity, mut materials) = (0, 0, 0, 0);
    let (mut meetings, mut meeting_attendance) = (0, 0);
    for a in list {
        match a.kind.as_str() {
            "training" => {
                trainings += 1;
                training_attendance += a.attendance;
            }
            "publicity" => {
                publicity += 1;
                materials += a.materials;
            }
            "meeting" => {
                meetings += 1;
                meeting_attendance += a.attendance;
            }
            _ => {}
        }
    }
    let kind_zh = |k: &str| match k {
        "training" => "培训",
        "publicity" => "宣传品发放",
        "meeting" => "会议",
        _ => "活动",
    };
    json!({
        "any": !list.is_empty(),
        "count": list.len(),
        "trainings": trainings,
        "training_attendance": training_attendance,
        "publicity": publicity,
        "materials": materials,
        "meetings": meetings,
        "meeting_attendance": meeting_attendance,
        "list": list.iter().map(|a| json!({
            "date": format!("{}月{}日", a.held_on.month(), a.held_on.day()),
            "date_full": format!("{}年{}月{}日", a.held_on.year(), a.held_on.month(), a.held_on.day()),
            "kind": a.kind,
            "kind_zh": kind_zh(&a.kind),
            "title": a.title,
            "attendance": a.attendance,
            "materials": a.materials,
            "region_code": a.region_code,
        })).collect::<Vec<_>>(),
    })
}

fn no_figures() -> Error {
    Error::Figures("没有该区划的统计数据 / no figures for the region".into())
}

/// The statistical form's columns: header, and how an area's cell is read.
enum Col {
    Count(&'static str),
    Numerator(&'static str),
    Denominator(&'static str),
    MovedIn,
    MovedOut,
    Value(&'static str),
}

const STATISTICAL: [(&str, Col); 16] = [
    ("年中人口", Col::Count("population_midyear")),
    ("出生合计", Col::Count("births")),
    ("男", Col::Numerator("srb")),
    ("女", Col::Denominator("srb")),
    ("一孩", Col::Numerator("share_order1")),
    ("二孩", Col::Numerator("share_order2")),
    ("三孩及以上", Col::Numerator("share_order3p")),
    ("死亡", Col::Count("deaths")),
    ("迁入", Col::MovedIn),
    ("迁出", Col::MovedOut),
    ("出生率（‰）", Col::Value("cbr")),
    ("死亡率（‰）", Col::Value("cdr")),
    ("自然增长率（‰）", Col::Value("natural_increase_rate")),
    ("一般生育率（‰）", Col::Value("gfr")),
    ("总和生育率", Col::Value("tfr")),
    ("出生人口性别比", Col::Value("srb")),
];

fn stat_cell(a: &Area, col: &Col) -> (String, SheetCell) {
    let int = |n: i64| (n.to_string(), SheetCell::Int(n));
    match col {
        Col::Count(c) => int(a.numerator(c)),
        Col::Numerator(c) => int(a.numerator(c)),
        Col::Denominator(c) => int(a.denominator(c)),
        Col::MovedIn => int(a.moved_in as i64),
        Col::MovedOut => int(a.moved_out as i64),
        Col::Value(c) => {
            let v = a.value(c);
            (show(c, v), v.map_or(SheetCell::Empty, SheetCell::Number))
        }
    }
}

fn sheet_name(base: &str, taken: &[Sheet]) -> String {
    // Excel: at most 31 characters, none of []:*?/\ , unique.
    let clean: String = base
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(28)
        .collect();
    let mut name = clean.clone();
    let mut k = 2;
    while taken.iter().any(|s| s.name == name) {
        name = format!("{clean}{k}");
        k += 1;
    }
    name
}

/// 报表 of `area`: a line per region directly below it and the total (just the
/// area's own line for a village).
fn statistical(areas: &Areas, area: &Area, number: usize, sheets: &mut Vec<Sheet>) -> Table {
    let mut columns = vec![Column::text("区划", 2.6)];
    columns.extend(STATISTICAL.iter().map(|(h, col)| {
        let width = match col {
            Col::Value(_) => 1.55,
            _ if h.chars().count() > 3 => 1.2,
            _ => 1.0,
        };
        Column::number(*h, width)
    }));
    let caption = format!("表{number} {}人口统计报表", area.name);
    let mut table = Table::new(columns).caption(caption.clone());
    let mut headers = vec!["区划代码".to_string(), "区划名称".to_string()];
    headers.extend(STATISTICAL.iter().map(|(h, _)| h.to_string()));
    let mut rows = Vec::new();
    let children = areas.children(&area.code);
    let mut line = |a: &Area, label: String, total: bool, table: Table| {
        let mut cells = vec![Cell::text(label.clone())];
        let mut sheet = vec![
            SheetCell::Text(a.code.as_str().to_string()),
            SheetCell::Text(label),
        ];
        for (_, col) in &STATISTICAL {
            let (text, cell) = stat_cell(a, col);
            cells.push(Cell::text(text));
            sheet.push(cell);
        }
        rows.push(sheet);
        if total {
            table.total_row(cells)
        } else {
            table.row(cells)
        }
    };
    for c in &children {
        table = line(c, c.name.clone(), false, table);
    }
    let label = if children.is_empty() {
        area.name.clone()
    } else {
        format!("合计（{}）", area.name)
    };
    table = line(area, label, !children.is_empty(), table);
    let name = sheet_name(&format!("报表-{}", area.name), sheets);
    sheets.push(Sheet {
        name,
        headers,
        rows,
    });
    table
}

fn gaps_table(
    areas: &Areas,
    figures: &Figures,
    area: &Area,
    number: usize,
    sheets: &mut Vec<Sheet>,
) -> Table {
    let headers = ["区划", "指标", "单位", "目标值", "实际值", "差距", "状态"];
    let mut table = Table::new(vec![
        Column::text(headers[0], 2.5),
        Column::text(headers[1], 3.0),
        Column::centered(headers[2], 1.2),
        Column::number(headers[3], 1.3),
        Column::number(headers[4], 1.3),
        Column::number(headers[5], 1.3),
        Column::centered(headers[6], 1.2),
    ])
    .caption(format!("表{number} {}目标值·实际值·差距", area.name));
    let mut rows = Vec::new();
    for g in gap_lines(areas, figures, area) {
        let (status, shading) = match g.gap.status {
            GapStatus::Good | GapStatus::Neutral => ("达标", Some(Shading::Good)),
            GapStatus::Bad => ("未达标", Some(Shading::Bad)),
            GapStatus::NoData => ("无数据", None),
        };
        let mut gap_cell = Cell::text(g.gap.signed(2));
        if let Some(s) = shading {
            gap_cell = gap_cell.shaded(s);
        }
        table = table.row(vec![
            Cell::text(g.region_name.clone()),
            Cell::text(g.name.clone()),
            Cell::text(g.unit.clone()),
            Cell::text(format!("{:.2}", g.target)),
            Cell::text(show(&g.indicator, g.actual)),
            gap_cell,
            Cell::text(status),
        ]);
        rows.push(vec![
            SheetCell::Text(g.region_name),
            SheetCell::Text(g.name),
            SheetCell::Text(g.unit),
            SheetCell::Number(g.target),
            g.actual.map_or(SheetCell::Empty, SheetCell::Number),
            g.gap.gap.map_or(SheetCell::Empty, SheetCell::Number),
            SheetCell::Text(status.to_string()),
        ]);
    }
    if rows.is_empty() {
        table = table.row(vec![
            Cell::text("（未设目标值）"),
            Cell::text(""),
            Cell::text(""),
            Cell::text(""),
            Cell::text(""),
            Cell::text(""),
            Cell::text(""),
        ]);
    }
    let name = sheet_name(&format!("目标差距-{}", area.name), sheets);
    sheets.push(Sheet {
        name,
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    });
    table
}

const QUALITY_HEADERS: [&str; 10] = [
    "区划",
    "登记出生",
    "来源出生",
    "匹配",
    "一致",
    "准确率（%）",
    "漏报",
    "重报",
    "错报",
    "待审核",
];

fn quality_tables(figures: &Figures, number: &mut usize, sheets: &mut Vec<Sheet>) -> Vec<Table> {
    let mut out = Vec::new();
    for q in &figures.quality {
        let mut columns = vec![Column::text(QUALITY_HEADERS[0], 2.6)];
        columns.extend(QUALITY_HEADERS[1..].iter().map(|h| Column::number(*h, 1.2)));
        let mut table = Table::new(columns).caption(format!("表{} {}", *number, q.title));
        *number += 1;
        let mut rows = Vec::new();
        for (i, r) in q.rows.iter().enumerate() {
            let ints = [r.register_births, r.source_births, r.matched, r.agreeing];
            let more = [r.missed, r.duplicated, r.misreported, r.open];
            let mut cells = vec![Cell::text(r.region_name.clone())];
            cells.extend(ints.iter().map(|n| Cell::text(n.to_string())));
            cells.push(Cell::text(
                r.accuracy.map_or("—".to_string(), |a| format!("{a:.2}")),
            ));
            cells.extend(more.iter().map(|n| Cell::text(n.to_string())));
            table = if i == 0 {
                table.total_row(cells)
            } else {
                table.row(cells)
            };
            let mut sheet = vec![SheetCell::Text(r.region_name.clone())];
            sheet.extend(ints.iter().map(|&n| SheetCell::Int(n as i64)));
            sheet.push(r.accuracy.map_or(SheetCell::Empty, SheetCell::Number));
            sheet.extend(more.iter().map(|&n| SheetCell::Int(n as i64)));
            rows.push(sheet);
        }
        let name = sheet_name("数据质量", sheets);
        sheets.push(Sheet {
            name,
            headers: QUALITY_HEADERS.iter().map(|h| h.to_string()).collect(),
            rows,
        });
        out.push(table);
    }
    out
}

/// A bar chart over the regions directly below `area`.
fn chart(
    areas: &Areas,
    figures: &Figures,
    area: &Area,
    what: &str,
    number: usize,
) -> Result<Option<Image>, Error> {
    let (code, title) = match what {
        "births" => ("births", "出生人数"),
        "cbr" => ("cbr", "出生率（‰）"),
        "srb" => ("srb", "出生人口性别比"),
        "order" => ("share_order3p", "三孩及以上占比（%）"),
        "deaths" => ("deaths", "死亡人数"),
        "cdr" => ("cdr", "死亡率（‰）"),
        "gfr" => ("gfr", "一般生育率（‰）"),
        "tfr" => ("tfr", "总和生育率"),
        other => {
            return Err(Error::Invalid(format!(
                "图表“{other}”无法识别 / chart \"{other}\" not understood"
            )))
        }
    };
    let children = areas.children(&area.code);
    let list: Vec<&Area> = if children.is_empty() {
        vec![area]
    } else {
        children
    };
    let target = figures
        .targets
        .iter()
        .find(|t| t.region == area.code && t.indicator == code)
        .map(|t| renkou_charts::Target::Line {
            value: t.value,
            label: format!("目标 {:.2}", t.value),
        });
    let count = matches!(
        Indicator::parse(code).map(Indicator::kind),
        Some(IndicatorKind::Count)
    );
    let chart = renkou_charts::BarChart {
        title: format!("{}{}", area.name, title),
        unit: String::new(),
        decimals: if count { 0 } else { 2 },
        bars: list
            .iter()
            .map(|a| renkou_charts::Bar {
                label: a.name.clone(),
                value: a.value(code),
                interval: None,
                status: renkou_charts::Status::Neutral,
            })
            .collect(),
        target,
        width: 800,
        height: None,
    };
    let svg = renkou_charts::bar_chart(&chart);
    let png = renkou_charts::svg_to_png(&svg, 1.5).map_err(|e| Error::Chart(e.to_string()))?;
    Ok(Some(
        Image::new(png, 150.0).caption(format!("图{number} {}{}", area.name, title)),
    ))
}

/// Builds the report: runs the template, then makes each line a block.
/// `charts: false` skips rendering charts (the xlsx has none).
pub fn build(
    request: &Request,
    figures: &Figures,
    template: &Template,
    charts: bool,
) -> Result<Built, Error> {
    let areas = Areas::new(figures);
    let root = areas.root().ok_or_else(no_figures)?;
    let text = templates::render(template, &context(request, figures, &areas)?)?;
    let title = format!(
        "{}{}{}",
        period_label(request.period),
        root.name,
        request.kind.name_zh()
    );
    let mut doc = Document::new(title.clone());
    let end = request.period.last_day();
    doc.metadata.subject = request.kind.name_zh().to_string();
    doc.metadata.keywords = vec![
        format!("登记版本 {}", figures.register_version),
        root.code.as_str().to_string(),
        request.period.to_string(),
    ];
    doc.metadata.date = Some(renkou_documents::Date {
        year: end.year() as u16,
        month: end.month() as u8,
        day: end.day() as u8,
    });
    let mut sheets = Vec::new();
    let (mut tables, mut images) = (1usize, 1usize);
    let area_of = |arg: Option<&str>| -> Result<&Area, Error> {
        match arg {
            None => Ok(root),
            Some(code) => areas.get(code).ok_or_else(|| {
                Error::Invalid(format!(
                    "模板中的区划 {code} 不在报告范围内 / region {code} of the template is not in the report's area"
                ))
            }),
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| Error::Template {
            kind: template.kind.name_zh().to_string(),
            line: i + 1,
            message: format!("{what}: {line}"),
        };
        if let Some(rest) = line.strip_prefix('@') {
            let mut words = rest.split_whitespace();
            let verb = words.next().unwrap_or_default();
            let arg1 = words.next();
            let arg2 = words.next();
            match verb {
                "table" => match arg1 {
                    Some("statistical") => {
                        let t = statistical(&areas, area_of(arg2)?, tables, &mut sheets);
                        tables += 1;
                        doc.push(t.into());
                    }
                    Some("gaps") => {
                        let t = gaps_table(&areas, figures, area_of(arg2)?, tables, &mut sheets);
                        tables += 1;
                        doc.push(t.into());
                    }
                    Some("quality") => {
                        let ts = quality_tables(figures, &mut tables, &mut sheets);
                        if ts.is_empty() {
                            doc.push(Paragraph::body("（本期无核对结果。）").into());
                        }
                        for t in ts {
                            doc.push(t.into());
                        }
                    }
                    _ => return Err(bad("未知的表格 / unknown table")),
                },
                "chart" => {
                    let what = arg1.ok_or_else(|| bad("缺少图表名称 / chart name missing"))?;
                    if charts {
                        if let Some(img) = chart(&areas, figures, area_of(arg2)?, what, images)? {
                            doc.push(img.into());
                        }
                    }
                    images += 1;
                }
                "center" | "right" => {
                    let body = rest[verb.len()..].trim();
                    let align = if verb == "center" {
                        Align::Center
                    } else {
                        Align::Right
                    };
                    doc.push(Paragraph::body(body).aligned(align).into());
                }
                "landscape" => {
                    doc.begin_section(Orientation::Landscape);
                }
                "portrait" => {
                    doc.begin_section(Orientation::Portrait);
                }
                "pagebreak" => {
                    doc.push(Block::PageBreak);
                }
                _ => return Err(bad("未知的指令 / unknown directive")),
            }
        } else if let Some(t) = line.strip_prefix("#### ") {
            doc.push(Heading::new(HeadingLevel::Three, t.trim()).into());
        } else if let Some(t) = line.strip_prefix("### ") {
            doc.push(Heading::new(HeadingLevel::Two, t.trim()).into());
        } else if let Some(t) = line.strip_prefix("## ") {
            doc.push(Heading::new(HeadingLevel::One, t.trim()).into());
        } else if let Some(t) = line.strip_prefix("# ") {
            doc.push(Block::Title(t.trim().to_string()));
        } else {
            doc.push(Paragraph::body(line).into());
        }
    }
    Ok(Built {
        document: doc,
        sheets,
    })
}
