//! What a report is about and what it is computed from.
//!
//! A report is asked for as a [`Request`] (kind, area, period, format, optionally
//! the register version to compute it "as of"). Its figures come from other
//! domains, which this crate does not depend on: it says what it needs as plain
//! data ([`Figures`]) and the layer that knows every domain (the web server and
//! the CLI) fills it by implementing [`FigureSource`]. The catalogue's rows are
//! the indicators engine's own [`IndicatorRow`]s, so a report's figures are by
//! construction those of `renkou indicators` for the same area and period.

use crate::error::Error;
use renkou_domain::RegionCode;
use renkou_stats::{IndicatorRow, Period, Target};
use serde::Serialize;
use std::collections::HashMap;

/// The reports the county writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 报表: births by sex and birth order, deaths, moves, population and the
    /// catalogue's rates, per village or township.
    Statistical,
    /// 目标差距表: target, actual value and gap.
    Gaps,
    /// 工作总结: the figures in sentences, the tables, the gaps, the accuracy, charts.
    Summary,
    /// 数据质量报告: reconciliation results, accuracy by village, open review items.
    Quality,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Statistical, Kind::Gaps, Kind::Summary, Kind::Quality];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Statistical => "statistical",
            Kind::Gaps => "gaps",
            Kind::Summary => "summary",
            Kind::Quality => "quality",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Kind::Statistical => "人口统计报表",
            Kind::Gaps => "目标差距表",
            Kind::Summary => "工作总结",
            Kind::Quality => "数据质量报告",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Kind::Statistical => "population statistics",
            Kind::Gaps => "gaps to targets",
            Kind::Summary => "work summary",
            Kind::Quality => "data-quality report",
        }
    }

    /// `statistical`, `gaps`, `summary`, `quality` (or 报表, 差距, 总结, 质量).
    pub fn parse(s: &str) -> Result<Kind, Error> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "statistical" | "报表" | "统计报表" => Kind::Statistical,
            "gaps" | "gap" | "差距" | "目标差距表" => Kind::Gaps,
            "summary" | "总结" | "工作总结" => Kind::Summary,
            "quality" | "质量" | "数据质量报告" => Kind::Quality,
            other => {
                return Err(Error::Invalid(format!(
                    "报告种类“{other}”无法识别（应为 statistical、gaps、summary 或 quality） / report kind \"{other}\" not understood (expected statistical, gaps, summary or quality)"
                )))
            }
        })
    }
}

/// The file a report is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Docx,
    Pdf,
    Xlsx,
}

impl Format {
    pub fn code(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn parse(s: &str) -> Result<Format, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "docx" | "word" => Ok(Format::Docx),
            "pdf" => Ok(Format::Pdf),
            "xlsx" | "excel" => Ok(Format::Xlsx),
            other => Err(Error::Invalid(format!(
                "输出格式“{other}”无法识别（应为 docx、pdf 或 xlsx） / format \"{other}\" not understood (expected docx, pdf or xlsx)"
            ))),
        }
    }

    /// The MIME type a download is sent with.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// One report asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub kind: Kind,
    pub region: RegionCode,
    pub period: Period,
    pub format: Format,
    /// Compute the figures as the register stood just after this event; `None`:
    /// as it stands now (the version used is archived either way).
    pub as_of: Option<i64>,
}

/// Moves in and out counted for the persons registered in one region (not rolled
/// up: the report adds the regions inside an area).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MoveCount {
    pub region_code: String,
    /// 迁入: move-in events in the period.
    pub moved_in: u64,
    /// 迁出: move-out events in the period.
    pub moved_out: u64,
}

/// One area's line of a reconciliation's accuracy table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QualityRow {
    pub region_code: String,
    pub region_name: String,
    /// n1: register births of the area and period.
    pub register_births: u64,
    /// n2: distinct births the source reported.
    pub source_births: u64,
    /// Births found in both.
    pub matched: u64,
    /// Matched births the register held as the source did.
    pub agreeing: u64,
    /// 统计准确率 in percent; `None` without source births.
    pub accuracy: Option<f64>,
    /// 漏报: source births the register lacked.
    pub missed: u64,
    /// 重报: records reported twice.
    pub duplicated: u64,
    /// 错报: pairs that differed.
    pub misreported: u64,
    /// Review items still open, and decided.
    pub open: u64,
    pub decided: u64,
}

/// One reconciliation's results within the report's area.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QualitySection {
    /// What was reconciled, e.g. "县医院出生登记（2024-01-01至2024-12-31）".
    pub title: String,
    /// The area's own total first, then its villages.
    pub rows: Vec<QualityRow>,
}

