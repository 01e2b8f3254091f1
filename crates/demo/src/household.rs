//! The household model: who lives together, when they were born, married, had
//! children, died or left for work.
//!
//! Each household is built around a married couple (or a single person) whose ages
//! come from the national cohort sizes; their children come from a small fertility
//! model that follows the policy eras (high fertility before 1972, the rural
//! "1.5-child" rule with son preference 1980-2015, two children from 2016, three from
//! 2021), so the births of any past year, their birth orders and their sex ratio come
//! out of the same process that makes the age pyramid. Married children have left and
//! appear as couples of other households; unmarried ones stay, as they do in the
//! household register (户籍). Time is kept in decimal years until the records are made.

use crate::tables::{cohort_size, cumulative_hazard, ever_married, SURNAMES};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use renkou_domain::{MaritalStatus, Residence, Sex};

/// One member while the household is built; links are indexes into the household.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub male: bool,
    /// Birth, as a decimal year (1987.5 is about 2 July 1987).
    pub birth: f64,
    pub marital: MaritalStatus,
    pub mother: Option<usize>,
    pub father: Option<usize>,
    pub spouse: Option<usize>,
    pub death: Option<f64>,
    pub residence: Residence,
    pub surname: usize,
    /// Dropped before output (left by marriage, died long ago, divorced away).
    absent: bool,
}

