//! Progress of long jobs, reported to whoever shows it (a terminal bar, a web page).

pub trait Progress: Sync {
    /// A new phase begins; `total` in the phase's unit (0 if unknown).
    fn start(&self, label: &str, total: u64);
    /// `done` units of the phase are complete.
    fn set(&self, done: u64);
    fn finish(&self);
}

/// For tests and callers that show nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn set(&self, _: u64) {}
    fn finish(&self) {}
}
