//! Terminal progress bars for long jobs (hidden automatically when stderr is not a
//! terminal, so scripts and logs stay clean).

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;

pub struct Bar(Mutex<Option<ProgressBar>>);

impl Bar {
    pub fn new() -> Self {
        Bar(Mutex::new(None))
    }
}

impl renkou_domain::progress::Progress for Bar {
    fn start(&self, label: &str, total: u64) {
        let pb = if total > 0 {
            ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:40}] {percent}% {elapsed_precise} (剩余/eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            )
        } else {
            ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {msg} {pos} {elapsed_precise}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            )
        };
        pb.set_message(label.to_string());
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        if let Ok(mut g) = self.0.lock() {
            if let Some(old) = g.replace(pb) {
                old.finish_and_clear();
            }
        }
    }

    fn set(&self, done: u64) {
        if let Ok(g) = self.0.lock() {
            if let Some(pb) = g.as_ref() {
                pb.set_position(done);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut g) = self.0.lock() {
            if let Some(pb) = g.take() {
                pb.finish_and_clear();
            }
        }
    }
}
