//! 人员检索: find a person fast by name, pinyin (full or initials), ID number (or its
//! last digits), household number or person number, only inside the searcher's area.
//!
//! [`PersonIndex`] is an in-memory index that follows the event log: [`PersonIndex::build`]
//! streams the register once; [`PersonIndex::refresh`] loads only the persons whose
//! events are newer than the last sequence number it saw. No database index is added,
//! so bulk imports stay as fast as they were.
//!
//! Layout, for a county of a million persons in little memory: every person's text
//! (person number, name, household number, ID number, pinyin, initials) lives in one
//! byte arena, an entry holds its offset and lengths, and each search key is a sorted
//! `Vec<u32>` of entry numbers. A prefix query is a binary search and a scan of the
//! range, filtered by area, until the limit. A changed person gets a new entry (the old
//! one is marked dead); new entries are scanned linearly until there are enough of them
//! to merge into the sorted arrays.
//!
//! The web layer holds the index as `Arc<RwLock<PersonIndex>>` and calls
//! [`search_fresh`], which refreshes first when the newest event moved.
//!
//! Pinyin: the surname is read as a surname (单 shan, 曾 zeng, 区 ou, 欧阳 ouyang …,
//! from a small table), every other character with the pinyin crate's first reading,
//! toneless, ü written v.

use crate::AppError;
use pinyin::ToPinyin;
use renkou_domain::{Date, PersonRecord, RegionCode, Sex};
use renkou_store::Store;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// What a hit was found by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Name,
    Pinyin,
    Initials,
    IdNumber,
    Household,
    PersonNo,
}

/// One person in a result list. Never the whole ID number: only its last 4 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    pub person_no: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub household_no: String,
    pub region_code: RegionCode,
    /// The last 4 characters of the ID number, if the person has one.
    pub id_tail: Option<String>,
    pub alive: bool,
    pub matched: MatchKind,
    /// The whole key equals the query (not only a prefix or suffix of it).
    pub exact: bool,
}

// Fields of an entry, in arena order.
const F_NO: usize = 0;
const F_NAME: usize = 1;
const F_HH: usize = 2;
const F_ID: usize = 3;
const F_PY: usize = 4;
const F_INI: usize = 5;
const FIELDS: usize = 6;

/// The sorted key arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Name,
    Pinyin,
    Initials,
    Id,
    /// The ID number read backwards, for "its last digits".
    IdRev,
    Household,
    PersonNo,
}

const KEYS: [Key; 7] = [
    Key::Name,
    Key::Pinyin,
    Key::Initials,
    Key::Id,
    Key::IdRev,
    Key::Household,
    Key::PersonNo,
];

impl Key {
    fn field(self) -> usize {
        match self {
            Key::Name => F_NAME,
            Key::Pinyin => F_PY,
            Key::Initials => F_INI,
            Key::Id | Key::IdRev => F_ID,
            Key::Household => F_HH,
            Key::PersonNo => F_NO,
        }
    }
    fn matched(self) -> MatchKind {
        match self {
            Key::Name => MatchKind::Name,
            Key::Pinyin => MatchKind::Pinyin,
            Key::Initials => MatchKind::Initials,
            Key::Id | Key::IdRev => MatchKind::IdNumber,
            Key::Household => MatchKind::Household,
            Key::PersonNo => MatchKind::PersonNo,
        }
    }
}

/// A person in the index: offsets into the arena plus the small fixed fields.
#[derive(Debug, Clone, Copy)]
struct Entry {
    off: u32,
    lens: [u16; FIELDS],
    region: u32,
    birth: Date,
    sex: Sex,
    alive: bool,
    /// False once a newer entry for the same person replaced this one.
    live: bool,
}

/// Delta entries (not yet in the sorted arrays) are merged in above this many.
const MERGE_AT: usize = 2048;
/// How much of the event log is checked for gaps when the index is built.
const GAP_WINDOW: i64 = 10_000;
/// A gap in the sequence numbers is re-read at most this often …
const GAP_RECHECK: Duration = Duration::from_secs(1);
/// … and forgotten after this long (a rolled-back transaction never fills it).
const GAP_TTL: Duration = Duration::from_secs(3600);
/// More gaps than this are coalesced (re-reading a few known events is harmless).
const MAX_GAPS: usize = 32;

