//! `sqlite:PATH`: the guard's records in a SQLite file shared by the
//! processes of one host (PHP-FPM workers, say), through the bundled SQLite
//! (no dependency on the system's copy).
//!
//! * The file is created with mode 0600 (its journal files follow it), in WAL
//!   mode so readers never wait for the writer.
//! * Each decision is one `BEGIN IMMEDIATE` transaction: the write lock is
//!   taken first, so two processes never decide on the same counts.
//!   Contention is waited out (busy timeout) within the call's deadline.
//! * Connections are kept per process for reuse and never carried across
//!   `fork()`: a child opens its own (the registry in `mod.rs` sets the
//!   parent's store aside without closing it).
//! * Rows that no limit can still need are purged now and then: sends past
//!   the calling client's cooldown and window, failures older than an hour,
//!   codes older than a day (or their lifetime, if longer).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::policy::{self, CodeRecord, Limits, RateLimited, VerifyAnswer, VerifyRefusal, HOUR_MS};
use super::store::{system_now_ms, IdleConnections, Namespace, Store, StoreError};
use crate::fork::section;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sends (ns TEXT NOT NULL, number TEXT NOT NULL, t INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sends_by_number ON sends (ns, number);
CREATE TABLE IF NOT EXISTS failures (ns TEXT NOT NULL, number TEXT NOT NULL, t INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_number ON failures (ns, number);
CREATE TABLE IF NOT EXISTS codes (
  ns TEXT NOT NULL, uuid TEXT NOT NULL, sms_id TEXT NOT NULL, number TEXT NOT NULL,
  created INTEGER NOT NULL, attempts INTEGER NOT NULL, verified INTEGER NOT NULL,
  PRIMARY KEY (ns, uuid));
";

/// Code rows are kept at least this long (longer when a lifetime is longer).
const CODE_ROW_AGE_MS: u64 = 24 * HOUR_MS;
/// A purge runs at most this often per process.
const PURGE_INTERVAL: Duration = Duration::from_secs(60);

pub struct SqliteStore {
    path: PathBuf,
    /// Idle connections of this process.
    idle: IdleConnections<Connection>,
    last_purge: Mutex<Option<Instant>>,
}

fn store_error(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("the SQLite store {} failed: {e}", path.display()))
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

impl SqliteStore {
    /// Opens (creating when missing) the file and its tables.
    pub fn open(path: &Path, deadline: Instant) -> Result<SqliteStore, StoreError> {
        // Created here with 0600, so SQLite never creates it with the umask's
        // mode (Windows: the folder's access rules apply).
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(path)
            .map_err(|e| store_error(path, format!("cannot create or open the file: {e}")))?;
        let store = SqliteStore {
            path: path.to_owned(),
            idle: IdleConnections::new(),
            last_purge: Mutex::new(None),
        };
        let conn = store.connect(deadline)?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| store_error(path, e))?;
        store.idle.put_back(conn);
        Ok(store)
    }

    fn connect(&self, deadline: Instant) -> Result<Connection, StoreError> {
        let conn = Connection::open(&self.path).map_err(|e| store_error(&self.path, e))?;
        conn.busy_timeout(remaining(deadline))
            .map_err(|e| store_error(&self.path, e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| store_error(&self.path, e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| store_error(&self.path, e))?;
        Ok(conn)
    }

    /// Runs `step` in one `BEGIN IMMEDIATE` transaction, within `deadline`.
    fn decide<T>(
        &self,
        deadline: Instant,
        limits: &Limits,
        step: impl FnOnce(&rusqlite::Transaction, u64) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let left = remaining(deadline);
        if left.is_zero() {
            return Err(StoreError(
                "the deadline ran out before the SQLite store was reached".into(),
            ));
        }
        let mut conn = self.idle.take(|| self.connect(deadline))?;
        let outcome = (|| -> rusqlite::Result<T> {
            conn.busy_timeout(left)?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = system_now_ms();
            let value = step(&tx, now)?;
            if self.purge_due() {
                purge(&tx, limits, now)?;
            }
            tx.commit()?;
            Ok(value)
        })();
        match outcome {
            Ok(value) => {
                self.idle.put_back(conn);
                Ok(value)
            }
            // A failed connection is dropped, not reused.
            Err(e) => Err(store_error(&self.path, e)),
        }
    }

    fn purge_due(&self) -> bool {
        section(|| {
            let mut last = self
                .last_purge
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let due = last.is_none_or(|at| at.elapsed() >= PURGE_INTERVAL);
            if due {
                *last = Some(Instant::now());
            }
            due
        })
    }
}

fn purge(tx: &rusqlite::Transaction, limits: &Limits, now: u64) -> rusqlite::Result<()> {
    let before = |age: u64| i64::try_from(now.saturating_sub(age)).unwrap_or(0);
    tx.execute(
        "DELETE FROM sends WHERE t < ?1",
        [before(limits.send_horizon_ms())],
    )?;
    tx.execute("DELETE FROM failures WHERE t < ?1", [before(HOUR_MS)])?;
    let code_age = CODE_ROW_AGE_MS.max(u64::from(limits.code_lifetime_s) * 1000);
    tx.execute("DELETE FROM codes WHERE created < ?1", [before(code_age)])?;
    Ok(())
}

fn times(
    tx: &rusqlite::Transaction,
    table: &str,
    ns: &str,
    number: &str,
) -> rusqlite::Result<Vec<u64>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT t FROM {table} WHERE ns = ?1 AND number = ?2 ORDER BY t"
    ))?;
    let rows = stmt.query_map(params![ns, number], |row| row.get::<_, i64>(0))?;
    rows.map(|t| t.map(|t| u64::try_from(t).unwrap_or(0)))
        .collect()
}