/// One activity held in the area and period (from the work-plans domain): a
/// training, publicity materials handed out, a meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ActivityFigure {
    pub region_code: String,
    /// training | publicity | meeting
    pub kind: String,
    pub held_on: renkou_domain::Date,
    pub title: String,
    /// People who took part (trainings, meetings).
    pub attendance: u64,
    /// Pieces handed out (publicity).
    pub materials: u64,
}

/// Everything a report is computed from. Filled by a [`FigureSource`].
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// The highest event number the figures were computed from.
    pub register_version: i64,
    /// The catalogue (and the county's own indicators) for the area first, then
    /// every region inside it down to villages, as `renkou indicators --level all`.
    pub rows: Vec<IndicatorRow>,
    /// Moves per region of registration (empty when not asked for).
    pub moves: Vec<MoveCount>,
    /// The year's targets of the area and the regions inside it.
    pub targets: Vec<Target>,
    /// The reconciliations of the area and period (empty when not asked for).
    pub quality: Vec<QualitySection>,
    /// The activities held in the area and period (empty when not asked for).
    pub activities: Vec<ActivityFigure>,
}

/// What a kind of report needs beyond the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    pub moves: bool,
    pub targets: bool,
    pub quality: bool,
    pub activities: bool,
}

impl Kind {
    pub fn needs(self) -> Needs {
        match self {
            Kind::Statistical => Needs {
                moves: true,
                ..Needs::default()
            },
            Kind::Gaps => Needs {
                targets: true,
                ..Needs::default()
            },
            Kind::Summary => Needs {
                moves: true,
                targets: true,
                quality: true,
                activities: true,
            },
            Kind::Quality => Needs {
                quality: true,
                ..Needs::default()
            },
        }
    }
}

/// The figures of another domain, gathered by whoever knows it.
pub trait FigureSource {
    /// The figures of `region` (and everything inside it) for `period`, as the
    /// register stood just after event `as_of` (`None`: now).
    fn figures(
        &self,
        region: &RegionCode,
        period: Period,
        as_of: Option<i64>,
        needs: Needs,
    ) -> Result<Figures, Error>;
}

/// One indicator's figure for one area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub value: Option<f64>,
    pub numerator: i64,
    pub denominator: Option<i64>,
}

/// One area (a line of a table): its figures by indicator code.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub code: RegionCode,
    pub name: String,
    pub figures: HashMap<String, Figure>,
    pub moved_in: u64,
    pub moved_out: u64,
}

impl Area {
    pub fn figure(&self, code: &str) -> Option<&Figure> {
        self.figures.get(code)
    }
    pub fn value(&self, code: &str) -> Option<f64> {
        self.figure(code).and_then(|f| f.value)
    }
    pub fn numerator(&self, code: &str) -> i64 {
        self.figure(code).map_or(0, |f| f.numerator)
    }
    pub fn denominator(&self, code: &str) -> i64 {
        self.figure(code).and_then(|f| f.denominator).unwrap_or(0)
    }
}

/// The figures arranged by area: the root first, then the tree below it in the
/// order the rows came (by level, then code).
#[derive(Debug, Clone)]
pub struct Areas {
    pub list: Vec<Area>,
    index: HashMap<String, usize>,
}

impl Areas {
    pub fn new(figures: &Figures) -> Areas {
        let mut list: Vec<Area> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for r in &figures.rows {
            let i = match index.get(&r.region_code) {
                Some(&i) => i,
                None => {
                    let Ok(code) = RegionCode::parse(&r.region_code) else {
                        continue;
                    };
                    index.insert(r.region_code.clone(), list.len());
                    list.push(Area {
                        code,
                        name: r.region_name.clone(),
                        figures: HashMap::new(),
                        moved_in: 0,
                        moved_out: 0,
                    });
                    list.len() - 1
                }
            };
            list[i].figures.insert(
                r.indicator.clone(),
                Figure {
                    value: r.value,
                    numerator: r.numerator,
                    denominator: r.denominator,
                },
            );
        }
        for m in &figures.moves {
            let Ok(code) = RegionCode::parse(&m.region_code) else {
                continue;
            };
            for a in list.iter_mut() {
                if a.code.contains(&code) {
                    a.moved_in += m.moved_in;
                    a.moved_out += m.moved_out;
                }
            }
        }
        Areas { list, index }
    }

    pub fn root(&self) -> Option<&Area> {
        self.list.first()
    }

    pub fn get(&self, code: &str) -> Option<&Area> {
        self.index.get(code).map(|&i| &self.list[i])
    }

    /// The areas directly below `code`, in table order.
    pub fn children(&self, code: &RegionCode) -> Vec<&Area> {
        self.list
            .iter()
            .filter(|a| a.code.parent().as_ref() == Some(code))
            .collect()
    }
}
