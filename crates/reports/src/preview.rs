//! A template's result before it is saved: the editor runs the text it is given
//! on an area's and period's figures and shows the document's blocks (titles,
//! headings, paragraphs, tables; charts as their captions). Any error of the
//! template comes back as [`Error::Template`] with its line.

use crate::build;
use crate::error::Error;
use crate::figures::{FigureSource, Request};
use crate::templates::{self, Template};
use renkou_documents::{Align, Block, HeadingLevel};
use serde::Serialize;

/// One block of the previewed document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum PreviewBlock {
    Title {
        text: String,
    },
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        text: String,
        align: &'static str,
    },
    /// At most [`ROWS`] rows; `more` says how many were left out.
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        more: usize,
    },
    Chart {
        caption: String,
    },
    PageBreak,
}

/// Rows of a table shown in a preview.
pub const ROWS: usize = 30;

/// Runs `body` as the template of `request.kind` on the request's figures.
pub fn preview(
    source: &dyn FigureSource,
    request: &Request,
    body: &str,
) -> Result<Vec<PreviewBlock>, Error> {
    templates::check(request.kind, body)?;
    let figures = source.figures(
        &request.region,
        request.period,
        request.as_of,
        request.kind.needs(),
    )?;
    let template = Template {
        kind: request.kind,
        id: None,
        body: body.to_string(),
    };
    let built = build::build(request, &figures, &template, false)?;
    let mut out = Vec::new();
    for section in &built.document.sections {
        for b in &section.blocks {
            out.push(match b {
                Block::Title(t) => PreviewBlock::Title { text: t.clone() },
                Block::Heading(h) => PreviewBlock::Heading {
                    level: match h.level {
                        HeadingLevel::One => 1,
                        HeadingLevel::Two => 2,
                        HeadingLevel::Three => 3,
                    },
                    text: h.text.clone(),
                },
                Block::Paragraph(p) => PreviewBlock::Paragraph {
                    text: p.runs.iter().map(|r| r.text.as_str()).collect(),
                    align: match p.align {
                        Align::Center => "center",
                        Align::Right => "right",
                        _ => "left",
                    },
                },
                Block::Table(t) => PreviewBlock::Table {
                    caption: t.caption.clone().unwrap_or_default(),
                    header: t.columns.iter().map(|c| c.header.clone()).collect(),
                    rows: t
                        .rows
                        .iter()
                        .take(ROWS)
                        .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
                        .collect(),
                    more: t.rows.len().saturating_sub(ROWS),
                },
                Block::Image(i) => PreviewBlock::Chart {
                    caption: i.caption.clone().unwrap_or_default(),
                },
                Block::PageBreak => PreviewBlock::PageBreak,
                #[allow(unreachable_patterns)]
                _ => continue,
            });
        }
    }
    Ok(out)
}
