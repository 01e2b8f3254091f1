//! The web UI in a real browser: headless Chromium driven over WebDriver
//! (chromedriver), against the real binary serving a generated demo county. A
//! village worker logs in (changing the initial password), finds a person by name,
//! registers a birth, sees the child in the village list and in the mother's
//! history, and is refused another village's page. Screenshots of the main pages go
//! to target/test-artifacts/.
//!
//! Skipped with a loud message when Chromium or chromedriver is missing, except
//! under CI=true (.ci/run installs both).

use fantoccini::{ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing listens on {port}");
}

fn renkou(db: &str, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_renkou"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("RENKOU_LOG", "warn")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_village_worker_registers_a_birth_in_the_browser() {
    let (chromium, driver) = (
        Path::new("/usr/bin/chromium"),
        Path::new("/usr/bin/chromedriver"),
    );
    if !chromium.exists() || !driver.exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but Chromium or chromedriver is missing");
        }
        eprintln!("\n!!! Chromium/chromedriver not installed: SKIPPING the browser test !!!\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("renkou.db").to_string_lossy().into_owned();
    renkou(&db, &["demo", "--persons", "3000", "--seed", "4"]);
    let village = renkou(&db, &["user", "list"])
        .lines()
        .find(|l| l.starts_with("cunzhuanggan"))
        .and_then(|l| l.split('\t').nth(2))
        .unwrap()
        .to_string();
    // A mother of this village, and a person of another village, from the register.
    let store = renkou_store::Store::open(&db).unwrap();
    let region = renkou_domain::RegionCode::parse(&village).unwrap();
    let mut mother = None;
    store
        .for_each_person_in(&region, &mut |p| {
            let age = 2026 - chrono_year(&p.birth_date.to_string());
            if mother.is_none()
                && p.sex == renkou_domain::Sex::Female
                && (22..40).contains(&age)
                && p.death_date.is_none()
            {
                mother = Some(p);
            }
            Ok(())
        })
        .unwrap();
    let mother = mother.expect("a mother in the village");
    let other_village = store
        .regions()
        .unwrap()
        .into_iter()
        .find(|r| r.level() == renkou_domain::RegionLevel::Village && r.code != region)
        .unwrap()
        .code;
    drop(store);

    let port = free_port();
    let _server = Killed(
        Command::new(env!("CARGO_BIN_EXE_renkou"))
            .args([
                "--database",
                &db,
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("RENKOU_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let dport = free_port();
    let _driver = Killed(
        Command::new(driver)
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port);
    wait_for_port(dport);
    let profile = dir.path().join("chromium-profile");
    let base = format!("http://localhost:{port}");
    let shots = artifacts();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{dport}"))
            .await
            .expect("chromedriver session");
        let shot = |c: fantoccini::Client, name: &'static str| {
            let path = shots.join(format!("{name}.png"));
            async move {
                let png = c.screenshot().await.unwrap();
                std::fs::write(path, png).unwrap();
                c
            }
        };
        let fill = |c: fantoccini::Client, id: &'static str, value: String| async move {
            c.find(Locator::Id(id))
                .await
                .unwrap()
                .send_keys(&value)
                .await
                .unwrap();
            c
        };
        let by_name = |c: fantoccini::Client, name: &'static str, value: &'static str| async move {
            c.find(Locator::Css(&format!("input[name={name}]")))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
            c
        };

        // Log in with the initial password: the first page is the password change.
        c.goto(&format!("{base}/")).await.unwrap();
        let c = shot(c, "01-login").await;
        let c = by_name(c, "username", "cunzhuanggan").await;
        let c = by_name(c, "password", "renkou-demo").await;
        c.find(Locator::Id("login"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Id("save")).await.unwrap();
        assert!(c.current_url().await.unwrap().path().ends_with("/password"));
        let c = by_name(c, "current_password", "renkou-demo").await;
        let c = by_name(c, "new_password", "Village-pass-1").await;
        let c = by_name(c, "repeat", "Village-pass-1").await;
        c.find(Locator::Id("save"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Id("login")).await.unwrap();
        let c = by_name(c, "username", "cunzhuanggan").await;
        let c = by_name(c, "password", "Village-pass-1").await;
        c.find(Locator::Id("login"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let population = c
            .wait()
            .for_element(Locator::Id("population"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(population.parse::<u32>().unwrap() > 0);
        let c = shot(c, "02-home").await;

        // Find the mother by the pinyin of her name, typed into the search page (the
        // server builds its search index at start: retry briefly until it is ready).
        let pinyin = renkou_app::search::name_keys(&mother.name).0;
        let mut results = String::new();
        let mut c = c;
        for _ in 0..50 {
            c.goto(&format!("{base}/search")).await.unwrap();
            c = fill(c, "q", pinyin.clone()).await;
            c.find(Locator::Css("main form button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            c.wait().for_element(Locator::Id("results")).await.unwrap();
            results = c
                .find(Locator::Id("results"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if results.contains(&mother.person_no) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(results.contains(&mother.person_no), "{pinyin}: {results}");
        let c = shot(c, "03-search").await;

        // Register a birth from the village page.
        c.goto(&format!("{base}/regions/{village}")).await.unwrap();
        c.find(Locator::Id("new-birth"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .for_element(Locator::Id("mother_no"))
            .await
            .unwrap();
        let c = fill(c, "mother_no", mother.person_no.clone()).await;
        let c = fill(c, "child_name", "测试新生".to_string()).await;
        let c = fill(c, "birth_date", "2026-10-01".to_string()).await;
        let c = shot(c, "04-birth-form").await;
        c.find(Locator::Id("submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let name = c
            .wait()
            .for_element(Locator::Id("name"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(name.contains("测试新生"), "{name}");
        let child_url = c.current_url().await.unwrap();
        let child_no = child_url.path().trim_start_matches("/persons/").to_string();
        let order = c
            .find(Locator::Id("birth-order"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(order.trim().parse::<u32>().unwrap() >= 1);
        let c = shot(c, "05-child").await;

        // The child is in the village list (sorted by birth date, newest last page)…
        c.goto(&format!("{base}/regions/{village}/persons?sort=name"))
            .await
            .unwrap();
        let total = c
            .find(Locator::Id("total"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(total.parse::<u32>().unwrap() > 1);
        c.goto(&format!("{base}/search?q={}", child_no))
            .await
            .unwrap();
        assert!(c
            .find(Locator::Id("results"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("测试新生"));
        let c = shot(c, "06-list").await;
        // …and in the mother's page, children and history.
        c.goto(&format!("{base}/persons/{}", mother.person_no))
            .await
            .unwrap();
        let children = c
            .find(Locator::Id("children"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(children.contains(&child_no), "{children}");
        let c = shot(c, "07-mother").await;

        // Another village's page: refused as not found.
        c.goto(&format!("{base}/regions/{other_village}"))
            .await
            .unwrap();
        let body = c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("找不到"), "{body}");
        let c = shot(c, "08-refused").await;
        c.close().await.unwrap();
    });
}

fn chrono_year(date: &str) -> i32 {
    date[..4].parse().unwrap()
}
