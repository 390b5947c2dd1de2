//! The store interface: each operation is one atomic reserve-and-decide step
//! (the decision itself is `policy.rs`'s), so that the limits hold across
//! threads, processes and, with Redis, hosts.

use std::fmt;
#[cfg(any(feature = "sqlite", feature = "redis"))]
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

#[cfg(any(feature = "sqlite", feature = "redis"))]
use crate::fork::section;

use super::policy::{Limits, RateLimited, VerifyAnswer, VerifyRefusal};

/// Why a store could not be used. The message never holds a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where one account's records live: every key is namespaced by it.
pub type Namespace<'a> = &'a str;

/// A store of the guard's counts and times (never limits, never codes).
/// Every operation finishes, or fails, by `deadline`.
pub trait Store: Send + Sync {
    /// Reserves a send to `number` if the limits allow it now.
    fn reserve_send(
        &self,
        ns: Namespace,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<Result<(), RateLimited>, StoreError>;

    /// Records a sent code: its uuid, sms_id and number, and the time.
    fn record_sent(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<(), StoreError>;

    /// Decides a verify and, when it may ask the gateway, reserves an
    /// attempt; `Ok(Ok(n))`: `n` attempts left after this one.
    fn reserve_verify(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<Result<i32, VerifyRefusal>, StoreError>;

    /// Records the gateway's answer to a reserved verify.
    fn record_answer(
        &self,
        ns: Namespace,
        uuid: &str,
        number: &str,
        answer: VerifyAnswer,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<(), StoreError>;
}

/// Milliseconds since the Unix epoch on this host's clock.
pub fn system_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A store's idle connections in this process, taken for one decision and
/// put back after it (a failed one is simply not put back). The lock is
/// held only to pop or push, inside a fork-safe section, never while a
/// connection is in use.
#[cfg(any(feature = "sqlite", feature = "redis"))]
pub struct IdleConnections<C>(Mutex<Vec<C>>);

#[cfg(any(feature = "sqlite", feature = "redis"))]
impl<C> IdleConnections<C> {
    pub fn new() -> IdleConnections<C> {
        IdleConnections(Mutex::new(Vec::new()))
    }

    /// An idle connection, or a new one from `connect`.
    pub fn take<E>(&self, connect: impl FnOnce() -> Result<C, E>) -> Result<C, E> {
        let idle = section(|| self.0.lock().unwrap_or_else(PoisonError::into_inner).pop());
        match idle {
            Some(conn) => Ok(conn),
            None => connect(),
        }
    }

    pub fn put_back(&self, conn: C) {
        section(|| {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn)
        });
    }
}
