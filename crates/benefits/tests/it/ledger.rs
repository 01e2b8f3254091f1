//! The month ledger: pro rata, back-pay and claw-back as slot counting.

use crate::common::*;
use renkou_benefits::rules::{childcare, Ledger, LedgerError, MonthSlot, Parameters, Program};
use renkou_domain::Sex;

fn slot(person: &str, month: renkou_benefits::rules::Month) -> MonthSlot {
    MonthSlot {
        person: person.into(),
        program: Program::Childcare,
        month,
    }
}

#[test]
fn pro_rata_is_counting_slots_and_a_slot_is_paid_once() {
    // Born 2025-07-20: July-December due, 6 × 300 = 1800.
    let mut t = Town::new();
    t.child("L1", Sex::Female, d(2025, 7, 20), None, VILLAGE_A);
    let p = Parameters::national();
    let run = childcare::run(&t.reg, &rc(COUNTY), 2025, &p).unwrap();
    let mut l = Ledger::new();
    l.take_run(&run);
    assert_eq!(
        l.due_in_year("L1", Program::Childcare, 2025),
        (6, y("1800"))
    );
    // Pay through September: July, August, September, 3 × 300 = 900.
    assert_eq!(
        l.pay_through(Program::Childcare, m(2025, 9), "2025-Q3"),
        (3, y("900"))
    );
    assert!(matches!(
        l.pay(&slot("L1", m(2025, 7)), "again"),
        Err(LedgerError::AlreadyPaid(_))
    ));
    // Paying the batch again pays nothing twice.
    assert_eq!(
        l.pay_through(Program::Childcare, m(2025, 9), "2025-Q3-again"),
        (0, y("0"))
    );
    assert!(matches!(
        l.pay(&slot("L1", m(2025, 6)), "x"),
        Err(LedgerError::NotDue(_))
    ));
    // Through December, October-December are still owed: 3 × 300 = 900 back-pay.
    let s = l.settle(m(2025, 12));
    assert_eq!(s.back_pay.len(), 3);
    assert_eq!(s.back_pay_total(), y("900"));
    assert_eq!(s.claw_back_total(), y("0"));
}

#[test]
fn a_death_reported_late_claws_back_the_slots_after_it() {
    // Paid January-June 2025 (6 × 300 = 1800); then the death on 2025-04-03 is
    // registered. The new run is due January-April only, so May and June are
    // clawed back: 2 × 300 = 600.
    let mut t = Town::new();
    t.child("L2", Sex::Male, d(2024, 2, 2), None, VILLAGE_A);
    let p = Parameters::national();
    let mut l = Ledger::new();
    l.take_run(&childcare::run(&t.reg, &rc(COUNTY), 2025, &p).unwrap());
    assert_eq!(
        l.pay_through(Program::Childcare, m(2025, 6), "H1"),
        (6, y("1800"))
    );

    let mut t2 = Town::new();
    t2.child(
        "L2",
        Sex::Male,
        d(2024, 2, 2),
        Some(d(2025, 4, 3)),
        VILLAGE_A,
    );
    l.take_run(&childcare::run(&t2.reg, &rc(COUNTY), 2025, &p).unwrap());
    let s = l.settle(m(2025, 12));
    assert_eq!(
        s.claw_back.iter().map(|x| x.slot.month).collect::<Vec<_>>(),
        vec![m(2025, 5), m(2025, 6)]
    );
    assert_eq!(s.claw_back_total(), y("600"));
    assert!(s.back_pay.is_empty());
}

#[test]
fn a_move_closes_the_slots_after_its_month_and_a_raise_after_payment_is_back_paid() {
    let mut l = Ledger::new();
    for mm in 1..=12 {
        l.set_due(slot("L3", m(2025, mm)), y("300"));
    }
    // Moved out on 2025-08-10: slots September-December close (4 of them).
    let closed = l.close_after("L3", None, m(2025, 8));
    assert_eq!(closed.len(), 4);
    assert_eq!(
        l.due_in_year("L3", Program::Childcare, 2025),
        (8, y("2400"))
    );
    l.pay_through(Program::Childcare, m(2025, 8), "B1");
    // A retroactive county raise makes July and August 400: 2 × 100 = 200 to pay.
    l.set_due(slot("L3", m(2025, 7)), y("400"));
    l.set_due(slot("L3", m(2025, 8)), y("400"));
    let s = l.settle(m(2025, 12));
    assert_eq!(s.back_pay.len(), 2);
    assert_eq!(s.back_pay[0].due, y("400"));
    assert_eq!(s.back_pay[0].paid, y("300"));
    assert_eq!(s.back_pay_total(), y("200"));
}
