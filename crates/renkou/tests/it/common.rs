//! What the binary's tests share: running the real `renkou` on a database and
//! checking how it ended.

use std::process::{Command, Output};

/// Runs `renkou --database DB ARGS…`.
pub fn renkou(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renkou"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("RENKOU_LOG", "warn")
        .output()
        .expect("run renkou")
}

/// [`renkou`] that must succeed; its standard output.
pub fn ok(db: &str, args: &[&str]) -> String {
    let o = renkou(db, args);
    assert!(
        o.status.success(),
        "renkou {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// [`renkou`] that must fail with exit code 1; its standard error.
pub fn fails(db: &str, args: &[&str]) -> String {
    let o = renkou(db, args);
    assert!(!o.status.success(), "renkou {args:?} should fail");
    assert_eq!(o.status.code(), Some(1));
    String::from_utf8_lossy(&o.stderr).into_owned()
}
