//! `memory:`: the guard's records in this process, shared by every client
//! of the process like the connection pools. A forked child starts with a
//! copy of its parent's records; each process counts apart from then on.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use super::policy::{self, CodeRecord, Limits, RateLimited, VerifyAnswer, VerifyRefusal, HOUR_MS};
use super::store::{system_now_ms, Namespace, Store, StoreError};
use crate::fork::section;

#[derive(Default)]
struct Records {
    sends: HashMap<String, Vec<u64>>,
    codes: HashMap<String, CodeRecord>,
    failures: HashMap<String, Vec<u64>>,
    /// Operations since the last purge.
    since_purge: u32,
}

/// Purge expired records every this many operations.
const PURGE_EVERY: u32 = 1024;

static RECORDS: Mutex<Option<Records>> = Mutex::new(None);

fn key(ns: Namespace, item: &str) -> String {
    format!("{ns}\u{1f}{item}")
}

fn with_records<T>(limits: &Limits, f: impl FnOnce(&mut Records, u64) -> T) -> T {
    section(|| {
        let mut guard = RECORDS.lock().unwrap_or_else(PoisonError::into_inner);
        let records = guard.get_or_insert_with(Records::default);
        let now = system_now_ms();
        records.since_purge += 1;
        if records.since_purge >= PURGE_EVERY {
            records.since_purge = 0;
            let horizon = limits.send_horizon_ms();
            let lifetime = u64::from(limits.code_lifetime_s) * 1000;
            records
                .sends
                .retain(|_, times| times.iter().any(|&t| now.saturating_sub(t) < horizon));
            records
                .codes
                .retain(|_, code| now.saturating_sub(code.created) < lifetime);
            records
                .failures
                .retain(|_, times| times.iter().any(|&t| now.saturating_sub(t) < HOUR_MS));
        }
        f(records, now)
    })
}

/// The process-wide memory store.
#[derive(Debug)]
pub struct MemoryStore;

impl Store for MemoryStore {
    fn reserve_send(
        &self,
        ns: Namespace,
        number: &str,
        limits: &Limits,
        _deadline: Instant,
    ) -> Result<Result<(), RateLimited>, StoreError> {
        Ok(with_records(limits, |r, now| {
            policy::reserve_send(r.sends.entry(key(ns, number)).or_default(), limits, now)
        }))
    }

    fn record_sent(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        _deadline: Instant,
    ) -> Result<(), StoreError> {
        with_records(limits, |r, now| {
            r.codes
                .insert(key(ns, uuid), CodeRecord::new(sms_id, number, now));
        });
        Ok(())
    }

    fn reserve_verify(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        _deadline: Instant,
    ) -> Result<Result<i32, VerifyRefusal>, StoreError> {
        Ok(with_records(limits, |r, now| {
            let code_key = key(ns, uuid);
            let mut code = r.codes.get(&code_key).cloned();
            let failures = r.failures.entry(key(ns, number)).or_default();
            let decided = policy::reserve_verify(&mut code, failures, number, sms_id, limits, now);
            if decided.is_ok() {
                if let Some(code) = code {
                    r.codes.insert(code_key, code);
                }
            }
            decided
        }))
    }

    fn record_answer(
        &self,
        ns: Namespace,
        uuid: &str,
        number: &str,
        answer: VerifyAnswer,
        limits: &Limits,
        _deadline: Instant,
    ) -> Result<(), StoreError> {
        with_records(limits, |r, now| {
            let code_key = key(ns, uuid);
            let mut code = r.codes.get(&code_key).cloned();
            let failures = r.failures.entry(key(ns, number)).or_default();
            policy::record_answer(&mut code, failures, answer, now);
            if let Some(code) = code {
                r.codes.insert(code_key, code);
            }
        });
        Ok(())
    }
}
