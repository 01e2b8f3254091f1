//! What the web tests share: a small register with one account per role, a
//! client that logs in and keeps its session and CSRF token, and requests driven
//! through the router on a runtime of their own.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use renkou_domain::account::Role;
use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex,
};
use renkou_store::{ImportMeta, Store};
use tower::ServiceExt;

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

pub fn person(
    no: &str,
    name: &str,
    sex: Sex,
    birth: (i32, u32, u32),
    village: &str,
    hh: &str,
) -> PersonRecord {
    let b = Date::from_ymd_opt(birth.0, birth.1, birth.2).unwrap();
    PersonRecord {
        person_no: no.into(),
        name: name.into(),
        sex,
        birth_date: b,
        id_number: Some(IdNumber::compose(
            349901,
            b,
            if sex == Sex::Male { 13 } else { 14 },
        )),
        household_no: hh.into(),
        region_code: code(village),
        marital_status: MaritalStatus::FirstMarriage,
        mother_no: None,
        father_no: None,
        residence: Residence::Resident,
        phone: None,
        death_date: None,
        relation: None,
    }
}

pub const OURS: &str = "349901101201";
pub const THEIRS: &str = "349901101202";

/// The county of 甲镇 with 一村 (ours) and 二村 (theirs), three persons, and one
/// account per role (password Secret-pass-1, already changed).
pub fn setup(store: &Store) {
    register(
        store,
        &[
            person("A1", "测试甲", Sex::Female, (1992, 3, 4), OURS, "HA"),
            person("A2", "测试乙", Sex::Male, (1990, 5, 6), OURS, "HA"),
            person("B1", "对照丙", Sex::Female, (1993, 7, 8), THEIRS, "HB"),
        ],
    );
}

/// The regions and accounts of [`setup`] with the given persons.
pub fn register(store: &Store, persons: &[PersonRecord]) {
    let r = |c: &str, n: &str| Region {
        code: code(c),
        name: n.into(),
        valid_from: None,
        valid_to: None,
        successor: None,
    };
    store
        .upsert_regions(&[
            r("349901000000", "演示县"),
            r("349901101000", "甲镇"),
            r(OURS, "一村"),
            r(THEIRS, "二村"),
        ])
        .unwrap();
    let mut s = store
        .begin_person_import(ImportMeta {
            kind: "persons",
            file_name: "t.csv".into(),
            source: None,
            actor: renkou_store::Actor::operator("test"),
        })
        .unwrap();
    for p in persons {
        s.push(p, None).unwrap();
    }
    s.commit(&[], &[], |_, _| Ok(())).unwrap();
    for (name, role, region) in [
        ("admin", Role::CountyAdmin, "349901000000"),
        ("tongji", Role::CountyStatistician, "349901000000"),
        ("zhen", Role::TownshipStaff, "349901101000"),
        ("cun", Role::VillageWorker, OURS),
    ] {
        let a = renkou_register::accounts::add_user(
            store,
            name,
            name,
            role,
            &code(region),
            "initial-pw",
        )
        .unwrap();
        // Tests act after the first-login change, except where they test it.
        let hash = renkou_register::accounts::hash_password("Secret-pass-1").unwrap();
        store.set_password(a.id, &hash, false).unwrap();
    }
}

pub struct Client {
    pub app: axum::Router,
    pub cookie: String,
    pub csrf: String,
}

/// The tests drive the router from plain threads: the synchronous PostgreSQL
/// driver must not be called from inside an async runtime, so only the request
/// itself runs on one (handlers reach the store through spawn_blocking).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

pub fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, String, Option<String>) {
    runtime().block_on(send_async(app, req))
}

pub async fn send_async(
    app: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, String, Option<String>) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let cookie = resp
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string());
    let body = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    (status, body, location.or(cookie))
}

pub fn form(uri: &str, body: &str, cookie: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn login(app: &axum::Router, user: &str, password: &str) -> Result<Client, StatusCode> {
    login_from(app, user, password, "127.0.0.1")
}

/// The login page's answer to a failed login from 127.0.0.1.
pub fn login_page_after(app: &axum::Router, user: &str, password: &str) -> String {
    let mut req = form(
        "/login",
        &format!("username={user}&password={password}"),
        "",
    );
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            40000,
        )));
    send(app, req).1
}

/// [`login`] from a client at `address` (as a proxy in front would say it).
pub fn login_from(
    app: &axum::Router,
    user: &str,
    password: &str,
    address: &str,
) -> Result<Client, StatusCode> {
    let mut req = form(
        "/login",
        &format!("username={user}&password={password}"),
        "",
    );
    let addr: std::net::IpAddr = address.parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
            addr, 40000,
        )));
    let resp = runtime().block_on(app.clone().oneshot(req)).unwrap();
    if resp.status() != StatusCode::SEE_OTHER {
        return Err(resp.status());
    }
    let set = resp
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    let cookie = set.split(';').next().unwrap().to_string();
    let mut c = Client {
        app: app.clone(),
        cookie,
        csrf: String::new(),
    };
    let (_, body) = c.get("/password");
    c.csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string();
    Ok(c)
}

impl Client {
    pub fn get(&self, uri: &str) -> (StatusCode, String) {
        let (s, b, _) = send(
            &self.app,
            Request::get(uri)
                .header(header::COOKIE, &self.cookie)
                .body(Body::empty())
                .unwrap(),
        );
        (s, b)
    }
    pub fn post(&self, uri: &str, body: &str) -> (StatusCode, String, Option<String>) {
        send(
            &self.app,
            form(uri, &format!("csrf={}&{body}", self.csrf), &self.cookie),
        )
    }
}

pub fn multipart(
    c: &Client,
    uri: &str,
    fields: &[(&str, &str)],
    file_name: &str,
    file: &[u8],
) -> (StatusCode, String, Option<String>) {
    let boundary = "----renkou-test-boundary";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields.iter().chain([("csrf", c.csrf.as_str())].iter()) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    send(
        &c.app,
        Request::post(uri)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, &c.cookie)
            .body(Body::from(body))
            .unwrap(),
    )
}

impl Client {
    /// A GET whose answer is not text (xlsx, PNG): status, content type, bytes.
    pub fn get_bytes(&self, uri: &str) -> (StatusCode, String, Vec<u8>) {
        runtime().block_on(async {
            let resp = self
                .app
                .clone()
                .oneshot(
                    Request::get(uri)
                        .header(header::COOKIE, &self.cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = resp.status();
            let mime = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let bytes = resp
                .into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec();
            (status, mime, bytes)
        })
    }
}