/// Sequence numbers not seen yet, `lo..=hi`: on PostgreSQL a transaction that drew a
/// lower number may commit after one with a higher number was already read.
#[derive(Debug, Clone, Copy)]
struct Gap {
    lo: i64,
    hi: i64,
    since: Instant,
}

/// The in-memory person search index. See the module documentation.
pub struct PersonIndex {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    regions: Vec<RegionCode>,
    region_ids: HashMap<RegionCode, u32>,
    /// Entry numbers sorted by each key of [`KEYS`] (entries `< sorted_upto` only).
    keys: [Vec<u32>; 7],
    /// Entries from here on are the delta, scanned linearly.
    sorted_upto: usize,
    dead: usize,
    /// The newest event sequence number folded in.
    seq: i64,
    gaps: Vec<Gap>,
    gaps_checked: Instant,
}

/// Statistics of an index, for the speed check and the web layer's status page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IndexStats {
    pub persons: usize,
    pub entries: usize,
    pub dead: usize,
    pub delta: usize,
    pub last_seq: i64,
    pub gaps: usize,
    pub heap_bytes: usize,
}

fn too_big() -> AppError {
    AppError::Invalid("检索索引过大 / the search index is too large".into())
}

impl PersonIndex {
    fn empty() -> PersonIndex {
        PersonIndex {
            arena: Vec::new(),
            entries: Vec::new(),
            regions: Vec::new(),
            region_ids: HashMap::new(),
            keys: Default::default(),
            sorted_upto: 0,
            dead: 0,
            seq: 0,
            gaps: Vec::new(),
            gaps_checked: Instant::now(),
        }
    }

    /// Builds the index from the whole register: the newest sequence number first,
    /// then every person in one unordered pass (so a person changed meanwhile is read
    /// again by the next [`refresh`](Self::refresh), never missed).
    pub fn build(store: &Store) -> Result<PersonIndex, AppError> {
        let mut ix = PersonIndex::empty();
        ix.seq = store.last_event_seq()?;
        // Numbers missing from the most recent stretch of the log may belong to
        // transactions still running (PostgreSQL): remember them as gaps.
        let recent: Vec<i64> = store
            .event_seqs_since((ix.seq - GAP_WINDOW).max(0))?
            .into_iter()
            .filter(|&s| s <= ix.seq)
            .collect();
        let now = Instant::now();
        for (lo, hi) in missing((ix.seq - GAP_WINDOW).max(0) + 1, ix.seq, &recent) {
            ix.gaps.push(Gap { lo, hi, since: now });
        }
        ix.coalesce_gaps();

        let expected = usize::try_from(store.counts()?.persons).unwrap_or(0);
        ix.entries.reserve_exact(expected);
        // About 70 bytes of text per person (numbers, name, ID, pinyin).
        ix.arena.reserve_exact(expected * 72);
        // One pass over the persons table in storage order (no sort in the database).
        let mut failed = None;
        let streamed = store.for_each_person_unordered(&mut |p| {
            if let Err(e) = ix.push(&p) {
                failed = Some(e);
                return Err(renkou_store::StoreError::Invalid("index".into()));
            }
            Ok(())
        });
        if let Err(e) = streamed {
            return Err(failed.take().unwrap_or(AppError::Store(e)));
        }
        ix.sort_all();
        Ok(ix)
    }

    /// Folds in the persons whose events are newer than the last ones seen (and any
    /// that filled a gap); returns how many persons were (re)indexed.
    pub fn refresh(&mut self, store: &Store) -> Result<usize, AppError> {
        let mut n = 0;
        let now = Instant::now();
        if !self.gaps.is_empty() {
            self.gaps.retain(|g| now.duration_since(g.since) < GAP_TTL);
            // One statement for all the gaps: checking each apart cost a query and
            // a pool checkout per gap, every second, under the index's write lock.
            let ranges: Vec<(i64, i64)> = self.gaps.iter().map(|g| (g.lo, g.hi)).collect();
            let ch = store.persons_changed_in(&ranges)?;
            n += self.apply(&ch.persons)?;
            let mut still = Vec::new();
            for g in self.gaps.clone() {
                let seen: Vec<i64> = ch
                    .seqs
                    .iter()
                    .copied()
                    .filter(|s| (g.lo..=g.hi).contains(s))
                    .collect();
                for (lo, hi) in missing(g.lo, g.hi, &seen) {
                    still.push(Gap {
                        lo,
                        hi,
                        since: g.since,
                    });
                }
            }
            self.gaps = still;
            self.gaps_checked = now;
        }
        let ch = store.persons_changed_after(self.seq)?;
        if let Some(&last) = ch.seqs.last() {
            n += self.apply(&ch.persons)?;
            for (lo, hi) in missing(self.seq + 1, last, &ch.seqs) {
                self.gaps.push(Gap { lo, hi, since: now });
            }
            self.seq = self.seq.max(last);
        }
        self.coalesce_gaps();
        if self.entries.len() - self.sorted_upto > MERGE_AT {
            if self.dead * 4 > self.entries.len() {
                self.compact()?;
            } else {
                self.merge_delta();
            }
        }
        Ok(n)
    }