impl Member {
    fn new(male: bool, birth: f64, surname: usize) -> Self {
        Member {
            male,
            birth,
            marital: MaritalStatus::Unmarried,
            mother: None,
            father: None,
            spouse: None,
            death: None,
            residence: Residence::Resident,
            surname,
            absent: false,
        }
    }
    pub fn sex(&self) -> Sex {
        if self.male {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

/// Share of households by kind, in the order of [`Kind`].
const KIND_WEIGHTS: [f64; 7] = [0.56, 0.26, 0.025, 0.06, 0.03, 0.02, 0.02];

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A couple with their unmarried children (or none left at home).
    Family,
    /// A young couple, their children and the husband's (sometimes the wife's) parents.
    ThreeGenerations,
    /// A divorced parent with the children.
    SingleParent,
    /// A man who never married, 28-65 (the rural bachelor surplus).
    Bachelor,
    /// A young unmarried adult with a household of their own.
    YoungSingle,
    /// A divorced adult living alone.
    Divorced,
    /// A widow or widower of 65 or more living alone.
    Widowed,
}

const KINDS: [Kind; 7] = [
    Kind::Family,
    Kind::ThreeGenerations,
    Kind::SingleParent,
    Kind::Bachelor,
    Kind::YoungSingle,
    Kind::Divorced,
    Kind::Widowed,
];

pub(crate) struct Model {
    /// The reference date as a decimal year.
    pub r: f64,
    /// Cumulative weights of the married woman anchoring a family, by age 20..=100.
    anchor_cum: Vec<f64>,
    /// Cumulative weights of all persons by age 0..=100 (for singles).
    age_cum: Vec<f64>,
    surname_cum: Vec<f64>,
    kind_cum: Vec<f64>,
}

fn cumulative(w: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    w.into_iter()
        .map(|x| {
            acc += x;
            acc
        })
        .collect()
}

fn pick(cum: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let x = rng.random::<f64>() * cum.last().copied().unwrap_or(0.0);
    cum.partition_point(|&c| c < x).min(cum.len() - 1)
}

fn exp(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    // Box-Muller; one of the pair is enough here.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Anchor women of the oldest ages are rarer than their cohort says: many of them
/// live as the grandparents of a three-generation household instead.
fn anchor_adjust(age: usize) -> f64 {
    match age {
        ..=59 => 1.0,
        60..=69 => 1.1,
        70..=79 => 1.3,
        _ => 1.7,
    }
}

impl Model {
    pub fn new(r: f64) -> Self {
        let year = r.floor() as i32;
        let anchor_cum = cumulative((20..=100usize).map(|a| {
            let by = (year - a as i32) as f64;
            cohort_size(by as i32) * ever_married(false, a as f64, by) * anchor_adjust(a)
        }));
        let age_cum = cumulative((0..=100).map(|a| cohort_size(year - a)));
        let surname_cum = cumulative(SURNAMES.iter().map(|s| s.1));
        let kind_cum = cumulative(KIND_WEIGHTS);
        Model {
            r,
            anchor_cum,
            age_cum,
            surname_cum,
            kind_cum,
        }
    }

    fn surname(&self, rng: &mut ChaCha8Rng, lineages: &[usize; 2]) -> usize {
        // Villages are lineage places: many of the men carry one of two surnames.
        if rng.random_bool(0.35) {
            lineages[rng.random_range(0..2)]
        } else {
            pick(&self.surname_cum, rng)
        }
    }

    fn any_surname(&self, rng: &mut ChaCha8Rng) -> usize {
        pick(&self.surname_cum, rng)
    }

    /// Age (completed years) of a person drawn from the pyramid, within `lo..=hi`.
    fn age_between(&self, rng: &mut ChaCha8Rng, lo: usize, hi: usize) -> f64 {
        let lo_w = if lo == 0 { 0.0 } else { self.age_cum[lo - 1] };
        let x = lo_w + rng.random::<f64>() * (self.age_cum[hi] - lo_w);
        let a = self.age_cum.partition_point(|&c| c < x).clamp(lo, hi);
        a as f64 + rng.random::<f64>()
    }

    /// One household of at most `max` members (1..=6).
    pub fn household(
        &self,
        rng: &mut ChaCha8Rng,
        lineages: &[usize; 2],
        max: usize,
    ) -> Vec<Member> {
        for _ in 0..40 {
            let kind = KINDS[pick(&self.kind_cum, rng)];
            let h = match kind {
                Kind::Family => self.family(rng, lineages, 100, false),
                Kind::ThreeGenerations => self.family(rng, lineages, 55, true),
                Kind::SingleParent => self.single_parent(rng, lineages),
                Kind::Bachelor => {
                    let age = self.age_between(rng, 28, 65);
                    vec![Member::new(true, self.r - age, self.surname(rng, lineages))]
                }
                Kind::YoungSingle => {
                    let age = self.age_between(rng, 22, 35);
                    let male = rng.random_bool(0.6);
                    vec![Member::new(male, self.r - age, self.surname(rng, lineages))]
                }
                Kind::Divorced => {
                    let age = self.age_between(rng, 30, 60);
                    let mut m = Member::new(rng.random_bool(0.5), self.r - age, 0);
                    m.surname = self.surname(rng, lineages);
                    m.marital = MaritalStatus::Divorced;
                    vec![m]
                }
                Kind::Widowed => {
                    let age = self.age_between(rng, 65, 100);
                    let male = rng.random_bool(0.35);
                    let mut m = Member::new(male, self.r - age, 0);
                    m.surname = if male {
                        self.surname(rng, lineages)
                    } else {
                        self.any_surname(rng)
                    };
                    m.marital = MaritalStatus::Widowed;
                    vec![m]
                }
            };
            let mut h = compact(h);
            if h.is_empty() || h.len() > max || h.iter().all(|m| m.death.is_some()) {
                continue;
            }
            self.residence(rng, &mut h);
            return h;
        }
        // A household that fits the last places of a village: one young adult.
        let age = self.age_between(rng, 22, 35);
        vec![Member::new(
            rng.random_bool(0.6),
            self.r - age,
            self.any_surname(rng),
        )]
    }

    /// A couple and their children at home; with `grandparents`, also the parents of
    /// the husband (or, in one family in twelve, of the wife: 上门女婿).
    fn family(
        &self,
        rng: &mut ChaCha8Rng,
        lineages: &[usize; 2],
        max_wife_age: usize,
        grandparents: bool,
    ) -> Vec<Member> {
        let mut wife_age;
        loop {
            wife_age = 20 + pick(&self.anchor_cum, rng);
            if wife_age <= max_wife_age {
                break;
            }
        }
        let wife_b = self.r - wife_age as f64 - rng.random::<f64>();
        let mut diff = normal(rng, 2.2, 2.8).clamp(-4.0, 12.0);
        // The husband is at least 22 (the legal age of marriage for men).
        diff = diff.max(22.0 - (self.r - wife_b));
        let husband_b = wife_b - diff;

        let wife_year = wife_b.floor() as i32;
        let base = match wife_year {
            ..=1959 => 21.5,
            1960..=1979 => 22.5,
            1980..=1989 => 24.0,
            _ => 25.5,
        };
        let mut m = base;
        for _ in 0..10 {
            m = base - 2.5 + exp(rng, 3.0);
            if m >= 20.0 && m + diff >= 22.0 && wife_b + m <= self.r {
                break;
            }
        }
        let earliest = 20.0f64.max(22.0 - diff);
        m = m.max(earliest).min(self.r - wife_b);
        let marriage = wife_b + m;

        let uxorilocal = grandparents && rng.random_bool(1.0 / 12.0);
        let husband_surname = self.surname(rng, lineages);
        let wife_surname = if uxorilocal {
            self.surname(rng, lineages)
        } else {
            self.any_surname(rng)
        };
        let mut h = Vec::with_capacity(6);
        let status = match rng.random::<f64>() {
            x if x < 0.70 => MaritalStatus::Married,
            x if x < 0.94 => MaritalStatus::FirstMarriage,
            x if x < 0.98 => MaritalStatus::Remarried,
            _ => MaritalStatus::RemarriedAfterLoss,
        };
        let mut husband = Member::new(true, husband_b, husband_surname);
        husband.marital = status;
        husband.spouse = Some(1);
        let mut wife = Member::new(false, wife_b, wife_surname);
        wife.marital = status;
        wife.spouse = Some(0);
        h.push(husband);
        h.push(wife);

        let room = if grandparents { 3 } else { 4 };
        for (birth, male) in self.fertility(rng, wife_b, marriage, 5) {
            let age = self.r - birth;
            // Married children have left for a household of their own.
            if rng.random::<f64>() < ever_married(male, age, birth) {
                continue;
            }
            if h.len() - 2 >= room {
                // More children at home than the household can hold: the eldest
                // adult ones have moved out (the youngest always stay with the mother).
                if let Some(i) = (2..h.len()).find(|&i| self.r - h[i].birth >= 18.0) {
                    h.remove(i);
                } else {
                    break;
                }
            }
            let surname = if uxorilocal && rng.random_bool(0.5) || rng.random_bool(0.04) {
                wife_surname
            } else {
                husband_surname
            };
            let mut c = Member::new(male, birth, surname);
            c.mother = Some(1);
            c.father = Some(0);
            h.push(c);
        }
        // Infant deaths (about 5 per 1000 births); the record stays.
        for c in h.iter_mut().skip(2) {
            if self.r - c.birth < 10.0 && rng.random_bool(0.005) {
                c.death = Some((c.birth + rng.random::<f64>() * 0.9).min(self.r));
            }
        }

        if grandparents {
            let room = 6 - h.len();
            let both = room >= 2 && rng.random_bool(0.6);
            if room >= 1 {
                let child = if uxorilocal { 1 } else { 0 };
                let mother_age = (21.0 + exp(rng, 4.5)).min(40.0);
                let gm_b = h[child].birth - mother_age;
                let gp_b = gm_b - normal(rng, 2.2, 2.8).clamp(-3.0, 10.0);
                let gp_surname = h[child].surname;
                let gm_surname = self.any_surname(rng);
                let with_grandpa = both || rng.random_bool(0.3);
                let with_grandma = both || !with_grandpa;
                let couple_status = if with_grandpa && with_grandma {
                    MaritalStatus::Married
                } else {
                    MaritalStatus::Widowed
                };
                if with_grandpa {
                    let mut gp = Member::new(true, gp_b, gp_surname);
                    gp.marital = couple_status;
                    h.push(gp);
                    h[child].father = Some(h.len() - 1);
                }
                if with_grandma {
                    let mut gm = Member::new(false, gm_b, gm_surname);
                    gm.marital = couple_status;
                    h.push(gm);
                    h[child].mother = Some(h.len() - 1);
                }
                if with_grandpa && with_grandma {
                    let n = h.len();
                    h[n - 2].spouse = Some(n - 1);
                    h[n - 1].spouse = Some(n - 2);
                }
            }
        }
        self.mortality(rng, &mut h);
        h
    }

    /// A divorced parent with the children at home (two times in three the mother).
    fn single_parent(&self, rng: &mut ChaCha8Rng, lineages: &[usize; 2]) -> Vec<Member> {
        let mut h = self.family(rng, lineages, 50, false);
        let gone = if rng.random_bool(0.67) { 0 } else { 1 };
        h[gone].absent = true;
        if !h[1 - gone].absent {
            h[1 - gone].marital = MaritalStatus::Divorced;
        }
        h
    }

    /// Children of a woman born at `wife_b` and married at `marriage`: (birth, male).
    fn fertility(
        &self,
        rng: &mut ChaCha8Rng,
        wife_b: f64,
        marriage: f64,
        cap: usize,
    ) -> Vec<(f64, bool)> {
        let mut kids = Vec::new();
        // Couples married lately stay childless more often and wait longer.
        let (childless, wait) = match marriage {
            m if m < 2010.0 => (0.05, 1.0),
            m if m < 2017.0 => (0.08, 1.5),
            _ => (0.14, 2.2),
        };
        if rng.random_bool(childless) {
            return kids;
        }
        let mut t = marriage + 0.4 + exp(rng, wait);
        let mut has_son = false;
        loop {
            if t > self.r || t - wife_b > 44.5 || kids.len() >= cap {
                break;
            }
            let order = kids.len() + 1;
            let male = rng.random_bool(p_male(t as i32, order, has_son));
            kids.push((t, male));
            has_son |= male;
            if rng.random_bool(0.01) && kids.len() < cap {
                // Twins: born the same day; a third are identical (same sex).
                let twin = if rng.random_bool(0.33) {
                    male
                } else {
                    rng.random_bool(0.515)
                };
                kids.push((t, twin));
                has_son |= twin;
            }
            let next = t + if t < 1975.0 {
                1.0 + exp(rng, 1.2)
            } else {
                1.5 + exp(rng, 2.5)
            };
            if !rng.random_bool(p_continue(next as i32, kids.len(), has_son)) {
                break;
            }
            t = next;
        }
        kids
    }

    /// Deaths: long ago (the person is not in the household any more, the spouse is
    /// widowed) or in the last ten years (the record stays with its death date).
    fn mortality(&self, rng: &mut ChaCha8Rng, h: &mut [Member]) {
        let window = self.r - 10.0;
        let n = h.len();
        for i in 0..n {
            let age = self.r - h[i].birth;
            if age < 30.0 {
                continue;
            }
            let long = 0.8 * cumulative_hazard(h[i].male, 30.0, age - 10.0);
            // Recent deaths weigh more than the smooth hazard: the old of a rural
            // county die younger than the national table says.
            let recent = 1.6 * cumulative_hazard(h[i].male, (age - 10.0).max(30.0), age);
            let u = rng.random::<f64>();
            // Parents must outlive the birth of their youngest child at home.
            let youngest = (0..n)
                .filter(|&c| h[c].mother == Some(i) || h[c].father == Some(i))
                .map(|c| h[c].birth)
                .fold(f64::MIN, f64::max);
            if u < 1.0 - (-long).exp() {
                if youngest < window - 1.0 {
                    h[i].absent = true;
                }
            } else if u < 1.0 - (-(long + recent)).exp() {
                let from = window.max(youngest).max(h[i].birth);
                if from < self.r {
                    h[i].death = Some(from + rng.random::<f64>() * (self.r - from));
                }
            }
        }
        // Widowhood: a married person whose spouse has died.
        for x in 0..n {
            if let Some(y) = h[x].spouse {
                let gone = h[y].absent || h[y].death.is_some();
                if gone && !h[x].absent && h[x].death.is_none() && h[x].marital.is_married() {
                    h[x].marital = MaritalStatus::Widowed;
                }
            }
        }
        // The register keeps no household whose members are all gone.
        if h.iter().all(|m| m.absent || m.death.is_some()) {
            for m in h.iter_mut() {
                m.absent = true;
            }
        }
    }

    /// Who lives elsewhere: working-age people leave for work (流出), their young
    /// children sometimes go with them; 3% of households came from outside (流入).
    fn residence(&self, rng: &mut ChaCha8Rng, h: &mut [Member]) {
        if rng.random_bool(0.03) {
            for m in h.iter_mut() {
                m.residence = Residence::Inflow;
            }
            return;
        }
        let n = h.len();
        // Adults first, in household order (husband before wife).
        for i in 0..n {
            let age = self.r - h[i].birth;
            if h[i].death.is_some() || !(16.0..60.0).contains(&age) {
                continue;
            }
            let base = match age {
                a if a < 20.0 => 0.10,
                a if a < 30.0 => 0.26,
                a if a < 40.0 => 0.22,
                a if a < 50.0 => 0.13,
                _ => 0.06,
            };
            // Couples often leave together.
            let spouse_out = h[i]
                .spouse
                .is_some_and(|j| j < i && h[j].residence == Residence::Outflow);
            let p = if spouse_out { 0.55 } else { base };
            if rng.random_bool(p) {
                h[i].residence = Residence::Outflow;
            }
        }
        for i in 0..n {
            let age = self.r - h[i].birth;
            if h[i].death.is_some() || age >= 16.0 {
                continue;
            }
            let out = |p: Option<usize>| p.is_some_and(|p| h[p].residence == Residence::Outflow);
            let p = match (out(h[i].mother), out(h[i].father)) {
                (true, true) => 0.35,
                (true, false) => 0.2,
                _ => 0.0,
            };
            if p > 0.0 && rng.random_bool(p) {
                h[i].residence = Residence::Outflow;
            }
        }
    }
}

/// Drops the absent members and renumbers the links of the others.
fn compact(h: Vec<Member>) -> Vec<Member> {
    let mut map = vec![None; h.len()];
    let mut next = 0;
    for (i, m) in h.iter().enumerate() {
        if !m.absent {
            map[i] = Some(next);
            next += 1;
        }
    }
    let remap = |l: Option<usize>| l.and_then(|i| map[i]);
    h.into_iter()
        .filter(|m| !m.absent)
        .map(|mut m| {
            m.mother = remap(m.mother);
            m.father = remap(m.father);
            m.spouse = remap(m.spouse);
            m
        })
        .collect()
}

/// Probability that a birth in `year` of this `order` is a boy. Sex selection raised
/// the ratio after 1985 for families without a son; it eases after 2016.
fn p_male(year: i32, order: usize, has_son: bool) -> f64 {
    match (year, order, has_son) {
        (..=1984, _, _) => 0.514,
        (_, 1, _) => 0.521,
        (_, _, true) => 0.505,
        (1985..=2015, _, false) => 0.60,
        (_, _, false) => 0.565,
    }
}

/// Probability that a couple with `k` children has another one in `year`.
fn p_continue(year: i32, k: usize, has_son: bool) -> f64 {
    match year {
        ..=1971 => match k {
            0..=2 => 0.9,
            3..=4 => 0.7,
            _ => 0.4,
        },
        1972..=1979 => match k {
            1 => 0.85,
            2 => 0.6,
            3 => 0.35,
            _ => 0.2,
        },
        1980..=2015 => match (k, has_son) {
            (1, true) => 0.25,
            (1, false) => 0.70,
            (2, true) => 0.06,
            (2, false) => 0.45,
            _ => 0.1,
        },
        2016..=2020 => match (k, has_son) {
            (1, true) => 0.45,
            (1, false) => 0.60,
            (2, true) => 0.08,
            (2, false) => 0.35,
            _ => 0.08,
        },
        _ => match (k, has_son) {
            (1, true) => 0.30,
            (1, false) => 0.40,
            (2, true) => 0.06,
            (2, false) => 0.25,
            _ => 0.06,
        },
    }
}
