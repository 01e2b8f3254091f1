//! The indicators pages' tables as xlsx, Chinese headers:
//! - a report (every indicator of every region shown) with plain values, or with
//!   each ratio written as an Excel formula over its numerator and denominator
//!   cells, so a statistician can see and re-check how a figure is made;
//! - the targets dashboard (target, actual, gap; the gap as a formula);
//! - a publication: birth counts by order and sex with small cells suppressed
//!   (primary and secondary, [`renkou_stats::suppress`]) and only the rates whose
//!   counts are published.
//!
//! Written with `rust_xlsxwriter` directly rather than the interchange
//! `TableWriter`, which writes text cells only: these sheets need numbers,
//! formulas and number formats.

use crate::error::Error;
use crate::figures::{level_zh, HEADERS_ZH};
use crate::targets::TargetsTable;
use crate::views::Report;
use renkou_stats::{suppress, CellStatus, GapStatus, SuppressionOptions};
use rust_xlsxwriter::{Color, Format, Formula, Workbook, Worksheet, XlsxError};

fn xerr(e: XlsxError) -> Error {
    Error::Invalid(format!("xlsx: {e}"))
}

/// Excel's name for column `c` (0 → A).
fn col_name(mut c: u16) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (c % 26) as u8) as char);
        if c < 26 {
            return s;
        }
        c = c / 26 - 1;
    }
}

fn decimals_format(d: usize) -> Format {
    let pattern = if d == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(d))
    };
    Format::new().set_num_format(pattern)
}

fn header(ws: &mut Worksheet, headers: &[&str]) -> Result<(), Error> {
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xerr)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    Ok(())
}

/// The report as one row per region and indicator. With `formulas`, 数值 of a
/// ratio is `=IF(分母=0,"",分子/分母*k)` (its computed result stored too, so
/// viewers that do not recalculate show it); otherwise every cell is a value.
pub fn report_xlsx(report: &Report, formulas: bool) -> Result<Vec<u8>, Error> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("指标").map_err(xerr)?;
    let mut headers = HEADERS_ZH.to_vec();
    headers.extend(["95%区间下限", "95%区间上限"]);
    header(ws, &headers)?;
    let period = report.period.to_string();
    let mut r: u32 = 1;
    for i in 0..report.shown.len() {
        for (j, col) in report.columns.iter().enumerate() {
            let v = &report.values[i][j];
            let num_fmt = decimals_format(col.decimals);
            ws.write_string(r, 0, report.code(i)).map_err(xerr)?;
            ws.write_string(r, 1, report.name(i)).map_err(xerr)?;
            ws.write_string(r, 2, level_zh(report.level(i)))
                .map_err(xerr)?;
            ws.write_string(r, 3, &period).map_err(xerr)?;
            ws.write_string(r, 4, &col.code).map_err(xerr)?;
            ws.write_string(r, 5, &col.name_zh).map_err(xerr)?;
            ws.write_number(r, 7, v.numerator as f64).map_err(xerr)?;
            if let Some(d) = v.denominator {
                ws.write_number(r, 8, d as f64).map_err(xerr)?;
            }
            ws.write_string(r, 9, &col.unit).map_err(xerr)?;
            let row1 = r + 1;
            match (formulas, col.factor, v.denominator) {
                (true, Some(k), Some(_)) => {
                    let f = Formula::new(format!("=IF(I{row1}=0,\"\",H{row1}/I{row1}*{k})"))
                        .set_result(v.value.map(|x| x.to_string()).unwrap_or_default());
                    ws.write_formula_with_format(r, 6, f, &num_fmt)
                        .map_err(xerr)?;
                }
                _ => {
                    if let Some(x) = v.value {
                        ws.write_number_with_format(r, 6, x, &num_fmt)
                            .map_err(xerr)?;
                    }
                }
            }
            if let Some(iv) = v.interval {
                ws.write_number_with_format(r, 10, iv.low, &num_fmt)
                    .map_err(xerr)?;
                ws.write_number_with_format(r, 11, iv.high, &num_fmt)
                    .map_err(xerr)?;
            }
            r += 1;
        }
    }
    ws.autofilter(0, 0, r.saturating_sub(1), 11).map_err(xerr)?;
    ws.set_column_width(1, 14).map_err(xerr)?;
    ws.set_column_width(5, 26).map_err(xerr)?;
    wb.save_to_buffer().map_err(xerr)
}

