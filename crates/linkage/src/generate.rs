//! Synthetic test sources with the truth kept aside, deterministic by seed.
//!
//! A demo county's births (or residents) are made up from a surname frequency list
//! and given-name characters written here, with valid GB 11643 numbers from
//! `IdNumber::compose` on unassigned address codes only (349901 and others of a
//! prefecture 99, which no province has); no real personal data anywhere. Two sources then report them
//! the way a village ledger (村台帐) and a hospital register (出生医学证明) do: rows
//! missing from each, ledger rows entered twice, twins, empty child names and milk
//! names, homophone and near-form characters, dropped or swapped given-name
//! characters, ID typos and transpositions, legacy 15-digit numbers, date slips and
//! month/day swaps, misreported birth orders, villages recorded only by township.
//!
//! The truth is an entity number per record (`*_entity`): two records describe the
//! same birth (person) exactly when their entity numbers are equal.

use crate::record::{EntityKind, LinkRecord};
use chrono::Datelike;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::{Date, IdNumber};

/// The generated county's code: the demo's unassigned 349901 (prefecture 99 exists
/// in no province), so that a valid number on it cannot be a real person's.
pub const COUNTY: u32 = 349901;

/// Surnames with rough frequencies per mille (a made-up list in the shape of the
/// national one, including a few compound surnames).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 72),
    ("张", 68),
    ("刘", 54),
    ("陈", 46),
    ("杨", 32),
    ("黄", 23),
    ("赵", 22),
    ("吴", 21),
    ("周", 20),
    ("徐", 16),
    ("孙", 15),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 11),
    ("高", 11),
    ("林", 11),
    ("罗", 10),
    ("郑", 9),
    ("梁", 9),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 7),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("钱", 2),
    ("严", 2),
    ("覃", 2),
    ("武", 2),
    ("单", 1),
    ("欧阳", 1),
    ("司马", 1),
    ("诸葛", 1),
    ("上官", 1),
];

const MALE_CHARS: &str = "伟强磊军洋勇杰涛明超辉刚平鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳博文子轩睿泽晨皓然铭嘉一诺梓豪逸天佑志国建新永德";
const FEMALE_CHARS: &str =
    "芳娜敏静丽艳娟霞燕玲婷雪琳晶欣颖慧倩丹萍红梅莉兰涵萱怡雨诗琪梦佳思语彤悦可馨妍雅秀英玉桂月春";
const MILK_NAMES: &[&str] = &[
    "小宝", "乐乐", "豆豆", "大宝", "二宝", "阿福", "小雨", "丫丫", "球球", "甜甜", "二丫", "果果",
    "贝贝", "宝宝",
];
/// Groups of characters with one reading (for homophone corruption).
const HOMOPHONES: &[&str] = &[
    "张章",
    "王汪",
    "李黎礼",
    "刘柳",
    "杨阳扬",
    "吴武伍",
    "徐许",
    "周舟",
    "林琳霖",
    "伟威薇微",
    "丽莉俐利",
    "芳方",
    "静晶敬",
    "敏闵",
    "红宏洪虹",
    "明铭鸣",
    "华桦",
    "军君钧",
    "杰洁",
    "燕艳雁",
    "玲凌",
    "霞侠",
    "平萍",
    "刚钢",
    "英莹瑛",
    "梅玫",
    "兰岚",
    "涛韬",
    "斌彬",
    "宇雨语羽",
    "涵寒韩",
    "轩萱宣",
    "怡宜仪",
    "欣馨新心",
    "晨辰",
    "浩昊皓",
    "子紫梓",
    "思斯丝",
    "梦孟",
    "佳家嘉",
    "琪琦淇祺",
    "雅亚",
    "睿瑞锐",
    "泽则",
    "娜那",
    "婷亭",
    "雪薛",
    "颖影",
    "慧惠",
    "倩茜",
    "磊蕾",
    "勇永",
    "超潮",
    "辉晖",
    "鹏朋",
    "飞菲",
    "波玻",
    "凯楷",
    "健建剑",
    "俊骏",
    "帆凡",
    "旭序",
    "宁凝",
    "龙隆",
    "文雯",
    "逸毅",
    "天添",
    "佑右",
    "娟鹃",
    "彤桐",
    "悦月",
    "可珂",
    "妍岩",
    "诗师",
    "豪好",
];
/// Addresses (6-digit codes) of mothers and fathers first registered elsewhere: all
/// unassigned (prefecture 99).
const OTHER_ADDRESSES: &[u32] = &[
    349902, 349903, 349904, 349905, 349906, 349907, 349908, 359901,
];
const HOSPITALS: &[&str] = &["县人民医院", "县妇幼保健院", "县中医院"];

