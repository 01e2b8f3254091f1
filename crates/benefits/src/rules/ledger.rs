//! 月台账: the month ledger, the unit of payment — one slot per person, program and
//! month, due (from eligibility runs) and paid (once).
//!
//! All payment arithmetic is slot counting: a part year is the slots due in it
//! (pro rata needs no fraction), back-pay is the slots due and not paid, claw-back
//! the slots paid and no longer due, and a change of a due amount after payment
//! (a retroactive raise) is the difference on that slot. A death or a move closes
//! the slots after its month. The ledger is pure data: the store will keep it as a
//! table keyed by the slot.

use crate::rules::eligibility::{MonthSlot, Program, Run};
use crate::rules::money::Yuan;
use crate::rules::month::Month;
use std::collections::{BTreeMap, HashSet};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    #[error("人员{}的{} {}已发放，不能重复发放 / slot already paid", .0.person, .0.program.name_zh(), .0.month)]
    AlreadyPaid(MonthSlot),
    #[error("人员{}的{} {}不在应发之列 / slot is not due", .0.person, .0.program.name_zh(), .0.month)]
    NotDue(MonthSlot),
}

/// A slot's payment: the amount and the payment batch (发放批次) that paid it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Payment {
    pub amount: Yuan,
    pub batch: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    due: BTreeMap<MonthSlot, Yuan>,
    paid: BTreeMap<MonthSlot, Payment>,
}

/// One slot whose due and paid amounts differ.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SettlementLine {
    pub slot: MonthSlot,
    pub due: Yuan,
    pub paid: Yuan,
    /// `due - paid`: positive to pay (补发), negative to recover (追回).
    pub balance: Yuan,
}

/// What remains to settle: back-pay (balance > 0) and claw-back (balance < 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Settlement {
    pub back_pay: Vec<SettlementLine>,
    pub claw_back: Vec<SettlementLine>,
}

impl Settlement {
    pub fn back_pay_total(&self) -> Yuan {
        self.back_pay.iter().map(|l| l.balance).sum()
    }

    /// As a positive amount.
    pub fn claw_back_total(&self) -> Yuan {
        -self.claw_back.iter().map(|l| l.balance).sum::<Yuan>()
    }
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Takes the due slots of a run: for every person the run considered, the
    /// run's program and year are replaced by what the run found due (a later run
    /// after new facts or a rule change supersedes an earlier one). Paid slots are
    /// kept; [`Ledger::settle`] shows what no longer matches.
    pub fn take_run(&mut self, run: &Run) {
        let persons: HashSet<&str> = run
            .determinations
            .iter()
            .map(|d| d.person_id.as_str())
            .collect();
        self.due.retain(|s, _| {
            !(s.program == run.program
                && s.month.year() == run.year
                && persons.contains(s.person.as_str()))
        });
        for d in &run.determinations {
            for (slot, amount) in d.slots() {
                self.due.insert(slot, amount);
            }
        }
    }

    /// Marks one slot due (tests, manual corrections).
    pub fn set_due(&mut self, slot: MonthSlot, amount: Yuan) {
        self.due.insert(slot, amount);
    }

    pub fn due(&self, slot: &MonthSlot) -> Option<Yuan> {
        self.due.get(slot).copied()
    }

    pub fn paid(&self, slot: &MonthSlot) -> Option<&Payment> {
        self.paid.get(slot)
    }

    /// Pays a due slot its due amount, once.
    pub fn pay(&mut self, slot: &MonthSlot, batch: &str) -> Result<Yuan, LedgerError> {
        if self.paid.contains_key(slot) {
            return Err(LedgerError::AlreadyPaid(slot.clone()));
        }
        let amount = self
            .due(slot)
            .ok_or_else(|| LedgerError::NotDue(slot.clone()))?;
        self.paid.insert(
            slot.clone(),
            Payment {
                amount,
                batch: batch.to_string(),
            },
        );
        Ok(amount)
    }

    /// Pays every due, unpaid slot of `program` up to and including `through`
    /// (a payment batch); returns how many slots and how much.
    pub fn pay_through(&mut self, program: Program, through: Month, batch: &str) -> (u32, Yuan) {
        let open: Vec<MonthSlot> = self
            .due
            .keys()
            .filter(|s| s.program == program && s.month <= through && !self.paid.contains_key(*s))
            .cloned()
            .collect();
        let mut total = Yuan::ZERO;
        for s in &open {
            total += self.pay(s, batch).expect("open slots are due and unpaid");
        }
        (open.len() as u32, total)
    }

    /// A death or a move in `month`: the person's slots after it are no longer due
    /// (for one program, or all when `None`). Returns the slots closed.
    pub fn close_after(
        &mut self,
        person: &str,
        program: Option<Program>,
        month: Month,
    ) -> Vec<MonthSlot> {
        let closed: Vec<MonthSlot> = self
            .due
            .keys()
            .filter(|s| {
                s.person == person && s.month > month && program.is_none_or(|p| s.program == p)
            })
            .cloned()
            .collect();
        for s in &closed {
            self.due.remove(s);
        }
        closed
    }

    /// Slots due to a person for a program in a year, and their sum: the pro-rata
    /// amount of a part year.
    pub fn due_in_year(&self, person: &str, program: Program, year: i32) -> (u32, Yuan) {
        let mut n = 0;
        let mut total = Yuan::ZERO;
        for (s, a) in &self.due {
            if s.person == person && s.program == program && s.month.year() == year {
                n += 1;
                total += *a;
            }
        }
        (n, total)
    }

    /// Every slot of a month up to `through` whose paid amount differs from its due
    /// amount (later months are not yet owed, so not back-pay).
    pub fn settle(&self, through: Month) -> Settlement {
        let mut out = Settlement::default();
        let slots: std::collections::BTreeSet<&MonthSlot> = self
            .due
            .keys()
            .chain(self.paid.keys())
            .filter(|s| s.month <= through)
            .collect();
        for s in slots {
            let due = self.due.get(s).copied().unwrap_or(Yuan::ZERO);
            let paid = self.paid.get(s).map_or(Yuan::ZERO, |p| p.amount);
            let balance = due - paid;
            let line = SettlementLine {
                slot: s.clone(),
                due,
                paid,
                balance,
            };
            if balance > Yuan::ZERO {
                out.back_pay.push(line);
            } else if balance < Yuan::ZERO {
                out.claw_back.push(line);
            }
        }
        out
    }
}