/// The targets dashboard: one row per region; for each indicator with a target
/// the columns 目标值, 实际值, 差距 (with `formulas`, the gap is computed by Excel
/// from the two cells before it, by the target's direction). Gaps are green on the
/// good side, red on the bad. A band target is written as the band (`103–107`,
/// a text cell), its gap from the nearer bound. A title row above the header,
/// the header frozen and filtered.
pub fn targets_xlsx(table: &TargetsTable, formulas: bool) -> Result<Vec<u8>, Error> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(format!("{}年目标", table.year)).map_err(xerr)?;
    let bold = Format::new().set_bold();
    // A title row above the header (row 1), data from row 2 (0-based).
    let last_col = 1 + 3 * table.indicators.len() as u16;
    let title = format!(
        "{}年目标值、实际值与差距（{}）",
        table.year,
        if table.report.shown.is_empty() {
            String::new()
        } else {
            table.report.name(0).to_string()
        }
    );
    ws.merge_range(
        0,
        0,
        0,
        last_col.max(1),
        &title,
        &Format::new().set_bold().set_font_size(14),
    )
    .map_err(xerr)?;
    ws.write_string_with_format(1, 0, "区划代码", &bold)
        .map_err(xerr)?;
    ws.write_string_with_format(1, 1, "区划名称", &bold)
        .map_err(xerr)?;
    for k in 0..table.indicators.len() {
        let col = table.column(k);
        let c = 2 + 3 * k as u16;
        for (d, what) in ["目标值", "实际值", "差距"].iter().enumerate() {
            ws.write_string_with_format(
                1,
                c + d as u16,
                format!("{}（{}）{what}", col.name_zh, col.unit),
                &bold,
            )
            .map_err(xerr)?;
        }
    }
    ws.set_freeze_panes(2, 2).map_err(xerr)?;
    let good = Format::new().set_font_color(Color::RGB(0x1B7F3B));
    let bad = Format::new().set_font_color(Color::RGB(0xC0392B));
    for (i, line) in table.cells.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string(r, 0, table.report.code(i)).map_err(xerr)?;
        ws.write_string(r, 1, table.report.name(i)).map_err(xerr)?;
        for (k, cell) in line.iter().enumerate() {
            let col = table.column(k);
            let c = 2 + 3 * k as u16;
            let fmt = decimals_format(col.decimals);
            if let Some(t) = &cell.target {
                // A band stays a band (103–107), not its midpoint.
                match (t.direction.as_str(), t.band_low, t.band_high) {
                    ("band", Some(lo), Some(hi)) => {
                        ws.write_string(r, c, format!("{lo}–{hi}")).map_err(xerr)?;
                    }
                    _ => {
                        ws.write_number_with_format(r, c, t.value, &fmt)
                            .map_err(xerr)?;
                    }
                }
            }
            if let Some(a) = cell.actual {
                ws.write_number_with_format(r, c + 1, a, &fmt)
                    .map_err(xerr)?;
            }
            let (Some(t), Some(gap)) = (&cell.target, cell.gap) else {
                continue;
            };
            let colour = match gap.status {
                GapStatus::Good => good.clone().set_num_format(num_pattern(col.decimals)),
                GapStatus::Bad => bad.clone().set_num_format(num_pattern(col.decimals)),
                _ => fmt.clone(),
            };
            let (tc, ac) = (col_name(c), col_name(c + 1));
            let row1 = r + 1;
            match (formulas, gap.gap) {
                (true, Some(g)) => {
                    let expr = match (t.direction.as_str(), t.band_low, t.band_high) {
                        ("band", Some(lo), Some(hi)) => format!(
                            "=IF({ac}{row1}>{hi},{ac}{row1}-{hi},IF({ac}{row1}<{lo},{ac}{row1}-{lo},0))"
                        ),
                        _ => format!("={ac}{row1}-{tc}{row1}"),
                    };
                    let f = Formula::new(expr).set_result(g.to_string());
                    ws.write_formula_with_format(r, c + 2, f, &colour)
                        .map_err(xerr)?;
                }
                (false, Some(g)) => {
                    ws.write_number_with_format(r, c + 2, g, &colour)
                        .map_err(xerr)?;
                }
                (_, None) => {}
            }
        }
    }
    ws.set_column_width(1, 14).map_err(xerr)?;
    let last_row = (1 + table.cells.len() as u32).max(1);
    ws.autofilter(1, 0, last_row, last_col).map_err(xerr)?;
    wb.save_to_buffer().map_err(xerr)
}