fn weighted<'a>(rng: &mut ChaCha8Rng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|x| x.1).sum();
    let mut k = rng.random_range(0..total);
    for (s, w) in items {
        if k < *w {
            return s;
        }
        k -= w;
    }
    items[0].0
}

fn pick_char(rng: &mut ChaCha8Rng, set: &str) -> char {
    let v: Vec<char> = set.chars().collect();
    v[rng.random_range(0..v.len())]
}

fn given_name(rng: &mut ChaCha8Rng, male: bool) -> String {
    let set = if male { MALE_CHARS } else { FEMALE_CHARS };
    let n = if rng.random_bool(0.2) { 1 } else { 2 };
    (0..n).map(|_| pick_char(rng, set)).collect()
}

fn full_name(rng: &mut ChaCha8Rng, male: bool) -> String {
    format!("{}{}", weighted(rng, SURNAMES), given_name(rng, male))
}

fn split_surname(name: &str) -> usize {
    let chars: Vec<char> = name.chars().collect();
    crate::names::surname_len(&chars) as usize
}

/// Replaces one character that has homophones with another of its group.
fn homophone(rng: &mut ChaCha8Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let options: Vec<(usize, &str)> = chars
        .iter()
        .enumerate()
        .filter_map(|(i, c)| HOMOPHONES.iter().find(|g| g.contains(*c)).map(|g| (i, *g)))
        .collect();
    if options.is_empty() {
        return name.to_string();
    }
    let (i, group) = options[rng.random_range(0..options.len())];
    let alts: Vec<char> = group.chars().filter(|&c| c != chars[i]).collect();
    chars[i] = alts[rng.random_range(0..alts.len())];
    chars.into_iter().collect()
}

fn near_form(rng: &mut ChaCha8Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let options: Vec<(usize, char)> = chars
        .iter()
        .enumerate()
        .filter_map(|(i, &c)| {
            crate::names::NEAR_FORMS.iter().find_map(|&(a, b)| {
                if a == c {
                    Some((i, b))
                } else if b == c {
                    Some((i, a))
                } else {
                    None
                }
            })
        })
        .collect();
    if options.is_empty() {
        return homophone(rng, name);
    }
    let (i, c) = options[rng.random_range(0..options.len())];
    chars[i] = c;
    chars.into_iter().collect()
}

/// Drops one given-name character, or swaps the two (a clerk's slip).
fn given_slip(rng: &mut ChaCha8Rng, name: &str) -> String {
    let s = split_surname(name);
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() - s < 2 {
        return homophone(rng, name);
    }
    if rng.random_bool(0.5) {
        let i = s + rng.random_range(0..chars.len() - s);
        chars.remove(i);
    } else {
        chars.swap(s, s + 1);
    }
    chars.into_iter().collect()
}

fn id_typo(rng: &mut ChaCha8Rng, id: &str) -> String {
    let mut b = id.as_bytes().to_vec();
    let i = rng.random_range(0..17);
    let d = b[i] - b'0';
    b[i] = b'0' + (d + rng.random_range(1..10)) % 10;
    String::from_utf8(b).unwrap_or_default()
}

