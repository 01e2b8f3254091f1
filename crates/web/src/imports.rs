//! Uploading a ledger (persons or births, CSV or xlsx) in the browser: the file is
//! checked in full first (a dry run of the real import, rolled back), the page shows
//! the recognised columns, the first rows and every row error with the same
//! messages as the CLI; then the user commits, and the import runs in a server
//! thread with progress that survives navigating away.

use crate::auth::Current;
use crate::error::WebError;
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use renkou_app::import::{import_births, import_persons, ImportOptions};
use renkou_app::{AppError, Progress};
use renkou_interchange::{FileKind, Row, TableReader};
use renkou_store::audit::AuditRecord;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// An upload and, once committed, its import job.
pub struct Upload {
    pub owner: String,
    pub kind: String,
    pub source: String,
    pub skip_invalid: bool,
    pub path: PathBuf,
    pub file_name: String,
    pub job: Mutex<JobState>,
}

#[derive(Default, Clone)]
pub struct JobState {
    pub started: bool,
    pub phase: String,
    pub done: u64,
    pub total: u64,
    pub finished: bool,
    pub message: String,
    pub errors: Vec<String>,
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

    fn get(&self, id: u64, owner: &str) -> Option<Arc<Upload>> {
        let map = self.map.lock().ok()?;
        map.get(&id).filter(|u| u.owner == owner).cloned()
    }
}

/// Only the file's own name is kept from a name the client sent: the path is ours.
pub(crate) fn safe_file_name(given: &str) -> String {
    let name: String = given
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if name.is_empty() {
        "upload".to_string()
    } else {
        name
    }
}

