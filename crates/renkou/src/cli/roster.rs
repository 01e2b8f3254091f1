//! `renkou import persons ROSTER.xlsx --village CODE [--dry-run]`: a village's own
//! roster (花名册), read through the register's roster use case; prints the column
//! mapping and what is added, changed and missing, in Chinese.

use anyhow::Result;
use renkou_domain::RegionCode;
use renkou_register::roster::{plan_roster, RosterOptions, RosterReport};
use renkou_register::AppError;
use renkou_store::Store;
use std::path::Path;

pub fn import(
    store: &Store,
    file: &Path,
    sheet: Option<String>,
    village: Option<String>,
    dry_run: bool,
) -> Result<()> {
    let village = village
        .map(|v| RegionCode::parse(&v).map_err(|e| anyhow::anyhow!("--village: {e}")))
        .transpose()?;
    let opts = RosterOptions {
        village,
        sheet,
        mapping: None,
        dry_run,
        actor: super::operator(),
    };
    let report = plan_roster(store, file, &opts)?;
    print(&report);
    if !report.errors.is_empty() {
        return Err(AppError::InvalidRows {
            file: report.file.clone(),
            errors: report.errors,
        }
        .into());
    }
    if dry_run {
        println!("（仅检查，未写入 / checked only, nothing written）");
    } else {
        println!("已导入 / imported: {}", report.summary_zh());
    }
    Ok(())
}

fn print(r: &RosterReport) {
    println!("{}：花名册 / roster", r.file);
    println!(
        "列对应{} / column mapping:",
        if r.mapping_remembered {
            "（沿用上次的设置）"
        } else {
            ""
        }
    );
    for m in &r.mapping {
        match m.field_zh {
            Some(_) if m.field == Some("seq") => println!("  {} → （序号，不导入）", m.header),
            Some(zh) => println!("  {} → {zh}", m.header),
            None => println!("  {} → （不导入）", m.header),
        }
    }
    for n in &r.notes {
        println!("说明：{n}");
    }
    println!("{}", r.summary_zh());
    for a in &r.added {
        let household = match &a.household_no {
            Some(h) => format!("加入户 {h}"),
            None => format!("新户（第{}行起）", a.household_row),
        };
        println!(
            "  新增 第{}行 {} {} {} {} {}",
            a.row,
            a.name,
            a.sex.name_zh(),
            a.birth_date,
            a.relation.map(|r| r.name_zh()).unwrap_or("关系未填"),
            household
        );
    }
    for c in &r.changed {
        let fields: Vec<String> = c
            .fields
            .iter()
            .map(|(f, old, new)| {
                format!("{}：{} → {}", f.name_zh(), f.label_zh(old), f.label_zh(new))
            })
            .collect();
        println!(
            "  变更 第{}行 {} {}：{}",
            c.row,
            c.person_no,
            c.name,
            fields.join("；")
        );
    }
    for k in &r.kept {
        println!(
            "  保留 第{}行 {} {}：{}在上次导入后已在系统中修改为 {}，文件中为 {}，保留系统中的值",
            k.row,
            k.person_no,
            k.name,
            k.field.name_zh(),
            k.field.label_zh(&k.register),
            k.field.label_zh(&k.file)
        );
    }
    for m in &r.missing {
        println!(
            "  新文件中缺少 {} {}（户 {}）：迁出？死亡？请核实，系统不会删除",
            m.person_no, m.name, m.household_no
        );
    }
    for (row, kind, message) in &r.quality {
        println!("  待核 第{row}行 {}：{message}", kind.name_zh());
    }
}