fn id_transpose(rng: &mut ChaCha8Rng, id: &str) -> String {
    let mut b = id.as_bytes().to_vec();
    for _ in 0..20 {
        let i = rng.random_range(0..16);
        if b[i] != b[i + 1] {
            b.swap(i, i + 1);
            break;
        }
    }
    String::from_utf8(b).unwrap_or_default()
}

/// The 15-digit form a number had before 1999 (two-digit year, no check).
fn id_legacy(id: &str) -> String {
    format!("{}{}", &id[..6], &id[8..17])
}

fn fmt_date(rng: &mut ChaCha8Rng, d: Date, varied: bool) -> String {
    if !varied {
        return d.format("%Y-%m-%d").to_string();
    }
    match rng.random_range(0..4) {
        0 => format!("{}/{}/{}", d.year(), d.month(), d.day()),
        1 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        2 => d.format("%Y%m%d").to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

fn slip(rng: &mut ChaCha8Rng, d: Date) -> Date {
    if rng.random_bool(0.5) {
        d.succ_opt().unwrap_or(d)
    } else {
        d.pred_opt().unwrap_or(d)
    }
}

fn swap_month_day(d: Date) -> Date {
    if d.day() <= 12 && d.day() != d.month() {
        Date::from_ymd_opt(d.year(), d.day(), d.month()).unwrap_or(d)
    } else {
        d
    }
}

fn village_code(t: u32, v: u32) -> String {
    format!("{COUNTY}{:03}{:03}", 100 + t, 200 + v)
}

fn township_only(code: &str) -> String {
    format!("{}000", &code[..9])
}

fn other_village(rng: &mut ChaCha8Rng, code: &str, villages: u32) -> String {
    format!("{}{:03}", &code[..9], 200 + rng.random_range(1..=villages))
}

fn person_id(rng: &mut ChaCha8Rng, birth: Date, male: bool) -> String {
    let addr = if rng.random_bool(0.75) {
        COUNTY
    } else {
        OTHER_ADDRESSES[rng.random_range(0..OTHER_ADDRESSES.len())]
    };
    let seq = rng.random_range(0..500u16) * 2 + if male { 1 } else { 0 };
    IdNumber::compose(addr, birth, seq).to_string()
}

fn days(rng: &mut ChaCha8Rng, from: Date, span_days: i64) -> Date {
    from + chrono::Duration::days(rng.random_range(0..span_days.max(1)))
}

#[derive(Debug, Clone)]
pub struct BirthsConfig {
    pub seed: u64,
    /// Births in the county over the window (before sources drop rows).
    pub births: usize,
    pub start_year: i32,
    /// Length of the window; more than one year puts a mother's two births in it.
    pub years: u32,
    pub townships: u32,
    pub villages_per_township: u32,
}

impl Default for BirthsConfig {
    fn default() -> Self {
        BirthsConfig {
            seed: 7,
            births: 20_000,
            start_year: 2024,
            years: 2,
            townships: 20,
            villages_per_township: 15,
        }
    }
}

/// A birth as it happened.
#[derive(Debug, Clone)]
struct Birth {
    child_name: String,
    male: bool,
    date: Date,
    order: u32,
    mother_name: String,
    mother_id: String,
    mother_birth: Date,
    father_name: String,
    father_id: String,
    region: String,
    place: String,
    mother: u32,
    /// Twins share it; a mother's later birth has its own.
    delivery: u32,
}

#[derive(Debug, Clone)]
pub struct GeneratedBirths {
    pub ledger: Vec<LinkRecord>,
    pub hospital: Vec<LinkRecord>,
    /// Entity (true birth) number of each ledger / hospital record.
    pub ledger_entity: Vec<u32>,
    pub hospital_entity: Vec<u32>,
    /// The mother (a number per mother) of each ledger / hospital record: twins are
    /// two entities of one mother on one day.
    pub ledger_mother: Vec<u32>,
    pub hospital_mother: Vec<u32>,
    /// The delivery of each ledger / hospital record (twins share one).
    pub ledger_delivery: Vec<u32>,
    pub hospital_delivery: Vec<u32>,
    /// Every birth generated (entities 0..births), those neither source has too.
    pub births: usize,
}

impl GeneratedBirths {
    /// True (ledger id, hospital id) pairs; a duplicated ledger row links too.
    pub fn truth_links(&self) -> Vec<(String, String)> {
        truth_links(
            &self.ledger,
            &self.ledger_entity,
            &self.hospital,
            &self.hospital_entity,
        )
    }
    /// True duplicate pairs within the ledger.
    pub fn truth_duplicates(&self) -> Vec<(String, String)> {
        truth_duplicates(&self.ledger, &self.ledger_entity)
    }
}

pub fn truth_links(
    l: &[LinkRecord],
    le: &[u32],
    r: &[LinkRecord],
    re: &[u32],
) -> Vec<(String, String)> {
    let mut by: std::collections::HashMap<u32, Vec<usize>> = Default::default();
    for (i, &e) in re.iter().enumerate() {
        by.entry(e).or_default().push(i);
    }
    let mut out = Vec::new();
    for (i, e) in le.iter().enumerate() {
        for &j in by.get(e).map(|v| v.as_slice()).unwrap_or(&[]) {
            out.push((l[i].record_id.clone(), r[j].record_id.clone()));
        }
    }
    out
}

pub fn truth_duplicates(l: &[LinkRecord], le: &[u32]) -> Vec<(String, String)> {
    let mut by: std::collections::HashMap<u32, Vec<usize>> = Default::default();
    for (i, &e) in le.iter().enumerate() {
        by.entry(e).or_default().push(i);
    }
    let mut out = Vec::new();
    for v in by.values() {
        for (k, &a) in v.iter().enumerate() {
            for &b in &v[k + 1..] {
                out.push((l[a].record_id.clone(), l[b].record_id.clone()));
            }
        }
    }
    out.sort();
    out
}

fn make_births(rng: &mut ChaCha8Rng, cfg: &BirthsConfig) -> Vec<Birth> {
    let start = Date::from_ymd_opt(cfg.start_year, 1, 1).unwrap_or_default();
    let span = 365 * cfg.years.max(1) as i64;
    let end = start + chrono::Duration::days(span);
    let mut births = Vec::with_capacity(cfg.births + 8);
    let mut mother = 0u32;
    while births.len() < cfg.births {
        mother += 1;
        let date = days(rng, start, span);
        let first_date = date;
        let mother_birth = date - chrono::Duration::days(rng.random_range(20 * 365..42 * 365));
        let father_birth = mother_birth - chrono::Duration::days(rng.random_range(-700..2500));
        let mother_name = full_name(rng, false);
        let father_name = full_name(rng, true);
        let surname_of = |n: &str| n.chars().take(split_surname(n).max(1)).collect::<String>();
        let surname = if rng.random_bool(0.92) {
            surname_of(&father_name)
        } else {
            surname_of(&mother_name)
        };
        let t = rng.random_range(1..=cfg.townships);
        let v = rng.random_range(1..=cfg.villages_per_township);
        let region = village_code(t, v);
        let place = if rng.random_bool(0.03) {
            "home".to_string()
        } else if rng.random_bool(0.3) {
            format!("{}{}", "镇卫生院", t)
        } else {
            HOSPITALS[rng.random_range(0..HOSPITALS.len())].to_string()
        };
        let mut order = match rng.random_range(0..100) {
            0..=44 => 1,
            45..=84 => 2,
            85..=97 => 3,
            _ => 4,
        };
        let mother_id = person_id(rng, mother_birth, false);
        let father_id = person_id(rng, father_birth, true);
        let mut push =
            |rng: &mut ChaCha8Rng, date: Date, order: u32, twin_of: Option<(&str, &str)>| {
                // Twins are born in their sibling's delivery, anyone else in a new one.
                let delivery = 2 * mother + u32::from(date != first_date);
                let male = rng.random_bool(0.53);
                let mut child_name = String::new();
                // Parents do not give twins one name: draw again until they differ.
                for _ in 0..16 {
                    child_name = match twin_of {
                        // Twins often share the first given character.
                        Some((first, _)) if rng.random_bool(0.6) => {
                            let set = if male { MALE_CHARS } else { FEMALE_CHARS };
                            format!("{surname}{first}{}", pick_char(rng, set))
                        }
                        _ => format!("{surname}{}", given_name(rng, male)),
                    };
                    if twin_of.is_none_or(|(_, sibling)| sibling != child_name) {
                        break;
                    }
                }
                births.push(Birth {
                    child_name: child_name.clone(),
                    male,
                    date,
                    order,
                    mother_name: mother_name.clone(),
                    mother_id: mother_id.clone(),
                    mother_birth,
                    father_name: father_name.clone(),
                    father_id: father_id.clone(),
                    region: region.clone(),
                    place: place.clone(),
                    mother,
                    delivery,
                });
                child_name
            };
        let first_child = push(rng, date, order, None);
        if rng.random_bool(0.015) {
            // Twins: same day, consecutive orders.
            let first: String = first_child
                .chars()
                .skip(surname.chars().count())
                .take(1)
                .collect();
            push(rng, date, order + 1, Some((&first, &first_child)));
            order += 1;
        }
        // A later sibling inside the window.
        let next = date + chrono::Duration::days(rng.random_range(300..900));
        if next < end && rng.random_bool(0.12) {
            push(rng, next, order + 1, None);
        }
    }
    births.truncate(cfg.births);
    births
}

/// Generates the births of a demo county and the ledger's and hospital's reports.
pub fn births(cfg: &BirthsConfig) -> GeneratedBirths {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let births = make_births(&mut rng, cfg);
    let mut ledger: Vec<(u32, LinkRecord)> = Vec::new();
    let mut hospital: Vec<(u32, LinkRecord)> = Vec::new();
    for (e, b) in births.iter().enumerate() {
        let e = e as u32;
        if rng.random_bool(0.97) {
            ledger.push((e, ledger_row(&mut rng, b, cfg)));
        }
        if b.place != "home" && rng.random_bool(0.975) {
            hospital.push((e, hospital_row(&mut rng, b, cfg)));
        }
    }
    // Rows entered twice in the ledger, each copy with its own slips.
    let n = ledger.len();
    for i in 0..n {
        if rng.random_bool(0.02) {
            let (e, _) = ledger[i];
            let again = ledger_row(&mut rng, &births[e as usize], cfg);
            ledger.push((e, again));
        }
    }
    ledger.shuffle(&mut rng);
    hospital.shuffle(&mut rng);
    let finish = |rows: Vec<(u32, LinkRecord)>, prefix: &str| {
        let mut ent = Vec::with_capacity(rows.len());
        let mut recs = Vec::with_capacity(rows.len());
        for (i, (e, mut r)) in rows.into_iter().enumerate() {
            r.record_id = format!("{prefix}{:06}", i + 1);
            ent.push(e);
            recs.push(r);
        }
        (recs, ent)
    };
    let (ledger, ledger_entity) = finish(ledger, "L");
    let (hospital, hospital_entity) = finish(hospital, "H");
    let mother_of = |ent: &[u32]| ent.iter().map(|&e| births[e as usize].mother).collect();
    let delivery_of = |ent: &[u32]| ent.iter().map(|&e| births[e as usize].delivery).collect();
    GeneratedBirths {
        births: births.len(),
        ledger_mother: mother_of(&ledger_entity),
        hospital_mother: mother_of(&hospital_entity),
        ledger_delivery: delivery_of(&ledger_entity),
        hospital_delivery: delivery_of(&hospital_entity),
        ledger,
        hospital,
        ledger_entity,
        hospital_entity,
    }
}

fn maybe(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random_bool(p)
}

fn corrupt_name(rng: &mut ChaCha8Rng, name: &str, homo: f64, near: f64, slip: f64) -> String {
    let x: f64 = rng.random();
    if x < homo {
        homophone(rng, name)
    } else if x < homo + near {
        near_form(rng, name)
    } else if x < homo + near + slip {
        given_slip(rng, name)
    } else {
        name.to_string()
    }
}

fn corrupt_id(
    rng: &mut ChaCha8Rng,
    id: &str,
    typo: f64,
    transpose: f64,
    legacy: f64,
    missing: f64,
    born: Date,
) -> String {
    let x: f64 = rng.random();
    if x < missing {
        String::new()
    } else if x < missing + typo {
        id_typo(rng, id)
    } else if x < missing + typo + transpose {
        id_transpose(rng, id)
    } else if x < missing + typo + transpose + legacy && born.year() < 1990 {
        id_legacy(id)
    } else {
        id.to_string()
    }
}

fn ledger_row(rng: &mut ChaCha8Rng, b: &Birth, cfg: &BirthsConfig) -> LinkRecord {
    let x: f64 = rng.random();
    let name = if x < 0.12 {
        String::new()
    } else if x < 0.22 {
        MILK_NAMES[rng.random_range(0..MILK_NAMES.len())].to_string()
    } else {
        corrupt_name(rng, &b.child_name, 0.04, 0.005, 0.02)
    };
    let mut date = b.date;
    if maybe(rng, 0.015) {
        date = slip(rng, date);
    } else if maybe(rng, 0.01) {
        date = swap_month_day(date);
    }
    let mut order = b.order;
    if maybe(rng, 0.02) {
        order = if order > 1 && rng.random_bool(0.5) {
            order - 1
        } else {
            order + 1
        };
    }
    let region = if maybe(rng, 0.02) {
        township_only(&b.region)
    } else {
        b.region.clone()
    };
    LinkRecord {
        kind: EntityKind::Birth,
        record_id: String::new(),
        name,
        sex: if maybe(rng, 0.01) {
            String::new()
        } else if b.male {
            "男".into()
        } else {
            "女".into()
        },
        birth_date: fmt_date(rng, date, true),
        id_number: String::new(),
        birth_order: if maybe(rng, 0.02) {
            String::new()
        } else {
            order.to_string()
        },
        mother_name: corrupt_name(rng, &b.mother_name, 0.03, 0.005, 0.005),
        mother_id_number: corrupt_id(rng, &b.mother_id, 0.02, 0.01, 0.03, 0.03, b.mother_birth),
        mother_birth_date: if maybe(rng, 0.2) {
            String::new()
        } else {
            fmt_date(rng, b.mother_birth, true)
        },
        father_name: if maybe(rng, 0.15) {
            String::new()
        } else {
            corrupt_name(rng, &b.father_name, 0.02, 0.0, 0.005)
        },
        father_id_number: if maybe(rng, 0.3) {
            String::new()
        } else {
            corrupt_id(rng, &b.father_id, 0.01, 0.005, 0.02, 0.0, b.mother_birth)
        },
        region_code: if maybe(rng, 0.005) {
            other_village(rng, &region, cfg.villages_per_township)
        } else {
            region
        },
        place: b.place.clone(),
        source: "村台帐".into(),
    }
}

fn hospital_row(rng: &mut ChaCha8Rng, b: &Birth, cfg: &BirthsConfig) -> LinkRecord {
    let x: f64 = rng.random();
    let name = if x < 0.5 {
        String::new()
    } else if x < 0.55 {
        MILK_NAMES[rng.random_range(0..MILK_NAMES.len())].to_string()
    } else {
        corrupt_name(rng, &b.child_name, 0.02, 0.0, 0.01)
    };
    let date = if maybe(rng, 0.005) {
        slip(rng, b.date)
    } else {
        b.date
    };
    let mut order = b.order;
    if maybe(rng, 0.04) {
        order = if order > 1 && rng.random_bool(0.5) {
            order - 1
        } else {
            order + 1
        };
    }
    let region = {
        let x: f64 = rng.random();
        if x < 0.10 {
            township_only(&b.region)
        } else if x < 0.12 {
            other_village(rng, &b.region, cfg.villages_per_township)
        } else {
            b.region.clone()
        }
    };
    LinkRecord {
        kind: EntityKind::Birth,
        record_id: String::new(),
        name,
        sex: if b.male { "1".into() } else { "2".into() },
        birth_date: fmt_date(rng, date, false),
        id_number: String::new(),
        birth_order: order.to_string(),
        mother_name: corrupt_name(rng, &b.mother_name, 0.01, 0.002, 0.002),
        mother_id_number: corrupt_id(rng, &b.mother_id, 0.01, 0.005, 0.0, 0.01, b.mother_birth),
        mother_birth_date: fmt_date(rng, b.mother_birth, false),
        father_name: if maybe(rng, 0.3) {
            String::new()
        } else {
            b.father_name.clone()
        },
        father_id_number: if maybe(rng, 0.5) {
            String::new()
        } else {
            corrupt_id(rng, &b.father_id, 0.01, 0.0, 0.0, 0.0, b.mother_birth)
        },
        region_code: region,
        place: b.place.clone(),
        source: "出生医学证明".into(),
    }
}

#[derive(Debug, Clone)]
pub struct PersonsConfig {
    pub seed: u64,
    pub persons: usize,
    pub townships: u32,
    pub villages_per_township: u32,
}

impl Default for PersonsConfig {
    fn default() -> Self {
        PersonsConfig {
            seed: 11,
            persons: 1_000_000,
            townships: 30,
            villages_per_township: 20,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GeneratedPersons {
    /// The household registration extract (户籍).
    pub registry: Vec<LinkRecord>,
    /// The village ledger's list of residents.
    pub ledger: Vec<LinkRecord>,
    pub registry_entity: Vec<u32>,
    pub ledger_entity: Vec<u32>,
}

/// Generates a county's residents as a registry and the village ledgers list them.
pub fn persons(cfg: &PersonsConfig) -> GeneratedPersons {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let first = Date::from_ymd_opt(1935, 1, 1).unwrap_or_default();
    let span = 90 * 365;
    let mut registry = Vec::with_capacity(cfg.persons);
    let mut ledger = Vec::with_capacity(cfg.persons);
    let mut e = 0u32;
    let mut twin: Option<(Date, String, String)> = None;
    while (e as usize) < cfg.persons {
        let male = rng.random_bool(0.51);
        let (birth, surname, region) = match twin.take() {
            Some(t) => t,
            None => {
                let b = days(&mut rng, first, span);
                let s = weighted(&mut rng, SURNAMES).to_string();
                let t = rng.random_range(1..=cfg.townships);
                let v = rng.random_range(1..=cfg.villages_per_township);
                if rng.random_bool(0.01) {
                    twin = Some((b, s.clone(), village_code(t, v)));
                }
                (b, s, village_code(t, v))
            }
        };
        let name = format!("{surname}{}", given_name(&mut rng, male));
        let id = person_id(&mut rng, birth, male);
        let child = birth.year() >= 2010;
        let sex = if male { "1" } else { "2" };
        if rng.random_bool(0.98) {
            registry.push((
                e,
                LinkRecord {
                    kind: EntityKind::Person,
                    name: corrupt_name(&mut rng, &name, 0.005, 0.0, 0.0),
                    sex: sex.into(),
                    birth_date: fmt_date(&mut rng, birth, false),
                    id_number: corrupt_id(&mut rng, &id, 0.002, 0.0, 0.0, 0.0, birth),
                    region_code: region.clone(),
                    ..Default::default()
                },
            ));
        }
        if rng.random_bool(0.98) {
            let mut d = birth;
            let x: f64 = rng.random();
            if x < 0.01 {
                d = slip(&mut rng, d);
            } else if x < 0.015 {
                d = swap_month_day(d);
            }
            let id_missing = if child { 0.3 } else { 0.03 };
            let r = rng.random::<f64>();
            let region_l = if r < 0.04 {
                township_only(&region)
            } else if r < 0.06 {
                other_village(&mut rng, &region, cfg.villages_per_township)
            } else {
                region.clone()
            };
            ledger.push((
                e,
                LinkRecord {
                    kind: EntityKind::Person,
                    name: corrupt_name(&mut rng, &name, 0.02, 0.003, 0.008),
                    sex: if rng.random_bool(0.005) {
                        String::new()
                    } else {
                        sex.into()
                    },
                    birth_date: if rng.random_bool(0.01) {
                        String::new()
                    } else {
                        fmt_date(&mut rng, d, true)
                    },
                    id_number: corrupt_id(&mut rng, &id, 0.01, 0.005, 0.02, id_missing, birth),
                    region_code: region_l,
                    ..Default::default()
                },
            ));
        }
        e += 1;
    }
    registry.shuffle(&mut rng);
    ledger.shuffle(&mut rng);
    let finish = |rows: Vec<(u32, LinkRecord)>, prefix: &str| {
        let mut ent = Vec::with_capacity(rows.len());
        let mut recs = Vec::with_capacity(rows.len());
        for (i, (e, mut r)) in rows.into_iter().enumerate() {
            r.record_id = format!("{prefix}{:07}", i + 1);
            ent.push(e);
            recs.push(r);
        }
        (recs, ent)
    };
    let (registry, registry_entity) = finish(registry, "R");
    let (ledger, ledger_entity) = finish(ledger, "V");
    GeneratedPersons {
        registry,
        ledger,
        registry_entity,
        ledger_entity,
    }
}

/// Writes the truth as `record_id,entity` (UTF-8), for tools outside this crate.
pub fn write_truth(
    path: &std::path::Path,
    records: &[LinkRecord],
    entity: &[u32],
) -> Result<(), crate::LinkError> {
    let mut s = String::from("record_id,entity\n");
    for (r, e) in records.iter().zip(entity) {
        s.push_str(&r.record_id);
        s.push(',');
        s.push_str(&e.to_string());
        s.push('\n');
    }
    std::fs::write(path, s).map_err(|e| crate::LinkError::Io {
        path: path.display().to_string(),
        source: e,
    })
}

/// Reads what [`write_truth`] wrote, as entity numbers in the order of `records`.
pub fn read_truth(
    path: &std::path::Path,
    records: &[LinkRecord],
) -> Result<Vec<u32>, crate::LinkError> {
    let io = |e: std::io::Error| crate::LinkError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let text = std::fs::read_to_string(path).map_err(io)?;
    let map: std::collections::HashMap<&str, u32> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (id, e) = l.split_once(',')?;
            Some((id, e.trim().parse().ok()?))
        })
        .collect();
    Ok(records
        .iter()
        .map(|r| map.get(r.record_id.as_str()).copied().unwrap_or(u32::MAX))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_plausible() {
        let cfg = BirthsConfig {
            births: 500,
            ..Default::default()
        };
        let a = births(&cfg);
        let b = births(&cfg);
        assert_eq!(a.ledger, b.ledger);
        assert!(a.ledger.len() > 450 && a.hospital.len() > 400);
        assert!(!a.truth_links().is_empty());
        // Every ID number in the truth was composed validly; most rows keep it.
        let valid = a
            .hospital
            .iter()
            .filter(|r| IdNumber::parse(&r.mother_id_number).is_ok())
            .count();
        assert!(valid as f64 > 0.95 * a.hospital.len() as f64);
    }
}
