//! Uploading a ledger (persons or births, CSV or xlsx) in the browser: the file is
//! checked in full first (a dry run of the real import, rolled back), the page shows
//! the recognised columns, the first rows and every row error with the same
//! messages as the CLI; then the user commits, and the import runs in a server
//! thread with progress that survives navigating away.

use crate::error::WebError;
use crate::extract::{CsrfForm, CsrfMultipart, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::progress::{NoProgress, Progress};
use renkou_interchange::{FileKind, Row, RowError, TableReader};
use renkou_store::{ImportOptions, ImportReport};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An upload and, once committed, its import job.
pub struct Upload {
    pub owner: String,
    pub kind: FileKindParam,
    pub source: String,
    pub skip_invalid: bool,
    pub path: PathBuf,
    pub file_name: String,
    pub job: Mutex<JobState>,
    /// When it was uploaded: an upload left uncommitted is forgotten (and its file
    /// removed) after [`UPLOAD_TTL`].
    pub at: Instant,
    /// The folder that holds the file, removed with the upload.
    pub _dir: TempDir,
    /// A reconciliation source (its kind, area and period): the births are
    /// imported as that source, described in the import's transaction.
    pub spec: Option<renkou_reconciliation::workflow::SourceSpec>,
}

/// How long an uploaded file waits for its commit, and a finished job's result
/// stays for its owner to read.
pub const UPLOAD_TTL: Duration = Duration::from_secs(3600);
pub const FINISHED_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Default, Clone)]
pub struct JobState {
    pub started: bool,
    pub phase: String,
    pub done: u64,
    pub total: u64,
    pub finished: bool,
    pub message: String,
    /// The rows refused (nothing imported), or left out under `skip_invalid`;
    /// the job's page shows each in its language.
    pub errors: Vec<RowError>,
    /// Whether `errors` are rows left out of an import that was done.
    pub skipped: bool,
    /// Row errors found by the check before commit.
    pub preview_errors: usize,
}

#[derive(Default)]
pub struct Uploads {
    map: Mutex<HashMap<u64, Arc<Upload>>>,
}

/// One line of the home page's "needs attention": an upload of this account.
pub struct UploadStatus {
    pub id: u64,
    /// Where to look: the job's page, or a new upload for a file that failed its check.
    pub link: String,
    pub file_name: String,
    pub status: String,
    pub problem: bool,
}

impl Uploads {
    /// This account's uploads that need a look: checked with errors, running, or
    /// finished with errors; newest first.
    pub fn attention(&self, owner: &str) -> Vec<UploadStatus> {
        let Ok(map) = self.map.lock() else {
            return Vec::new();
        };
        let mut v: Vec<UploadStatus> = map
            .iter()
            .filter(|(_, u)| u.owner == owner)
            .filter_map(|(id, u)| {
                let j = u.job.lock().ok()?;
                let (status, problem) = if j.started && !j.finished {
                    (
                        format!(
                            "导入中 / importing {}%",
                            (j.done * 100).checked_div(j.total).unwrap_or(0)
                        ),
                        false,
                    )
                } else if j.skipped && !j.errors.is_empty() {
                    let n = j.errors.len();
                    (format!("{n} 行未导入 / {n} rows left out"), true)
                } else if !j.errors.is_empty() || (!j.started && j.preview_errors > 0) {
                    let n = if j.started {
                        j.errors.len()
                    } else {
                        j.preview_errors
                    };
                    (format!("{n} 处错误 / {n} errors"), true)
                } else {
                    return None;
                };
                Some(UploadStatus {
                    id: *id,
                    link: if j.started {
                        format!("/imports/{id}")
                    } else {
                        "/imports/new".to_string()
                    },
                    file_name: u.file_name.clone(),
                    status,
                    problem,
                })
            })
            .collect();
        v.sort_by_key(|u| std::cmp::Reverse(u.id));
        v.truncate(10);
        v
    }

    pub(crate) fn get(&self, id: u64, owner: &str) -> Option<Arc<Upload>> {
        let map = self.map.lock().ok()?;
        map.get(&id).filter(|u| u.owner == owner).cloned()
    }

