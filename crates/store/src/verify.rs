//! The register's invariant, checked: every person's current state equals the fold
//! of their events, and no current state exists without events.

use crate::{Store, StoreError};
use renkou_domain::event::fold;
use renkou_domain::{EventKind, PersonRecord};
use std::collections::HashMap;

/// Checks every person; returns how many were checked.
pub fn verify_register(store: &Store) -> Result<u64, StoreError> {
    let mut checked = 0u64;
    let mut batch: Vec<(String, PersonRecord)> = Vec::new();
    let mut current: Option<(String, Vec<(i64, EventKind)>)> = None;
    let flush = |batch: &mut Vec<(String, PersonRecord)>| -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let lo = batch[0].0.clone();
        let hi = batch[batch.len() - 1].0.clone();
        let stored: HashMap<String, PersonRecord> = store
            .persons_between(&lo, &hi)?
            .into_iter()
            .map(|p| (p.person_no.clone(), p))
            .collect();
        for (no, folded) in batch.iter() {
            match stored.get(no) {
                Some(s) if s == folded => {}
                Some(_) => {
                    return Err(StoreError::Corrupt(format!(
                        "人员 {no} 的现状与事件不一致 / person {no}: current state differs from the fold of the events"
                    )))
                }
                None => {
                    return Err(StoreError::Corrupt(format!(
                        "人员 {no} 有事件但无现状 / person {no} has events but no current state"
                    )))
                }
            }
        }
        batch.clear();
        Ok(())
    };
    // The voids in force as stored (few): each must be the fold's.
    let mut stored_voids: HashMap<String, i64> = store.voided_persons()?.into_iter().collect();
    let mut finish_person = |cur: Option<(String, Vec<(i64, EventKind)>)>,
                             batch: &mut Vec<(String, PersonRecord)>|
     -> Result<(), StoreError> {
        if let Some((no, events)) = cur {
            let state = fold(events.iter().map(|(_, e)| e))?
                .ok_or_else(|| StoreError::Corrupt(no.clone()))?;
            let numbered: Vec<(i64, &EventKind)> = events.iter().map(|(s, e)| (*s, e)).collect();
            if renkou_domain::event::voided_by(&numbered) != stored_voids.remove(&no) {
                return Err(StoreError::Corrupt(format!(
                    "人员 {no} 的注销状态与事件不一致 / person {no}: the void in force differs from the events"
                )));
            }
            batch.push((no, state));
            checked += 1;
        }
        Ok(())
    };
    store.for_each_event(&mut |e| {
        match &mut current {
            Some((no, events)) if *no == e.event.person_no => events.push((e.seq, e.event.kind)),
            _ => {
                let prev =
                    current.replace((e.event.person_no.clone(), vec![(e.seq, e.event.kind)]));
                finish_person(prev, &mut batch)?;
                if batch.len() >= 10_000 {
                    flush(&mut batch)?;
                }
            }
        }
        Ok(())
    })?;
    finish_person(current.take(), &mut batch)?;
    flush(&mut batch)?;
    let persons = store.counts()?.persons as u64;
    if persons != checked {
        return Err(StoreError::Corrupt(format!(
            "{persons} 人有现状，但只有 {checked} 人有事件 / {persons} persons in the current state, {checked} with events"
        )));
    }
    Ok(checked)
}