/// Runs the import of a ledger of `kind` ("births" needs a source; anything else
/// is a persons file), exactly as the CLI does.
pub(crate) fn run_import(
    store: &renkou_store::Store,
    kind: &str,
    path: &std::path::Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<renkou_app::import::ImportReport, AppError> {
    if kind == "births" {
        import_births(store, path, source, opts, progress)
    } else {
        import_persons(store, path, opts, progress)
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
#[template(path = "upload.html")]
struct UploadPage {
    l: L,
    me: Current,
    error: String,
}

fn may_import(current: &Current) -> Result<(), WebError> {
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

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    l: L,
    me: Current,
    upload_id: u64,
    file_name: String,
    kind: String,
    columns: Vec<(String, String)>,
    unknown: Vec<String>,
    rows: Vec<Vec<String>>,
    errors: Vec<String>,
    error_count: usize,
    read: u64,
    can_commit: bool,
    file_error: String,
}

fn opts(current: &Current, skip_invalid: bool, dry_run: bool) -> ImportOptions {
    ImportOptions {
        sheet: None,
        skip_invalid,
        recorded_by: current.account.username.clone(),
        dry_run,
        scope: Some(current.scope.region.clone()),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    current: Current,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    may_import(&current)?;
    let (mut kind, mut source, mut skip_invalid, mut csrf) =
        (String::new(), String::new(), false, String::new());
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let fname = field.file_name().unwrap_or("upload").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| WebError::BadRequest(e.to_string()))?;
                file = Some((fname, bytes.to_vec()));
            }
            other => {
                let v = field
                    .text()
                    .await
                    .map_err(|e| WebError::BadRequest(e.to_string()))?;
                match other {
                    "kind" => kind = v,
                    "source" => source = v,
                    "skip_invalid" => skip_invalid = v == "1",
                    "csrf" => csrf = v,
                    _ => {}
                }
            }
        }
    }
    current.check_csrf(&csrf)?;
    let (file_name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| WebError::BadRequest("请选择文件 / choose a file".into()))?;
    if kind != "births" {
        kind = "persons".into();
    }
    let safe = safe_file_name(&file_name);
    let id: u64 = rand::random::<u64>() >> 12;
    let dir = std::env::temp_dir().join(format!("renkou-uploads/{id}"));
    std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
    let path = dir.join(&safe);
    std::fs::write(&path, &bytes).map_err(|e| WebError::Internal(e.to_string()))?;
    let upload = Arc::new(Upload {
        owner: current.account.username.clone(),
        kind: kind.clone(),
        source: source.trim().to_string(),
        skip_invalid,
        path: path.clone(),
        file_name: safe.clone(),
        job: Mutex::new(JobState::default()),
    });
    if let Ok(mut map) = state.uploads.map.lock() {
        map.insert(id, upload.clone());
    }
    let me = current.clone();
    let page = blocking(move || {
        let fk = if upload.kind == "births" {
            FileKind::Births
        } else {
            FileKind::Persons
        };
        let mut page = PreviewPage {
            l: me.l,
            me: me.clone(),
            upload_id: id,
            file_name: upload.file_name.clone(),
            kind: upload.kind.clone(),
            columns: Vec::new(),
            unknown: Vec::new(),
            rows: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            read: 0,
            can_commit: false,
            file_error: String::new(),
        };
        match TableReader::open(&upload.path, fk, None) {
            Err(e) => {
                page.file_error = e
                    .to_string()
                    .replace(&upload.path.display().to_string(), &upload.file_name);
                return Ok(page);
            }
            Ok(mut r) => {
                page.columns = fk
                    .columns()
                    .iter()
                    .filter_map(|c| {
                        r.index(c.name)
                            .map(|i| (r.header(i).to_string(), format!("{} / {}", c.zh, c.name)))
                    })
                    .collect();
                page.unknown = r.extra_columns().into_iter().map(|(_, h)| h).collect();
                let mut row = Row::default();
                while page.rows.len() < 10
                    && r.next_row(&mut row)
                        .map_err(|e| WebError::BadRequest(e.to_string()))?
                {
                    page.rows.push(row.cells().map(str::to_string).collect());
                }
            }
        }
        let o = opts(&me, upload.skip_invalid, true);
        let result = run_import(
            &state.store,
            &upload.kind,
            &upload.path,
            &upload.source,
            &o,
            &renkou_app::NoProgress,
        );
        let shown = |s: String| s.replace(&upload.path.display().to_string(), &upload.file_name);
        match result {
            Ok(report) => {
                page.read = report.counts.read;
                page.error_count = report.rejected_rows;
                page.can_commit = true;
            }
            Err(AppError::InvalidRows { errors, .. }) => {
                page.error_count = errors.len();
                page.errors = errors
                    .iter()
                    .take(500)
                    .map(|e| shown(e.to_string()))
                    .collect();
            }
            Err(e) => page.file_error = shown(e.to_string()),
        }
        Ok(page)
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

pub async fn commit(
    State(state): State<AppState>,
    current: Current,
    Path(id): Path<u64>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, WebError> {
    current.check_csrf(&form.csrf)?;
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
    let o = opts(&current, upload.skip_invalid, false);
    let address = current.address.clone();
    let job = upload.clone();
    // A server thread, not the request: the import goes on when the user leaves.
    std::thread::spawn(move || {
        let progress = JobProgress(job.clone());
        let result = run_import(&store, &job.kind, &job.path, &job.source, &o, &progress);
        let shown = |s: String| s.replace(&job.path.display().to_string(), &job.file_name);
        let (message, errors) = match result {
            Ok(r) => {
                let c = r.counts;
                let _ = store.audit(&AuditRecord {
                    username: &o.recorded_by,
                    action: "import",
                    record_type: "import",
                    record_id: &c.import_id.to_string(),
                    fields: &format!(
                        "{} read={} new={} corrected={}",
                        job.kind, c.read, c.new, c.corrected
                    ),
                    address: &address,
                });
                (
                    format!(
                        "完成：读取 {}，新增 {}，未变 {}，更正 {}，跳过 {} / done: read {}, new {}, unchanged {}, corrected {}, skipped {}",
                        c.read, c.new, c.unchanged, c.corrected, r.rejected_rows, c.read, c.new, c.unchanged, c.corrected, r.rejected_rows
                    ),
                    Vec::new(),
                )
            }
            Err(AppError::InvalidRows { errors, .. }) => (
                format!(
                    "{} 处错误，未导入任何数据 / {} errors, nothing was imported",
                    errors.len(),
                    errors.len()
                ),
                errors
                    .iter()
                    .take(500)
                    .map(|e| shown(e.to_string()))
                    .collect(),
            ),
            Err(e) => (shown(e.to_string()), Vec::new()),
        };
        if let Ok(mut j) = job.job.lock() {
            j.finished = true;
            j.message = message;
            j.errors = errors;
        }
        let _ = std::fs::remove_dir_all(job.path.parent().unwrap_or(&job.path));
    });
    Ok(Redirect::to(&format!("/imports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    l: L,
    me: Current,
    file_name: String,
    job: JobState,
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
            percent,
        }
        .render()?,
    ))
}