    fn insert(&self, id: u64, u: Arc<Upload>) {
        if let Ok(mut map) = self.map.lock() {
            // Forget uploads nobody committed and results nobody needs any more;
            // a running job is kept. Dropping an upload removes its folder.
            map.retain(|_, u| {
                let Ok(j) = u.job.lock() else { return false };
                let age = u.at.elapsed();
                (j.started && !j.finished)
                    || (!j.started && age < UPLOAD_TTL)
                    || (j.finished && age < FINISHED_TTL)
            });
            map.insert(id, u);
        }
    }
}

/// A temporary folder of our own, removed when dropped (whatever happens to the
/// request that made it).
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Result<TempDir, WebError> {
        let p = std::env::temp_dir().join(format!(
            "renkou-{tag}-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&p).map_err(|e| WebError::Internal(e.to_string()))?;
        Ok(TempDir(p))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A row error as a page shows it: file, row and column, and the page's half of
/// a "中文 / English" message.
pub(crate) fn row_text(l: L, e: &renkou_interchange::RowError) -> String {
    renkou_interchange::RowError {
        message: l.half(&e.message),
        ..e.clone()
    }
    .to_string()
}

/// The two kinds of file an upload can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKindParam {
    /// A roster or registry of persons (the register).
    Persons,
    /// A source's births (reconciliation).
    Births,
}

impl FileKindParam {
    pub fn name_zh(self) -> &'static str {
        match self {
            FileKindParam::Persons => "人员",
            FileKindParam::Births => "出生记录",
        }
    }

    /// Its name in the page's language.
    pub fn name(self, l: L) -> &'static str {
        match self {
            FileKindParam::Persons => l.s(self.name_zh(), "persons"),
            FileKindParam::Births => l.s(self.name_zh(), "births"),
        }
    }

    fn file_kind(self) -> FileKind {
        match self {
            FileKindParam::Persons => FileKind::Persons,
            FileKindParam::Births => FileKind::Births,
        }
    }
}

/// Only the file's own name is kept from a name the client sent: the path is ours.
/// Control characters go; `.`, `..` and an empty name become `upload`; a name is
/// cut to 200 bytes (file systems allow 255), keeping its extension.
pub(crate) fn safe_file_name(given: &str) -> String {
    let name: String = given
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let name = name.trim().trim_start_matches('.').to_string();
    if name.is_empty() {
        return "upload".to_string();
    }
    const MAX: usize = 200;
    if name.len() <= MAX {
        return name;
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| e.len() <= 10)
        .unwrap_or("");
    let keep = MAX - ext.len() - 1;
    let mut cut = keep;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    if ext.is_empty() {
        name[..cut].to_string()
    } else {
        format!("{}.{ext}", &name[..cut])
    }
}

/// How an import fails, for the pages and the API.
pub(crate) enum ImportFailure {
    /// Rows with errors; nothing was written.
    Rows(Vec<RowError>),
    Other(WebError),
}