fn code_row(
    tx: &rusqlite::Transaction,
    ns: &str,
    uuid: &str,
) -> rusqlite::Result<Option<CodeRecord>> {
    tx.prepare_cached(
        "SELECT sms_id, number, created, attempts, verified FROM codes WHERE ns = ?1 AND uuid = ?2",
    )?
    .query_row(params![ns, uuid], |row| {
        Ok(CodeRecord {
            sms_id: row.get(0)?,
            number: row.get(1)?,
            created: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            attempts: u32::try_from(row.get::<_, i64>(3)?).unwrap_or(u32::MAX),
            verified: row.get::<_, i64>(4)? != 0,
        })
    })
    .optional()
}

fn save_code(
    tx: &rusqlite::Transaction,
    ns: &str,
    uuid: &str,
    code: &CodeRecord,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO codes (ns, uuid, sms_id, number, created, attempts, verified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (ns, uuid) DO UPDATE SET sms_id = excluded.sms_id, number = excluded.number,
           created = excluded.created, attempts = excluded.attempts, verified = excluded.verified",
    )?
    .execute(params![
        ns,
        uuid,
        code.sms_id,
        code.number,
        i64::try_from(code.created).unwrap_or(i64::MAX),
        i64::from(code.attempts),
        i64::from(code.verified)
    ])?;
    Ok(())
}

fn add_time(
    tx: &rusqlite::Transaction,
    table: &str,
    ns: &str,
    number: &str,
    t: u64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO {table} (ns, number, t) VALUES (?1, ?2, ?3)"
    ))?
    .execute(params![ns, number, i64::try_from(t).unwrap_or(i64::MAX)])?;
    Ok(())
}

impl Store for SqliteStore {
    fn reserve_send(
        &self,
        ns: Namespace,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<Result<(), RateLimited>, StoreError> {
        self.decide(deadline, limits, |tx, now| {
            let mut sends = times(tx, "sends", ns, number)?;
            let decided = policy::reserve_send(&mut sends, limits, now);
            if decided.is_ok() {
                add_time(tx, "sends", ns, number, now)?;
            }
            Ok(decided)
        })
    }

    fn record_sent(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<(), StoreError> {
        self.decide(deadline, limits, |tx, now| {
            save_code(tx, ns, uuid, &CodeRecord::new(sms_id, number, now))
        })
    }

    fn reserve_verify(
        &self,
        ns: Namespace,
        uuid: &str,
        sms_id: &str,
        number: &str,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<Result<i32, VerifyRefusal>, StoreError> {
        self.decide(deadline, limits, |tx, now| {
            let mut code = code_row(tx, ns, uuid)?;
            let mut failures = times(tx, "failures", ns, number)?;
            let decided =
                policy::reserve_verify(&mut code, &mut failures, number, sms_id, limits, now);
            if decided.is_ok() {
                if let Some(code) = &code {
                    save_code(tx, ns, uuid, code)?;
                }
            }
            Ok(decided)
        })
    }

    fn record_answer(
        &self,
        ns: Namespace,
        uuid: &str,
        number: &str,
        answer: VerifyAnswer,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<(), StoreError> {
        self.decide(deadline, limits, |tx, now| {
            match answer {
                VerifyAnswer::Verified => {
                    tx.execute(
                        "UPDATE codes SET verified = 1 WHERE ns = ?1 AND uuid = ?2",
                        params![ns, uuid],
                    )?;
                }
                VerifyAnswer::Incorrect => add_time(tx, "failures", ns, number, now)?,
            }
            Ok(())
        })
    }
}