fn num_pattern(d: usize) -> String {
    if d == 0 {
        "0".into()
    } else {
        format!("0.{}", "0".repeat(d))
    }
}

/// The categories of the publication's births table: order × sex, and births of
/// unknown order, so each row adds up to the region's births.
const BIRTH_COLUMNS_ZH: [&str; 8] = [
    "一孩男",
    "一孩女",
    "二孩男",
    "二孩女",
    "三孩及以上男",
    "三孩及以上女",
    "孩次不详男",
    "孩次不详女",
];

/// The rates a publication shows for a region whose births total is published.
const BIRTH_RATES: [&str; 4] = ["cbr", "gfr", "tfr", "srb"];

/// A publication of the report's sub-regions (the area itself is the totals row):
/// births by order and sex with cells below `threshold` hidden ("<N" for a small
/// cell, "*" for one hidden to protect it), and the birth rates of the regions
/// whose births total is published, death rate where deaths reach the threshold.
pub fn publication_xlsx(report: &Report, opts: SuppressionOptions) -> Result<Vec<u8>, Error> {
    let regions: Vec<usize> = (1..report.shown.len()).collect();
    let table: Vec<Vec<u64>> = regions
        .iter()
        .map(|&i| {
            let c = &report.counts[i];
            let unknown_m = c.births_male - c.births_by_order_male.iter().sum::<u32>();
            let unknown_f = c.births_female - c.births_by_order_female.iter().sum::<u32>();
            let mut row = Vec::with_capacity(8);
            for k in 0..3 {
                row.push(u64::from(c.births_by_order_male[k]));
                row.push(u64::from(c.births_by_order_female[k]));
            }
            row.push(u64::from(unknown_m));
            row.push(u64::from(unknown_f));
            row
        })
        .collect();
    let suppressed = suppress(&table, &opts).map_err(|e| Error::Invalid(e.to_string()))?;
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("出生人数").map_err(xerr)?;
    let title = format!(
        "{} {} 出生人数（按孩次和性别） — 对外发布版",
        report.name(0),
        report.period
    );
    ws.write_string_with_format(0, 0, &title, &bold)
        .map_err(xerr)?;
    ws.write_string(
        1,
        0,
        format!(
            "说明：小于{}的数字以“<{}”表示，“*”为防止推算而隐藏的数字。",
            opts.threshold, opts.threshold
        ),
    )
    .map_err(xerr)?;
    let hr = 3u32;
    ws.write_string_with_format(hr, 0, "区划代码", &bold)
        .map_err(xerr)?;
    ws.write_string_with_format(hr, 1, "区划名称", &bold)
        .map_err(xerr)?;
    for (j, h) in BIRTH_COLUMNS_ZH.iter().enumerate() {
        ws.write_string_with_format(hr, 2 + j as u16, *h, &bold)
            .map_err(xerr)?;
    }
    ws.write_string_with_format(hr, 2 + BIRTH_COLUMNS_ZH.len() as u16, "合计", &bold)
        .map_err(xerr)?;
    let cell = |ws: &mut Worksheet, r: u32, c: u16, v: u64, s: CellStatus| {
        match s {
            CellStatus::Shown => ws.write_number(r, c, v as f64),
            CellStatus::Primary => ws.write_string(r, c, format!("<{}", opts.threshold)),
            CellStatus::Secondary => ws.write_string(r, c, "*"),
        }
        .map(|_| ())
        .map_err(xerr)
    };
    for (n, i) in regions.iter().chain(std::iter::once(&0)).enumerate() {
        let r = hr + 1 + n as u32;
        let total_row = *i == 0;
        ws.write_string(r, 0, report.code(*i)).map_err(xerr)?;
        ws.write_string(
            r,
            1,
            if total_row {
                format!("{}（合计）", report.name(0))
            } else {
                report.name(*i).to_string()
            },
        )
        .map_err(xerr)?;
        let t = if total_row { suppressed.rows } else { n };
        for j in 0..=suppressed.cols {
            cell(
                ws,
                r,
                2 + j as u16,
                suppressed.values[t][j],
                suppressed.status[t][j],
            )?;
        }
    }

    // Rates: a birth rate times its published denominator would give the births,
    // so a region's birth rates are shown only where its births total is.
    let ws = wb.add_worksheet();
    ws.set_name("指标").map_err(xerr)?;
    let mut headers = vec!["区划代码".to_string(), "区划名称".to_string()];
    let mut cols = Vec::new();
    for code in BIRTH_RATES.iter().chain(["cdr"].iter()) {
        if let Some(j) = report.column(code) {
            headers.push(format!(
                "{}（{}）",
                report.columns[j].name_zh, report.columns[j].unit
            ));
            cols.push(j);
        }
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(xerr)?;
    }
    for (n, i) in regions.iter().chain(std::iter::once(&0)).enumerate() {
        let r = 1 + n as u32;
        let t = if *i == 0 { suppressed.rows } else { n };
        let births_shown = !suppressed.status[t][suppressed.cols].is_suppressed();
        ws.write_string(r, 0, report.code(*i)).map_err(xerr)?;
        ws.write_string(r, 1, report.name(*i)).map_err(xerr)?;
        for (k, &j) in cols.iter().enumerate() {
            let col = &report.columns[j];
            let v = &report.values[*i][j];
            let shown = if col.code == "cdr" {
                v.numerator >= opts.threshold as i64
            } else {
                births_shown
            };
            let c = 2 + k as u16;
            match (shown, v.value) {
                (true, Some(x)) => ws
                    .write_number_with_format(r, c, x, &decimals_format(col.decimals))
                    .map(|_| ()),
                (true, None) => ws.write_string(r, c, "—").map(|_| ()),
                (false, _) => ws.write_string(r, c, "*").map(|_| ()),
            }
            .map_err(xerr)?;
        }
    }
    wb.save_to_buffer().map_err(xerr)
}

/// Runs an export of `region`'s figures and records it in the audit log.
pub fn audited<T>(
    store: &renkou_store::Store,
    actor: &renkou_store::Actor,
    region: &renkou_domain::RegionCode,
    fields: &str,
    write: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    let out = write()?;
    store.audit(
        actor,
        renkou_store::AuditNote {
            action: renkou_store::AuditAction::EXPORT,
            record: renkou_store::RecordKind::REGION,
            record_id: region.as_str(),
            fields,
        },
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::col_name;

    #[test]
    fn excel_column_names() {
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(col_name(27), "AB");
        assert_eq!(col_name(701), "ZZ");
        assert_eq!(col_name(702), "AAA");
    }
}