    /// Whether [`refresh`](Self::refresh) has something to do, given the newest
    /// sequence number in the database ([`Store::last_event_seq`]).
    pub fn needs_refresh(&self, last_event_seq: i64) -> bool {
        last_event_seq > self.seq
            || (!self.gaps.is_empty() && self.gaps_checked.elapsed() >= GAP_RECHECK)
    }

    /// The newest event sequence number folded in.
    pub fn last_seq(&self) -> i64 {
        self.seq
    }

    /// Persons in the index.
    pub fn len(&self) -> usize {
        self.entries.len() - self.dead
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> IndexStats {
        IndexStats {
            persons: self.len(),
            entries: self.entries.len(),
            dead: self.dead,
            delta: self.entries.len() - self.sorted_upto,
            last_seq: self.seq,
            gaps: self.gaps.len(),
            heap_bytes: self.arena.capacity()
                + self.entries.capacity() * std::mem::size_of::<Entry>()
                + self.keys.iter().map(|k| k.capacity() * 4).sum::<usize>()
                + self.regions.len() * 64,
        }
    }

    /// Finds persons by the query text, only those living in `scope`, at most `limit`.
    ///
    /// - Chinese characters: name prefix (the exact name first).
    /// - Latin letters: full pinyin prefix (`zhangwei`, `zhangw`) or initials prefix
    ///   (`zw`), case-insensitive, spaces and apostrophes ignored, ü typed as v.
    /// - Anything with a digit: the end of an ID number when 8 characters or fewer,
    ///   else its beginning (or all of it); household and person number prefixes.
    ///
    /// Order: exact matches first, then prefix matches; within that, by what matched
    /// (pinyin before initials; ID number, household, person number) and then by the
    /// key and the name.
    pub fn search(&self, query: &str, scope: &RegionCode, limit: usize) -> Vec<SearchHit> {
        if limit == 0 {
            return Vec::new();
        }
        let Some(q) = classify(query) else {
            return Vec::new();
        };
        let in_scope: Vec<bool> = self.regions.iter().map(|r| scope.contains(r)).collect();
        let mut cands: Vec<Cand> = Vec::new();
        match q {
            Query::Name(name) => {
                self.scan(Key::Name, name.as_bytes(), 0, &in_scope, limit, &mut cands)
            }
            Query::Letters(l) => {
                self.scan(Key::Pinyin, l.as_bytes(), 0, &in_scope, limit, &mut cands);
                self.scan(Key::Initials, l.as_bytes(), 1, &in_scope, limit, &mut cands);
            }
            Query::Ident(variants) => {
                let first = &variants[0];
                let upper = first.to_ascii_uppercase();
                if upper.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
                    if upper.len() <= 8 {
                        let rev: Vec<u8> = upper.bytes().rev().collect();
                        self.scan(Key::IdRev, &rev, 0, &in_scope, limit, &mut cands);
                    } else {
                        self.scan(Key::Id, upper.as_bytes(), 0, &in_scope, limit, &mut cands);
                    }
                }
                for v in &variants {
                    self.scan(
                        Key::Household,
                        v.as_bytes(),
                        1,
                        &in_scope,
                        limit,
                        &mut cands,
                    );
                    self.scan(Key::PersonNo, v.as_bytes(), 2, &in_scope, limit, &mut cands);
                }
            }
        }
        // Exact first, then by what matched, then by key order within that.
        cands.sort_by_key(|c| (!c.exact, c.rank, c.pos));
        let mut seen = std::collections::HashSet::new();
        cands
            .into_iter()
            .filter(|c| seen.insert(c.idx))
            .take(limit)
            .map(|c| self.hit(c))
            .collect()
    }