/// Runs the import of a file of `kind`, exactly as the CLI does: persons go into
/// the register, births are a source's records (reconciliation). Returns the
/// report and, under `skip_invalid`, the errors of the rows left out.
pub(crate) fn run_import(
    store: &renkou_store::Store,
    kind: FileKindParam,
    path: &std::path::Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<(ImportReport, Vec<RowError>), ImportFailure> {
    match kind {
        FileKindParam::Births => renkou_reconciliation::sources::import_births_as(
            store, path, source, opts, progress, None,
        )
        .map(|i| (i.report, i.refused))
        .map_err(|e| match e {
            renkou_reconciliation::Error::InvalidRows { errors, .. } => ImportFailure::Rows(errors),
            e => ImportFailure::Other(e.into()),
        }),
        FileKindParam::Persons => {
            renkou_register::import::import_persons_refused(store, path, opts, progress)
                .map(|i| (i.report, i.refused))
                .map_err(|e| match e {
                    renkou_register::AppError::InvalidRows { errors, .. } => {
                        ImportFailure::Rows(errors)
                    }
                    e => ImportFailure::Other(e.into()),
                })
        }
    }
}

/// What an upload's import did: the report, a source's flag lines, and the
/// errors of the rows `skip_invalid` left out.
pub(crate) struct Imported {
    pub report: ImportReport,
    pub flagged: Vec<String>,
    pub refused: Vec<RowError>,
}

/// Runs an upload's import: a reconciliation source through its use case (the
/// records kept as written, counted per flag), anything else as [`run_import`].
pub(crate) fn run_upload(
    store: &renkou_store::Store,
    u: &Upload,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<Imported, ImportFailure> {
    let Some(spec) = &u.spec else {
        return run_import(store, u.kind, &u.path, &u.source, opts, progress).map(
            |(report, refused)| Imported {
                report,
                flagged: Vec::new(),
                refused,
            },
        );
    };
    match renkou_reconciliation::workflow::import_source(store, &u.path, spec, opts, progress) {
        Ok(i) => {
            let mut lines = Vec::new();
            if i.flagged_total > 0 {
                lines.push(format!(
                    "{} 条记录有单元格按原样保留并标记 / {} records keep a cell as written, flagged:",
                    i.flagged_total, i.flagged_total
                ));
            }
            for (f, n) in &i.flagged {
                lines.push(format!("{}：{n} / {}: {n}", f.name_zh(), f.name_en()));
            }
            if let Some(id) = i.source_id {
                lines.push(format!("来源编号 / source id: {id}"));
            }
            Ok(Imported {
                report: i.report,
                flagged: lines,
                refused: i.refused,
            })
        }
        Err(renkou_reconciliation::Error::InvalidRows { errors, .. }) => {
            Err(ImportFailure::Rows(errors))
        }
        Err(e) => Err(ImportFailure::Other(e.into())),
    }
}

struct JobProgress(Arc<Upload>);

impl Progress for JobProgress {
    fn start(&self, label: &str, total: u64) {
        if let Ok(mut j) = self.0.job.lock() {
            j.phase = label.to_string();
            j.total = total;
            j.done = 0;
        }
    }
    fn set(&self, done: u64) {
        if let Ok(mut j) = self.0.job.lock() {
            j.done = done;
        }
    }
    fn finish(&self) {
        if let Ok(mut j) = self.0.job.lock() {
            j.done = j.total;
        }
    }
}

#[derive(Template)]
#[template(path = "register/upload.html")]
struct UploadPage {
    l: L,
    me: Current,
    error: String,
}

pub(crate) fn may_import(current: &Current) -> Result<(), WebError> {
    if current.account.role.edits_personal_records() {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

pub async fn upload_form(current: Current) -> Result<Html<String>, WebError> {
    may_import(&current)?;
    Ok(Html(
        UploadPage {
            l: current.l,
            me: current,
            error: String::new(),
        }
        .render()?,
    ))
}

/// A field where the file differs from a newer edit in the register, as the
/// preview lists it.
struct ConflictRow {
    row: u64,
    person_no: String,
    field: &'static str,
    register: String,
    file: String,
    edited_by: String,
    edited_at: String,
}

#[derive(Template)]
#[template(path = "register/preview.html")]
struct PreviewPage {
    l: L,
    me: Current,
    upload_id: u64,
    file_name: String,
    kind: &'static str,
    columns: Vec<(String, String)>,
    unknown: Vec<String>,
    rows: Vec<Vec<String>>,
    errors: Vec<String>,
    error_count: usize,
    read: u64,
    can_commit: bool,
    file_error: String,
    conflicts: Vec<ConflictRow>,
    /// A source's records kept with a cell as written, per reason.
    flagged: Vec<String>,
    /// Where to upload a fixed file.
    again: &'static str,
}

fn opts(
    current: &Current,
    skip_invalid: bool,
    dry_run: bool,
    overwrite_newer: bool,
) -> ImportOptions {
    let mut o = ImportOptions::by(current.actor());
    o.skip_invalid = skip_invalid;
    o.dry_run = dry_run;
    o.overwrite_newer = overwrite_newer;
    o
}

/// What a cell may show on a preview: long text is cut, not echoed whole.
fn preview_cell(s: &str) -> String {
    if s.chars().count() > 60 {
        let mut t: String = s.chars().take(60).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

pub async fn upload(
    State(state): State<AppState>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let current = form.me.clone();
    may_import(&current)?;
    let kind = if form.get("kind") == "births" {
        FileKindParam::Births
    } else {
        FileKindParam::Persons
    };
    let source = form.get("source").trim().to_string();
    let village = form.get("village").trim().to_string();
    let skip_invalid = form.get("skip_invalid") == "1";
    let file = form
        .file
        .filter(|f| !f.bytes.is_empty())
        .ok_or_else(|| WebError::BadRequest("请选择文件 / choose a file".into()))?;
    preview(
        state,
        current,
        kind,
        source,
        skip_invalid,
        file,
        None,
        Some(village),
    )
    .await
}

/// Keeps an uploaded file and shows its preview: the recognised columns, the first
/// rows, a dry run of the real import (every row error, a source's flags); the
/// import itself runs as a job on commit (`/imports/{id}/commit`).
// The upload's parts as the two forms that lead here (the ledger upload and the
// reconciliation's source upload) give them; a struct would only be built to be
// taken apart again.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn preview(
    state: AppState,
    current: Current,
    kind: FileKindParam,
    source: String,
    skip_invalid: bool,
    file: crate::extract::Upload,
    spec: Option<renkou_reconciliation::workflow::SourceSpec>,
    village: Option<String>,
) -> Result<Response, WebError> {
    let id: u64 = rand::random::<u64>() >> 12;
    let dir = TempDir::new("upload")?;
    let path = dir.path().join(&file.file_name);
    std::fs::write(&path, &file.bytes).map_err(|e| WebError::Internal(e.to_string()))?;
    let upload = Arc::new(Upload {
        owner: current.account.username.clone(),
        kind,
        source,
        skip_invalid,
        path: path.clone(),
        file_name: file.file_name.clone(),
        job: Mutex::new(JobState::default()),
        at: Instant::now(),
        _dir: dir,
        spec,
    });
    state.uploads.insert(id, upload.clone());
    let me = current.clone();
    if kind == FileKindParam::Persons && renkou_register::roster::is_roster(&upload.path, None) {
        // A village's own roster: its own preview, with the column mapping to check.
        let page =
            blocking(move || super::roster::preview(&state, &me, id, &upload, village, None))
                .await?;
        return Ok(Html(page.render()?).into_response());
    }
    let page = blocking(move || {
        let fk = upload.kind.file_kind();
        let mut page = PreviewPage {
            l: me.l,
            me: me.clone(),
            upload_id: id,
            file_name: upload.file_name.clone(),
            kind: upload.kind.name(me.l),
            columns: Vec::new(),
            unknown: Vec::new(),
            rows: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            read: 0,
            can_commit: false,
            file_error: String::new(),
            conflicts: Vec::new(),
            flagged: Vec::new(),
            again: if upload.spec.is_some() {
                "/reconcile"
            } else {
                "/imports/new"
            },
        };
        let shown = |s: String| s.replace(&upload.path.display().to_string(), &upload.file_name);
        match TableReader::open(&upload.path, fk, None) {
            Err(e) => {
                page.file_error = shown(e.to_string());
                return Ok(page);
            }
            Ok(mut r) => {
                page.columns = fk
                    .columns()
                    .iter()
                    .filter_map(|c| {
                        r.index(c.name)
                            .map(|i| (preview_cell(r.header(i)), me.l.s(c.zh, c.name).to_string()))
                    })
                    .collect();
                page.unknown = r
                    .extra_columns()
                    .into_iter()
                    .map(|(_, h)| preview_cell(&h))
                    .collect();
                let mut row = Row::default();
                while page.rows.len() < 10 {
                    match r.next_row(&mut row) {
                        Ok(true) => page.rows.push(row.cells().map(preview_cell).collect()),
                        Ok(false) => break,
                        Err(e) => {
                            page.file_error = shown(e.to_string());
                            return Ok(page);
                        }
                    }
                }
            }
        }
        let o = opts(&me, upload.skip_invalid, true, false);
        match run_upload(&state.store, &upload, &o, &NoProgress) {
            Ok(Imported {
                report, flagged, ..
            }) => {
                page.flagged = flagged.iter().map(|f| me.l.half(f)).collect();
                page.read = report.counts.read;
                page.error_count = report.rejected_rows;
                page.can_commit = true;
                page.conflicts = report
                    .conflicts
                    .iter()
                    .map(|c| ConflictRow {
                        row: c.row,
                        person_no: c.person_no.clone(),
                        field: me.l.field(c.field),
                        register: preview_cell(&me.l.value(c.field, &c.register)),
                        file: preview_cell(&me.l.value(c.field, &c.file)),
                        edited_by: c.edited_by.clone(),
                        edited_at: crate::i18n::local_minute(&c.edited_at),
                    })
                    .collect();
            }
            Err(ImportFailure::Rows(errors)) => {
                page.error_count = errors.len();
                page.errors = errors
                    .iter()
                    .take(500)
                    .map(|e| shown(row_text(me.l, e)))
                    .collect();
            }
            Err(ImportFailure::Other(e)) => page.file_error = shown(me.l.half(&e.to_string())),
        }
        Ok(page)
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct CommitForm {
    /// "1": take the file's values over newer edits in the register.
    overwrite_newer: String,
}

pub async fn commit(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    CsrfForm { me: current, form }: CsrfForm<CommitForm>,
) -> Result<Response, WebError> {
    may_import(&current)?;
    let upload = state
        .uploads
        .get(id, &current.account.username)
        .ok_or(WebError::NotFound)?;
    {
        let mut j = upload
            .job
            .lock()
            .map_err(|_| WebError::Internal("job lock".into()))?;
        if j.started {
            return Ok(Redirect::to(&format!("/imports/{id}")).into_response());
        }
        j.started = true;
        j.phase = "排队 / queued".into();
    }
    let store = state.store.clone();
    let o = opts(
        &current,
        upload.skip_invalid,
        false,
        form.overwrite_newer == "1",
    );
    let job = upload.clone();
    // A server thread, not the request: the import goes on when the user leaves.
    // Its audit entry is written in the import's own transaction.
    std::thread::spawn(move || {
        let progress = JobProgress(job.clone());
        let result = run_upload(&store, &job, &o, &progress);
        let shown = |s: String| s.replace(&job.path.display().to_string(), &job.file_name);
        let (message, errors, skipped) = match result {
            Ok(Imported {
                report: r,
                flagged,
                refused,
            }) => {
                let c = r.counts;
                let mut m = format!(
                    "完成：读取 {}，新增 {}，未变 {}，更正 {}，跳过 {} / done: read {}, new {}, unchanged {}, corrected {}, skipped {}",
                    c.read, c.new, c.unchanged, c.corrected, r.rejected_rows, c.read, c.new, c.unchanged, c.corrected, r.rejected_rows
                );
                for line in flagged {
                    m.push('；');
                    m.push_str(&line);
                }
                (m, refused.into_iter().take(500).collect(), true)
            }
            Err(ImportFailure::Rows(errors)) => (
                format!(
                    "{} 处错误，未导入任何数据 / {} errors, nothing was imported",
                    errors.len(),
                    errors.len()
                ),
                errors.into_iter().take(500).collect(),
                false,
            ),
            Err(ImportFailure::Other(e)) => (shown(e.to_string()), Vec::new(), false),
        };
        if let Ok(mut j) = job.job.lock() {
            j.finished = true;
            j.message = message;
            j.errors = errors;
            j.skipped = skipped;
        }
        let _ = std::fs::remove_file(&job.path);
    });
    Ok(Redirect::to(&format!("/imports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "register/job.html")]
struct JobPage {
    l: L,
    me: Current,
    file_name: String,
    job: JobState,
    /// The row errors in the page's language, naming the file as uploaded.
    errors: Vec<String>,
    percent: u64,
}

pub async fn job(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<u64>,
) -> Result<Html<String>, WebError> {
    let upload = state
        .uploads
        .get(id, &current.account.username)
        .ok_or(WebError::NotFound)?;
    let job = upload
        .job
        .lock()
        .map_err(|_| WebError::Internal("job lock".into()))?
        .clone();
    // The message is "中文 / English" parts joined by '；': this page's half of each.
    let mut job = job;
    job.message = job
        .message
        .split('；')
        .map(|part| current.l.half(part))
        .collect::<Vec<_>>()
        .join(current.l.s("；", "; "));
    job.phase = current.l.half(&job.phase);
    let path = upload.path.display().to_string();
    let errors = job
        .errors
        .iter()
        .map(|e| row_text(current.l, e).replace(&path, &upload.file_name))
        .collect();
    let percent = (job.done * 100)
        .checked_div(job.total)
        .unwrap_or(0)
        .min(100);
    Ok(Html(
        JobPage {
            l: current.l,
            me: current,
            file_name: upload.file_name.clone(),
            job,
            errors,
            percent,
        }
        .render()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_from_clients_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("."), "upload");
        assert_eq!(safe_file_name(".."), "upload");
        assert_eq!(safe_file_name("C:\\台帐\\一村.xlsx"), "一村.xlsx");
        let long = format!("{}.xlsx", "村".repeat(200));
        let s = safe_file_name(&long);
        assert!(s.len() <= 200 && s.ends_with(".xlsx"), "{s}");
    }
}
