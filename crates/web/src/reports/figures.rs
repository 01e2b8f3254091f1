//! Where the reports' figures come from: the one place that wires the
//! indicators and reconciliation domains into the reports domain (which knows
//! neither), and the work plans' activities the summary quotes. The CLI uses the same source, so `renkou report` and the pages give
//! the same figures as `renkou indicators` for the same area and period.

use renkou_domain::RegionCode;
use renkou_indicators::figures::{compute_with, Level, StatCache};
use renkou_indicators::tables::IndicatorTables;
use renkou_reconciliation::rules::ItemClass;
use renkou_reconciliation::tables::ReconciliationTables;
use renkou_reports::figures::{
    ActivityFigure, FigureSource, Figures, MoveCount, Needs, QualityRow, QualitySection,
};
use renkou_reports::Error;
use renkou_stats::Period;
use renkou_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The register's figures for reports: the indicators' catalogue (through the
/// server's [`StatCache`] when computed as of now, from the events folded up to
/// the version otherwise), the year's targets, the reconciliations' accuracy.
pub struct RegisterFigures<'a> {
    pub store: &'a Store,
    pub cache: &'a StatCache,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Figures(e.to_string())
}

impl FigureSource for RegisterFigures<'_> {
    fn figures(
        &self,
        region: &RegionCode,
        period: Period,
        as_of: Option<i64>,
        needs: Needs,
    ) -> Result<Figures, Error> {
        let store = self.store;
        let all_regions = store.regions()?;
        if !all_regions.iter().any(|r| &r.code == region) {
            return Err(Error::Invalid(format!(
                "区划 {region} 不在登记中 / region {region} is not in the register"
            )));
        }
        let from = Some(period.first_day());
        let rows = match as_of {
            Some(v) => Arc::new(store.stat_rows_as_of(v, from)?),
            None => self.cache.rows(store, from).map_err(err)?,
        };
        let users = renkou_indicators::views::user_indicators(store).map_err(err)?;
        let catalogue =
            compute_with(&all_regions, &rows, region, period, Level::All, &users).map_err(err)?;
        let version = rows.version.last_event;

        let mut moves = Vec::new();
        if needs.moves {
            let events = store.move_events(period.first_day(), period.last_day(), Some(version))?;
            let nos: Vec<&str> = events.iter().map(|(no, _)| no.as_str()).collect();
            let mut by_region: BTreeMap<&str, MoveCount> = BTreeMap::new();
            for ((_, moved_in), code) in events.iter().zip(rows.regions_of(&nos)) {
                let Some(code) = code else { continue };
                let m = by_region.entry(code).or_insert_with(|| MoveCount {
                    region_code: code.to_string(),
                    ..MoveCount::default()
                });
                if *moved_in {
                    m.moved_in += 1;
                } else {
                    m.moved_out += 1;
                }
            }
            moves = by_region.into_values().collect();
        }

        let mut targets = Vec::new();
        if needs.targets {
            use chrono::Datelike;
            targets = store
                .targets_in(region, period.last_day().year())?
                .iter()
                .filter_map(renkou_indicators::targets::to_target)
                .collect();
        }

        let mut quality = Vec::new();
        if needs.quality {
            for r in store.reconciliations(Some(region))? {
                if r.period_to < period.first_day() || r.period_from > period.last_day() {
                    continue;
                }
                let acc = renkou_reconciliation::workflow::accuracy(store, r.id, Some(region))
                    .map_err(err)?;
                let row = |a: &renkou_reconciliation::workflow::AreaRow| {
                    let class = |c: ItemClass| a.classes.get(&c).copied().unwrap_or(0);
                    QualityRow {
                        region_code: a.region_code.clone(),
                        region_name: a.name.clone(),
                        register_births: a.tally.register,
                        source_births: a.tally.source,
                        matched: a.tally.matched,
                        agreeing: a.tally.agreeing,
                        accuracy: a.accuracy.map(|x| x * 100.0),
                        missed: class(ItemClass::SourceOnly),
                        duplicated: class(ItemClass::Duplicate),
                        misreported: class(ItemClass::Disagree),
                        open: a.open,
                        decided: a.decided,
                    }
                };
                let mut rows = vec![row(&acc.total)];
                rows.extend(acc.villages.iter().map(row));
                quality.push(QualitySection {
                    title: format!(
                        "{}（{}至{}，核对 #{}）",
                        r.source_name, r.period_from, r.period_to, r.id
                    ),
                    rows,
                });
            }
        }
        let mut activities = Vec::new();
        if needs.activities {
            use renkou_plans::tables::PlanTables;
            activities = store
                .activities_in(region, period.first_day(), period.last_day())?
                .into_iter()
                .map(|a| ActivityFigure {
                    region_code: a.region_code,
                    kind: a.kind,
                    held_on: a.held_on,
                    title: a.title,
                    attendance: a.attendance.max(0) as u64,
                    materials: a.materials.max(0) as u64,
                })
                .collect();
        }
        Ok(Figures {
            register_version: version,
            rows: catalogue,
            moves,
            targets,
            quality,
            activities,
        })
    }
}