    // --- building ---------------------------------------------------------

    fn region_id(&mut self, code: &RegionCode) -> u32 {
        if let Some(&id) = self.region_ids.get(code) {
            return id;
        }
        let id = self.regions.len() as u32;
        self.regions.push(code.clone());
        self.region_ids.insert(code.clone(), id);
        id
    }

    /// Appends an entry for `p` (to the delta until the next sort or merge).
    fn push(&mut self, p: &PersonRecord) -> Result<u32, AppError> {
        let (py, ini) = name_keys(&p.name);
        let id = p.id_number.as_ref().map(|i| i.as_str()).unwrap_or("");
        let fields: [&str; FIELDS] = [&p.person_no, &p.name, &p.household_no, id, &py, &ini];
        let off = u32::try_from(self.arena.len()).map_err(|_| too_big())?;
        let mut lens = [0u16; FIELDS];
        for (i, f) in fields.iter().enumerate() {
            // Over-long free text is cut at a character boundary.
            let mut end = f.len().min(u16::MAX as usize);
            while !f.is_char_boundary(end) {
                end -= 1;
            }
            lens[i] = end as u16;
            self.arena.extend_from_slice(&f.as_bytes()[..end]);
        }
        if self.arena.len() > u32::MAX as usize {
            return Err(too_big());
        }
        let region = self.region_id(&p.region_code);
        let idx = u32::try_from(self.entries.len()).map_err(|_| too_big())?;
        self.entries.push(Entry {
            off,
            lens,
            region,
            birth: p.birth_date,
            sex: p.sex,
            alive: p.death_date.is_none(),
            live: true,
        });
        Ok(idx)
    }

    /// Replaces the entries of changed persons.
    fn apply(&mut self, persons: &[PersonRecord]) -> Result<usize, AppError> {
        if persons.is_empty() {
            return Ok(0);
        }
        let delta: HashMap<Vec<u8>, u32> = (self.sorted_upto..self.entries.len())
            .filter(|&i| self.entries[i].live)
            .map(|i| (self.field(i as u32, F_NO).to_vec(), i as u32))
            .collect();
        for p in persons {
            let no = p.person_no.as_bytes();
            let old = delta.get(no).copied().or_else(|| {
                let k = &self.keys[KEYS.iter().position(|&k| k == Key::PersonNo).unwrap_or(6)];
                let lo = k.partition_point(|&i| self.field(i, F_NO) < no);
                k[lo..]
                    .iter()
                    .take_while(|&&i| self.field(i, F_NO) == no)
                    .copied()
                    .find(|&i| self.entries[i as usize].live)
            });
            if let Some(i) = old {
                self.entries[i as usize].live = false;
                self.dead += 1;
            }
            self.push(p)?;
        }
        Ok(persons.len())
    }

