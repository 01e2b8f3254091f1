//! The JSON API fuzzed from its own OpenAPI description by schemathesis (from PyPI;
//! `.ci/run` installs it), against the real binary serving a generated county, for a
//! bounded number of examples per operation: no answer may be a 5xx, undocumented,
//! or outside the description, and a request that breaks the description must be
//! refused. The one check left out is "every schema-valid request is accepted":
//! a body that is any bytes can be schema-valid and still not be a ledger.
//!
//! Without schemathesis the test says so and passes, except under `CI=true`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn schemathesis() -> Option<String> {
    for cand in ["st", "schemathesis"] {
        if Command::new(cand)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            return Some(cand.to_string());
        }
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but schemathesis (st) is not installed");
    }
    eprintln!("\n!!! schemathesis not installed: SKIPPING the API fuzz test (pip install schemathesis) !!!\n");
    None
}

#[test]
fn the_api_survives_a_fuzzer_driven_by_its_own_description() {
    let Some(st) = schemathesis() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fuzz.db").display().to_string();
    crate::common::ok(&db, &["demo", "--persons", "2000", "--seed", "4"]);
    // The township account of the demo, past its first-login change (tokens of an
    // account that must still change its password are refused).
    {
        let store = renkou_store::Store::open(&db).unwrap();
        let a = store.account_by_name("xiangzhen").unwrap().unwrap();
        let hash = renkou_register::accounts::hash_password("Fuzz-Pass-2026x").unwrap();
        store.set_password(a.id, &hash, false).unwrap();
    }
    let token = crate::common::ok(&db, &["user", "token", "xiangzhen"])
        .trim()
        .to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_renkou"))
        .args(["--database", &db, "serve", "--listen", &listen])
        .env("RENKOU_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let up = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        std::net::TcpStream::connect(&listen).is_ok()
    });
    assert!(up, "the server did not start");
    // Records of the township, so the fuzzer reaches past the 404s.
    let config = dir.path().join("st.toml");
    std::fs::write(
        &config,
        "[parameters]\n\"code\" = \"349901101000\"\n\"no\" = \"P000002\"\n",
    )
    .unwrap();
    let mut fuzz = Command::new(&st)
        .arg("--config-file")
        .arg(&config)
        .args([
            "run",
            &format!("http://{listen}/api/openapi.json"),
            "-H",
            &format!("Authorization: Bearer {token}"),
            "--max-examples",
            "40",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--no-color",
            // A fixed seed: CI reproduces what it finds (run with another seed by
            // hand to explore: RENKOU_FUZZ_SEED).
            "--seed",
            &std::env::var("RENKOU_FUZZ_SEED").unwrap_or_else(|_| "20261201".into()),
        ])
        .env("SCHEMATHESIS_HOOKS", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = fuzz.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(300) {
            let _ = fuzz.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = fuzz.wait_with_output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let status = status.expect("schemathesis ran longer than five minutes");
    assert!(status.success(), "schemathesis found failures:\n{text}");
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
}
