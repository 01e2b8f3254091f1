//! The per-person input of the engine: the few facts of a person that the
//! indicators need, in a compact `Copy` struct the store fills in one query.

use renkou_domain::{Date, Residence, Sex};

/// One person of the register as the indicators see them.
///
/// Kept small (28 bytes) and `Copy` because the engine streams millions of them
/// per period; the store resolves everything that needs a join (the mother's birth
/// date, the birth order, the region index) before handing them over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatPerson {
    /// Index into the [`crate::RegionTable`] of the region the person is registered
    /// in: normally a village, but any region of the table is accepted (a person
    /// attached directly to a township counts in that township and above).
    pub region: u32,
    pub sex: Sex,
    pub residence: Residence,
    pub birth_date: Date,
    pub death_date: Option<Date>,
    /// The linked mother's birth date; `None` when the register links no mother,
    /// in which case the birth counts in totals but not in age-specific figures.
    pub mother_birth_date: Option<Date>,
    /// 孩次 as the register derives it (`renkou_domain::birth_order::derive`);
    /// `None` when unknown (no linked mother): excluded from order-specific figures.
    pub birth_order: Option<u32>,
}

impl StatPerson {
    /// Alive on `day`: born on or before it and not dead on or before it (a person
    /// who dies on 1 July is not in the mid-year population).
    #[inline]
    pub fn alive_on(&self, day: Date) -> bool {
        self.birth_date <= day && self.death_date.is_none_or(|d| d > day)
    }

    /// In the mid-year population P on `day`: alive, and living here (resident or
    /// inflow; outflow people are counted where they live now).
    #[inline]
    pub fn in_population_on(&self, day: Date) -> bool {
        self.residence != Residence::Outflow && self.alive_on(day)
    }
}
