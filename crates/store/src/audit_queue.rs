//! Views of a person or household are audited without making the page wait for the
//! database: the entry is queued with the moment of the view and written by a
//! background thread, which waits and retries while a long import holds the write
//! lock. A view therefore never fails because the audit log cannot be written at
//! that instant, and the entry still reaches the chain (with its own time) once
//! the lock is free. The queue is bounded: past the bound the view is refused,
//! rather than unaudited.

use crate::audit::{append_at, AuditAction, AuditAuthor, AuditKey, AuditNote, RecordKind};
use crate::conn::SqliteConn;
use crate::error::{Result, StoreError};
use crate::Pool;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

/// Entries waiting beyond this refuse new views.
const MAX_PENDING: usize = 100_000;

pub(crate) struct Pending {
    pub username: String,
    pub address: String,
    pub action: AuditAction,
    pub record: RecordKind,
    pub record_id: String,
    pub fields: String,
    pub at: DateTime<Utc>,
}

#[derive(Default)]
struct State {
    pending: Vec<Pending>,
    /// Entries taken by the writer and not yet committed.
    writing: usize,
    /// The store is gone: write what is pending, then stop (and let go of the
    /// connections).
    closed: bool,
}

/// Tries of a batch that fails for another reason than a held lock (the database
/// itself is gone or broken) before it is given up, loudly.
const MAX_TRIES: u32 = 30;

#[derive(Default)]
pub(crate) struct Queue {
    shared: Arc<(Mutex<State>, Condvar)>,
    started: OnceLock<()>,
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.flush(std::time::Duration::from_secs(10));
        let (lock, cv) = &*self.shared;
        if let Ok(mut st) = lock.lock() {
            st.closed = true;
        }
        cv.notify_all();
    }
}

impl Queue {
    pub(crate) fn push(&self, p: Pending, pool: &Pool, key: &AuditKey) -> Result<()> {
        self.started.get_or_init(|| {
            let (shared, pool, key) = (self.shared.clone(), pool.clone(), key.clone());
            let spawned = std::thread::Builder::new()
                .name("renkou-audit-views".into())
                .spawn(move || writer(shared, pool, key));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "audit view writer could not start");
            }
        });
        let (lock, cv) = &*self.shared;
        let mut st = lock
            .lock()
            .map_err(|_| StoreError::Corrupt("audit queue".into()))?;
        if st.pending.len() >= MAX_PENDING {
            return Err(StoreError::Busy);
        }
        st.pending.push(p);
        cv.notify_all();
        Ok(())
    }

    /// Waits until every queued entry is written (or `timeout` passes).
    pub(crate) fn flush(&self, timeout: Duration) {
        if self.started.get().is_none() {
            return;
        }
        let (lock, cv) = &*self.shared;
        let Ok(mut st) = lock.lock() else { return };
        let deadline = std::time::Instant::now() + timeout;
        while !st.pending.is_empty() || st.writing > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            match cv.wait_timeout(st, left) {
                Ok((g, _)) => st = g,
                Err(_) => return,
            }
        }
    }
}

fn writer(shared: Arc<(Mutex<State>, Condvar)>, pool: Pool, key: AuditKey) {
    let (lock, cv) = &*shared;
    loop {
        let batch = {
            let Ok(mut st) = lock.lock() else { return };
            while st.pending.is_empty() {
                if st.closed {
                    return;
                }
                st = match cv.wait(st) {
                    Ok(g) => g,
                    Err(_) => return,
                };
            }
            let b = std::mem::take(&mut st.pending);
            st.writing = b.len();
            b
        };
        let mut tries = 0u32;
        loop {
            match write_batch(&pool, &key, &batch) {
                Ok(()) => break,
                Err(StoreError::Busy) => std::thread::sleep(Duration::from_millis(500)),
                Err(e) if tries + 1 >= MAX_TRIES => {
                    tracing::error!(error = %e, views = batch.len(), "audit views could not be written and are lost");
                    break;
                }
                Err(e) => {
                    tries += 1;
                    tracing::warn!(error = %e, tries, "audit views not written yet");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
        if let Ok(mut st) = lock.lock() {
            st.writing = 0;
        }
        cv.notify_all();
    }
}

fn write_batch(pool: &Pool, key: &AuditKey, batch: &[Pending]) -> Result<()> {
    let go = |c: &mut dyn crate::conn::Conn| -> Result<()> {
        c.batch(crate::begin_sql(c.backend()))?;
        let r = (|| {
            for p in batch {
                append_at(
                    c,
                    key,
                    AuditAuthor {
                        username: &p.username,
                        address: &p.address,
                    },
                    &AuditNote {
                        action: p.action,
                        record: p.record,
                        record_id: &p.record_id,
                        fields: &p.fields,
                    },
                    p.at,
                )?;
            }
            c.batch("COMMIT")
        })();
        if r.is_err() {
            let _ = c.batch("ROLLBACK");
        }
        r
    };
    match pool {
        Pool::Sqlite(p) => {
            let c = p.get()?;
            go(&mut SqliteConn(&c))
        }
        Pool::Postgres(p) => {
            let mut c = p.get()?;
            go(&mut *c)
        }
    }
}
