//! A figure source for the tests: the indicators engine run straight on the
//! store's reads (the web and CLI layer's source adds the indicators domain's
//! region mapping and user indicators; the reports do not depend on it).

use renkou_domain::RegionCode;
use renkou_reports::figures::{FigureSource, Figures, MoveCount, Needs};
use renkou_reports::Error;
use renkou_stats::{catalogue, Period, RegionTable, StatPerson};
use renkou_store::Store;
use std::io::Read;

pub struct EngineSource<'a> {
    pub store: &'a Store,
    pub targets: Vec<renkou_stats::Target>,
    pub activities: Vec<renkou_reports::figures::ActivityFigure>,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Figures(e.to_string())
}

impl FigureSource for EngineSource<'_> {
    fn figures(
        &self,
        region: &RegionCode,
        period: Period,
        as_of: Option<i64>,
        needs: Needs,
    ) -> Result<Figures, Error> {
        let from = Some(period.first_day());
        let rows = match as_of {
            Some(v) => self.store.stat_rows_as_of(v, from),
            None => self.store.stat_rows(from),
        }
        .map_err(err)?;
        let mut regions: Vec<_> = self
            .store
            .regions()
            .map_err(err)?
            .into_iter()
            .filter(|r| {
                region.contains(&r.code)
                    && r.code.level() <= renkou_domain::RegionLevel::Village
                    && r.exists_on(period.last_day())
            })
            .collect();
        regions.sort_by(|a, b| (a.code.level(), &a.code).cmp(&(b.code.level(), &b.code)));
        let table =
            RegionTable::build(regions.into_iter().map(|r| (r.code, r.name))).map_err(err)?;
        let persons: Vec<StatPerson> = rows
            .rows
            .iter()
            .filter_map(|r| {
                let mut code = RegionCode::parse(&rows.region_codes[r.region as usize]).ok()?;
                let index = loop {
                    if let Some(i) = table.index_of(&code) {
                        break i;
                    }
                    code = code.parent()?;
                };
                Some(StatPerson {
                    region: index,
                    sex: r.sex,
                    residence: r.residence,
                    birth_date: r.birth_date,
                    death_date: r.death_date,
                    mother_birth_date: r.mother_birth_date,
                    birth_order: r.birth_order,
                })
            })
            .collect();
        let counts = renkou_stats::count(&persons, &table, period);
        let values =
            catalogue::compute_regions(&counts, (0..table.len() as u32).collect::<Vec<_>>());
        let moves = if needs.moves {
            vec![MoveCount {
                region_code: renkou_testkit::V1.into(),
                moved_in: 2,
                moved_out: 1,
            }]
        } else {
            Vec::new()
        };
        Ok(Figures {
            register_version: rows.version.last_event,
            rows: catalogue::rows(&table, period, &values),
            moves,
            targets: if needs.targets {
                self.targets.clone()
            } else {
                Vec::new()
            },
            quality: Vec::new(),
            activities: self.activities.clone(),
        })
    }
}

/// The text of a .docx's body, paragraph by paragraph and cell by cell, one per line.
pub fn docx_text(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut out = String::new();
    let mut rest = xml.as_str();
    // Every <w:t …>text</w:t>; a paragraph or cell end is a newline.
    loop {
        let t = rest.find("<w:t");
        let p = rest.find("</w:p>");
        match (t, p) {
            (Some(t), p) if p.is_none_or(|p| t < p) => {
                let after = &rest[t..];
                let open_end = after.find('>').unwrap();
                if after[..open_end].ends_with('/')
                    || !(after[4..].starts_with('>') || after[4..].starts_with(' '))
                {
                    rest = &after[open_end + 1..];
                    continue;
                }
                let body = &after[open_end + 1..];
                let close = body.find("</w:t>").unwrap();
                out.push_str(&unescape(&body[..close]));
                rest = &body[close + 6..];
            }
            (_, Some(p)) => {
                out.push('\n');
                rest = &rest[p + 6..];
            }
            _ => break,
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The lines of the .docx text that start with `label` (a table's first cell).
pub fn table_line<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| *l != label)
        .skip(1)
        .take(16)
        .collect()
}