    fn sort_all(&mut self) {
        let n = self.entries.len();
        let this = &*self;
        let workers = std::thread::available_parallelism()
            .map_or(2, |p| p.get())
            .clamp(1, KEYS.len());
        // Each worker sorts every `workers`-th key; the results are put back in order.
        let mut sorted: Vec<(usize, Vec<u32>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    s.spawn(move || {
                        (w..KEYS.len())
                            .step_by(workers)
                            .map(|ki| (ki, this.sorted_key(KEYS[ki], n)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        sorted.sort_by_key(|(ki, _)| *ki);
        let sorted = sorted.into_iter().map(|(_, v)| v);
        for (slot, v) in self.keys.iter_mut().zip(sorted) {
            *slot = v;
        }
        self.sorted_upto = n;
        // Growth left up to half of these unused; give it back.
        self.arena.shrink_to_fit();
        self.entries.shrink_to_fit();
    }

    /// The live entries below `n` that have key `k`, sorted. Most comparisons are
    /// settled by the first 8 key bytes packed into a u64, without touching the arena.
    fn sorted_key(&self, k: Key, n: usize) -> Vec<u32> {
        let mut buf = [0u8; 32];
        let mut v: Vec<(u64, u32)> = (0..n as u32)
            .filter(|&i| self.entries[i as usize].live && self.has_key(k, i))
            .map(|i| {
                let key = self.key(k, i, &mut buf);
                let mut p = [0u8; 8];
                let m = key.len().min(8);
                p[..m].copy_from_slice(&key[..m]);
                (u64::from_be_bytes(p), i)
            })
            .collect();
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| self.cmp_entries(k, a.1, b.1)));
        v.into_iter().map(|(_, i)| i).collect()
    }

    /// Merges the delta into the sorted arrays, dropping dead entries.
    fn merge_delta(&mut self) {
        let n = self.entries.len();
        let from = self.sorted_upto;
        let this = &*self;
        let merged: Vec<Vec<u32>> = KEYS
            .iter()
            .enumerate()
            .map(|(ki, &k)| {
                let mut delta: Vec<u32> = (from as u32..n as u32)
                    .filter(|&i| this.entries[i as usize].live && this.has_key(k, i))
                    .collect();
                delta.sort_unstable_by(|&a, &b| this.cmp_entries(k, a, b));
                let old = &this.keys[ki];
                let mut out = Vec::with_capacity(old.len() + delta.len());
                let (mut a, mut b) = (0, 0);
                while a < old.len() || b < delta.len() {
                    let take_old = b == delta.len()
                        || (a < old.len()
                            && this.cmp_entries(k, old[a], delta[b]) == Ordering::Less);
                    let i = if take_old {
                        a += 1;
                        old[a - 1]
                    } else {
                        b += 1;
                        delta[b - 1]
                    };
                    if this.entries[i as usize].live {
                        out.push(i);
                    }
                }
                out
            })
            .collect();
        for (slot, v) in self.keys.iter_mut().zip(merged) {
            *slot = v;
        }
        self.sorted_upto = n;
    }

    /// Rewrites the arena and entries without the dead entries, then sorts afresh.
    fn compact(&mut self) -> Result<(), AppError> {
        let mut arena = Vec::with_capacity(self.arena.len());
        let mut entries = Vec::with_capacity(self.len());
        for e in self.entries.iter().filter(|e| e.live) {
            let len: usize = e.lens.iter().map(|&l| l as usize).sum();
            let off = u32::try_from(arena.len()).map_err(|_| too_big())?;
            arena.extend_from_slice(&self.arena[e.off as usize..e.off as usize + len]);
            entries.push(Entry { off, ..*e });
        }
        self.arena = arena;
        self.entries = entries;
        self.dead = 0;
        self.sort_all();
        Ok(())
    }

    fn coalesce_gaps(&mut self) {
        self.gaps.sort_by_key(|g| g.lo);
        while self.gaps.len() > MAX_GAPS {
            // Join the two gaps closest together.
            let j = (1..self.gaps.len())
                .min_by_key(|&j| self.gaps[j].lo - self.gaps[j - 1].hi)
                .unwrap_or(1);
            let g = self.gaps.remove(j);
            let p = &mut self.gaps[j - 1];
            p.hi = g.hi;
            p.since = p.since.min(g.since);
        }
    }

    // --- reading ----------------------------------------------------------

    fn field(&self, i: u32, f: usize) -> &[u8] {
        let e = &self.entries[i as usize];
        let start = e.off as usize + e.lens[..f].iter().map(|&l| l as usize).sum::<usize>();
        &self.arena[start..start + e.lens[f] as usize]
    }

    fn text(&self, i: u32, f: usize) -> String {
        String::from_utf8_lossy(self.field(i, f)).into_owned()
    }

    fn has_key(&self, k: Key, i: u32) -> bool {
        !self.field(i, k.field()).is_empty()
    }

    /// The key bytes of entry `i`; the reversed ID number is written into `buf`.
    fn key<'a>(&'a self, k: Key, i: u32, buf: &'a mut [u8; 32]) -> &'a [u8] {
        let f = self.field(i, k.field());
        if k == Key::IdRev {
            let n = f.len().min(buf.len());
            for (d, s) in buf[..n].iter_mut().zip(f.iter().rev()) {
                *d = *s;
            }
            &buf[..n]
        } else {
            f
        }
    }

    fn cmp_entries(&self, k: Key, a: u32, b: u32) -> Ordering {
        let (mut ba, mut bb) = ([0u8; 32], [0u8; 32]);
        self.key(k, a, &mut ba)
            .cmp(self.key(k, b, &mut bb))
            .then_with(|| self.field(a, F_NAME).cmp(self.field(b, F_NAME)))
            .then(a.cmp(&b))
    }

    /// Collects up to `limit` in-scope live entries whose key `k` starts with `q`,
    /// from the sorted array and the delta, in key order.
    fn scan(
        &self,
        k: Key,
        q: &[u8],
        rank: u8,
        in_scope: &[bool],
        limit: usize,
        out: &mut Vec<Cand>,
    ) {
        if q.is_empty() {
            return;
        }
        let ok = |i: u32| {
            let e = &self.entries[i as usize];
            e.live && in_scope[e.region as usize]
        };
        let mut found: Vec<u32> = Vec::new();
        let sorted = &self.keys[KEYS.iter().position(|&x| x == k).unwrap_or(0)];
        let mut buf = [0u8; 32];
        let lo = sorted.partition_point(|&i| self.key(k, i, &mut buf) < q);
        for &i in &sorted[lo..] {
            if !self.key(k, i, &mut buf).starts_with(q) {
                break;
            }
            if ok(i) {
                found.push(i);
                if found.len() >= limit {
                    break;
                }
            }
        }
        let before = found.len();
        for i in self.sorted_upto as u32..self.entries.len() as u32 {
            if ok(i) && self.key(k, i, &mut buf).starts_with(q) {
                found.push(i);
            }
        }
        if found.len() > before {
            found.sort_unstable_by(|&a, &b| {
                let (ea, eb) = (self.key_eq(k, a, q), self.key_eq(k, b, q));
                eb.cmp(&ea).then_with(|| self.cmp_entries(k, a, b))
            });
            found.truncate(limit);
        }
        for (pos, &i) in found.iter().enumerate() {
            out.push(Cand {
                idx: i,
                exact: self.key_eq(k, i, q),
                rank,
                pos: pos as u32,
                key: k,
            });
        }
    }

    fn key_eq(&self, k: Key, i: u32, q: &[u8]) -> bool {
        let mut buf = [0u8; 32];
        self.key(k, i, &mut buf) == q
    }

    fn hit(&self, c: Cand) -> SearchHit {
        let e = &self.entries[c.idx as usize];
        let id = self.field(c.idx, F_ID);
        SearchHit {
            person_no: self.text(c.idx, F_NO),
            name: self.text(c.idx, F_NAME),
            sex: e.sex,
            birth_date: e.birth,
            household_no: self.text(c.idx, F_HH),
            region_code: self.regions[e.region as usize].clone(),
            id_tail: (!id.is_empty())
                .then(|| String::from_utf8_lossy(&id[id.len().saturating_sub(4)..]).into_owned()),
            alive: e.alive,
            matched: c.key.matched(),
            exact: c.exact,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Cand {
    idx: u32,
    exact: bool,
    rank: u8,
    pos: u32,
    key: Key,
}

/// The ranges of `lo..=hi` not in `seen` (ascending).
fn missing(lo: i64, hi: i64, seen: &[i64]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut next = lo;
    for &s in seen {
        if s > hi {
            break;
        }
        if s > next {
            out.push((next, s - 1));
        }
        next = next.max(s + 1);
    }
    if next <= hi {
        out.push((next, hi));
    }
    out
}

fn read(ix: &RwLock<PersonIndex>) -> RwLockReadGuard<'_, PersonIndex> {
    ix.read().unwrap_or_else(|e| e.into_inner())
}

fn write(ix: &RwLock<PersonIndex>) -> RwLockWriteGuard<'_, PersonIndex> {
    ix.write().unwrap_or_else(|e| e.into_inner())
}

/// Searches a shared index, refreshing it first when the event log moved on (one
/// cheap `MAX(seq)` query per search; one writer refreshes, the others wait for it).
pub fn search_fresh(
    index: &RwLock<PersonIndex>,
    store: &Store,
    query: &str,
    scope: &RegionCode,
    limit: usize,
) -> Result<Vec<SearchHit>, AppError> {
    let last = store.last_event_seq()?;
    {
        let r = read(index);
        if !r.needs_refresh(last) {
            return Ok(r.search(query, scope, limit));
        }
    }
    {
        let mut w = write(index);
        if w.needs_refresh(last) {
            w.refresh(store)?;
        }
    }
    Ok(read(index).search(query, scope, limit))
}

/// Searches the area: the shared index once it is built, a plain query of the
/// register before that (the server builds the index in the background at start).
pub fn find(
    index: Option<&RwLock<PersonIndex>>,
    store: &Store,
    query: &str,
    area: &RegionCode,
    limit: usize,
) -> Result<Vec<SearchHit>, AppError> {
    if let Some(index) = index {
        return search_fresh(index, store, query, area, limit);
    }
    Ok(store
        .search_persons_simple(area, query, limit as i64)?
        .into_iter()
        .map(|p| SearchHit {
            id_tail: p.id_number.as_ref().map(|i| i.as_str()[14..].to_string()),
            alive: p.death_date.is_none(),
            person_no: p.person_no,
            name: p.name,
            sex: p.sex,
            birth_date: p.birth_date,
            household_no: p.household_no,
            region_code: p.region_code,
            matched: MatchKind::Name,
            exact: false,
        })
        .collect())
}

// --- queries and pinyin ---------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    /// Contains Chinese (or other non-Latin) characters: a name prefix.
    Name(String),
    /// Latin letters only: pinyin or initials, lower case.
    Letters(String),
    /// Contains a digit or punctuation: ID, household or person number; as typed and
    /// in upper case.
    Ident(Vec<String>),
}

fn classify(query: &str) -> Option<Query> {
    let q: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    if q.is_empty() {
        return None;
    }
    if q.chars().any(|c| !c.is_ascii() && c != 'ü' && c != 'Ü') {
        return Some(Query::Name(q));
    }
    if q.chars()
        .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == 'ü' || c == 'Ü' || c == ':')
    {
        let l: String = q
            .to_lowercase()
            .replace("u:", "v")
            .chars()
            .filter(|&c| c != '\'' && c != ':')
            .map(|c| if c == 'ü' { 'v' } else { c })
            .collect();
        return (!l.is_empty()).then_some(Query::Letters(l));
    }
    let upper = q.to_ascii_uppercase();
    let mut v = vec![q];
    if upper != v[0] {
        v.push(upper);
    }
    Some(Query::Ident(v))
}

/// Compound surnames and their readings, syllable by syllable.
const COMPOUND_SURNAMES: &[(&str, &str)] = &[
    ("欧阳", "ou yang"),
    ("司马", "si ma"),
    ("诸葛", "zhu ge"),
    ("上官", "shang guan"),
    ("东方", "dong fang"),
    ("皇甫", "huang fu"),
    ("尉迟", "yu chi"),
    ("司徒", "si tu"),
    ("公孙", "gong sun"),
    ("慕容", "mu rong"),
    ("长孙", "zhang sun"),
    ("宇文", "yu wen"),
    ("夏侯", "xia hou"),
    ("令狐", "ling hu"),
    ("澹台", "tan tai"),
    ("万俟", "mo qi"),
    ("单于", "chan yu"),
    ("轩辕", "xuan yuan"),
    ("端木", "duan mu"),
    ("独孤", "du gu"),
    ("南宫", "nan gong"),
    ("西门", "xi men"),
    ("申屠", "shen tu"),
    ("闻人", "wen ren"),
    ("呼延", "hu yan"),
    ("赫连", "he lian"),
    ("司空", "si kong"),
    ("钟离", "zhong li"),
    ("太史", "tai shi"),
    ("拓跋", "tuo ba"),
    ("百里", "bai li"),
    ("东郭", "dong guo"),
    ("公冶", "gong ye"),
    ("濮阳", "pu yang"),
    ("淳于", "chun yu"),
    ("鲜于", "xian yu"),
    ("闾丘", "lv qiu"),
    ("左丘", "zuo qiu"),
    ("乐正", "yue zheng"),
    ("公羊", "gong yang"),
    ("第五", "di wu"),
];

/// Surnames read differently from the character's first (common) reading.
const SURNAMES: &[(char, &str)] = &[
    ('单', "shan"),
    ('曾', "zeng"),
    ('区', "ou"),
    ('仇', "qiu"),
    ('解', "xie"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "ge"),
    ('乐', "yue"),
    ('覃', "qin"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('召', "shao"),
    ('种', "chong"),
    ('秘', "bi"),
    ('折', "she"),
    ('黑', "he"),
    ('华', "hua"),
    ('任', "ren"),
    ('沈', "shen"),
    ('葛', "ge"),
    ('柏', "bai"),
    ('薄', "bo"),
    ('贾', "jia"),
    ('员', "yun"),
    ('句', "gou"),
    ('阚', "kan"),
    ('繁', "po"),
    ('隗', "wei"),
    ('过', "guo"),
    ('长', "chang"),
    ('重', "chong"),
    ('车', "che"),
    ('牟', "mou"),
    ('莘', "shen"),
    ('宿', "su"),
    ('都', "du"),
    ('燕', "yan"),
    ('尉', "wei"),
    ('蔚', "yu"),
    ('曲', "qu"),
    ('石', "shi"),
    ('藏', "zang"),
    ('那', "na"),
    ('纪', "ji"),
    ('尹', "yin"),
    ('叶', "ye"),
    ('行', "xing"),
    ('卜', "bu"),
    ('调', "diao"),
    ('朝', "chao"),
    ('冼', "xian"),
    ('洗', "xian"),
    ('祭', "zhai"),
    ('校', "xiao"),
    ('能', "nai"),
    ('应', "ying"),
    ('万', "wan"),
    ('强', "qiang"),
    ('角', "jue"),
];

/// The toneless full pinyin of a name (ü as v) and its initials: the surname by its
/// surname reading, every other character by its first reading; a run of Latin
/// letters is kept as one word; other characters (·, digits) are skipped.
pub fn name_keys(name: &str) -> (String, String) {
    let mut full = String::with_capacity(name.len() * 2);
    let mut ini = String::with_capacity(4);
    let word = |w: &str, full: &mut String, ini: &mut String| {
        for (j, c) in w.chars().enumerate() {
            let c = if c == 'ü' {
                'v'
            } else {
                c.to_ascii_lowercase()
            };
            full.push(c);
            if j == 0 {
                ini.push(c);
            }
        }
    };
    let mut rest = name.trim();
    if let Some((s, py)) = COMPOUND_SURNAMES.iter().find(|(s, _)| rest.starts_with(s)) {
        for syllable in py.split(' ') {
            word(syllable, &mut full, &mut ini);
        }
        rest = &rest[s.len()..];
    } else if let Some(c) = rest.chars().next() {
        if let Some((_, py)) = SURNAMES.iter().find(|(s, _)| *s == c) {
            word(py, &mut full, &mut ini);
            rest = &rest[c.len_utf8()..];
        }
    }
    let mut latin = false;
    for c in rest.chars() {
        if c.is_ascii_alphabetic() {
            let l = c.to_ascii_lowercase();
            full.push(l);
            if !latin {
                ini.push(l);
            }
            latin = true;
            continue;
        }
        latin = false;
        if let Some(p) = c.to_pinyin() {
            word(p.plain(), &mut full, &mut ini);
        }
    }
    (full, ini)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_names() {
        assert_eq!(name_keys("张伟"), ("zhangwei".into(), "zw".into()));
        assert_eq!(name_keys("章伟"), ("zhangwei".into(), "zw".into()));
        assert_eq!(name_keys("欧阳娜娜"), ("ouyangnana".into(), "oynn".into()));
        assert_eq!(name_keys("单田芳").0, "shantianfang");
        assert_eq!(name_keys("曾小明").0, "zengxiaoming");
        assert_eq!(name_keys("区家豪").0, "oujiahao");
        assert_eq!(name_keys("尉迟恭"), ("yuchigong".into(), "ycg".into()));
        assert_eq!(name_keys("吕丽").0, "lvli");
        assert_eq!(name_keys("阿依古丽·买买提").1, "ayglmmt");
    }

    #[test]
    fn queries_are_classified() {
        assert_eq!(classify(" 张 "), Some(Query::Name("张".into())));
        assert_eq!(
            classify("Zhang Wei"),
            Some(Query::Letters("zhangwei".into()))
        );
        assert_eq!(classify("xi'an"), Some(Query::Letters("xian".into())));
        assert_eq!(classify("lü"), Some(Query::Letters("lv".into())));
        assert_eq!(
            classify("123x"),
            Some(Query::Ident(vec!["123x".into(), "123X".into()]))
        );
        assert_eq!(classify("  "), None);
    }

    #[test]
    fn gaps_are_found() {
        assert_eq!(
            missing(1, 10, &[1, 2, 5, 9]),
            vec![(3, 4), (6, 8), (10, 10)]
        );
        assert_eq!(missing(5, 4, &[]), vec![]);
        assert_eq!(missing(1, 3, &[1, 2, 3]), vec![]);
    }
}
