//! The guard: attempt limits, resend limits, single use and allowed
//! countries, kept in memory, in a SQLite file or in Redis.
//!
//! * `policy.rs`: every decision, a pure function of a record, the limits
//!   and the time (tested table by table, the clock injected).
//! * `store.rs`: the store interface, one atomic step per decision.
//! * `memory.rs`, `sqlite.rs`, `redis.rs`: the three stores.
//!
//! This file reads the settings (the store URL, the limits, the allowed
//! countries) and keeps the opened stores, one per URL per process: a store
//! is opened on first use, and a forked child opens its own (what it
//! inherited is set aside untouched, never closed).

pub mod memory;
pub mod policy;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod store;

use std::mem::ManuallyDrop;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use zeroize::Zeroizing;

use crate::error::Error;
use crate::fork::section;
use crate::request::normalize_country_code;
use crate::url::UrlParts;
use policy::Limits;
use store::{Store, StoreError};

/// Generates the Rust [`GuardLimit`] and the C `IsmsGuardLimit` from one table.
macro_rules! limit_table {
    ($(
        $(#[doc = $doc:literal])+
        $value:literal => $variant:ident, $c_name:ident, $field:ident, $zero_allowed:literal;
    )+) => {
        /// A limit of the guard, for [`crate::Client::set_guard_limit`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum GuardLimit {
            $( $(#[doc = $doc])+ $variant = $value, )+
        }

        /// The guard's limits, for `isms_client_set_guard_limit`'s `limit`
        /// argument (passed as `int32_t`).
        #[repr(C)]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum IsmsGuardLimit {
            $( $(#[doc = $doc])+ $c_name = $value, )+
        }

        impl GuardLimit {
            /// Every limit, in numeric order.
            pub const ALL: [GuardLimit; 0 $( + { let _ = $value; 1 } )+] = [$( GuardLimit::$variant ),+];

            /// The limit with this numeric value, if there is one.
            pub fn from_code(code: i32) -> Option<GuardLimit> {
                match code {
                    $( $value => Some(GuardLimit::$variant), )+
                    _ => None,
                }
            }

            /// The C name, e.g. `"ISMS_LIMIT_CODE_ATTEMPTS"`.
            pub fn c_name(self) -> &'static str {
                match self {
                    $( GuardLimit::$variant => stringify!($c_name), )+
                }
            }

            /// Whether 0 (off) is accepted.
            pub fn can_be_off(self) -> bool {
                match self {
                    $( GuardLimit::$variant => $zero_allowed, )+
                }
            }

            fn set(self, limits: &mut Limits, value: u32) {
                match self {
                    $( GuardLimit::$variant => limits.$field = value, )+
                }
            }

            /// This limit's value in `limits`.
            pub fn get(self, limits: &Limits) -> u32 {
                match self {
                    $( GuardLimit::$variant => limits.$field, )+
                }
            }
        }
    };
}

limit_table! {
    /// Wrong codes accepted per sent code, then locked; default 5.
    0 => CodeAttempts, ISMS_LIMIT_CODE_ATTEMPTS, code_attempts, false;
    /// A code older than this (seconds) is expired without asking; default 600.
    1 => CodeLifetimeS, ISMS_LIMIT_CODE_LIFETIME_S, code_lifetime_s, false;
    /// Least gap between two sends to one number (seconds); default 30.
    2 => ResendCooldownS, ISMS_LIMIT_RESEND_COOLDOWN_S, resend_cooldown_s, true;
    /// Sends to one number per window; default 5.
    3 => SendsPerWindow, ISMS_LIMIT_SENDS_PER_WINDOW, sends_per_window, true;
    /// That window (seconds); default 600.
    4 => SendWindowS, ISMS_LIMIT_SEND_WINDOW_S, send_window_s, true;
    /// Wrong codes per number per hour, all codes together; default 20.
    5 => FailuresPerHour, ISMS_LIMIT_FAILURES_PER_HOUR, failures_per_hour, true;
}

/// Sets one limit in `limits`; 0 turns it off where that is allowed.
pub fn set_limit(limits: &mut Limits, limit: GuardLimit, value: u32) -> Result<(), Error> {
    if value == 0 && !limit.can_be_off() {
        return Err(Error::invalid(format!(
            "guard_limit: {} cannot be 0",
            limit.c_name()
        )));
    }
    limit.set(limits, value);
    Ok(())
}

/// A store URL, checked (scheme and syntax) but not opened.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreUrl {
    Memory,
    Sqlite(PathBuf),
    /// The whole URL (it may hold a password: never shown, zeroed).
    Redis(Arc<Zeroizing<String>>),
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreUrl::Memory => f.write_str("memory:"),
            StoreUrl::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            StoreUrl::Redis(_) => f.write_str("redis://<hidden>"),
        }
    }
}

/// Reads a guard setting: `None` or `""` is off, else `memory:`,
/// `sqlite:PATH` or `redis://` / `rediss://`. The URL is never echoed.
pub fn parse_store_url(url: Option<&str>) -> Result<Option<StoreUrl>, Error> {
    let Some(url) = url.filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let bad = |why: &str| Error::invalid(format!("guard: {why}"));
    let lower = url.get(..9).unwrap_or(url).to_ascii_lowercase();
    if url.eq_ignore_ascii_case("memory:") {
        return Ok(Some(StoreUrl::Memory));
    }
    if lower.starts_with("sqlite:") {
        let path = &url["sqlite:".len()..];
        if path.is_empty() {
            return Err(bad(
                "sqlite: needs a file path, e.g. sqlite:/var/lib/app/otp.db",
            ));
        }
        return Ok(Some(StoreUrl::Sqlite(PathBuf::from(path))));
    }
    if lower.starts_with("redis://") || lower.starts_with("rediss://") {
        check_redis_url(url).map_err(|why| bad(&why))?;
        return Ok(Some(StoreUrl::Redis(Arc::new(Zeroizing::new(
            url.to_owned(),
        )))));
    }
    Err(bad(
        "expected memory:, sqlite:PATH, redis://... or rediss://..., or \"\" to turn the guard off",
    ))
}

/// `redis[s]://[user:pass@]host[:port][/db]`: the port 1 to 65535, the db a
/// number. Messages never quote the URL.
fn check_redis_url(url: &str) -> Result<(), String> {
    if url.contains('#') {
        // The Redis crate reads `#insecure` as "skip TLS verification".
        return Err("the Redis URL takes no #fragment (TLS is always verified)".into());
    }
    let Some(parts) = UrlParts::split(url) else {
        return Err("the Redis URL needs redis:// or rediss://".into());
    };
    if let Some(port) = parts.port() {
        if !matches!(port.parse::<u16>(), Ok(1..)) {
            return Err("the Redis port must be a number from 1 to 65535".into());
        }
    }
    let path = parts.tail.strip_prefix('/').unwrap_or(parts.tail);
    let db = path.split(['?', '#']).next().unwrap_or("");
    if !db.is_empty() && db.parse::<u32>().is_err() {
        return Err("the Redis database must be a number".into());
    }
    if !cfg!(feature = "redis") {
        return Err("this build of the library has no Redis store".into());
    }
    Ok(())
}

/// Reads the allowed-countries setting: `None` or `""` allows every country.
pub fn parse_allowed_countries(list: Option<&str>) -> Result<Option<Arc<Vec<String>>>, Error> {
    let Some(list) = list.filter(|l| !l.trim().is_empty()) else {
        return Ok(None);
    };
    let mut codes = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(Error::invalid(
                "allowed_countries: an empty item (two commas, or a comma at an end)",
            ));
        }
        let code = normalize_country_code(item).map_err(|_| {
            Error::invalid(format!(
                "allowed_countries: {item:?} is not a calling code (1 to 3 digits not starting with 0, optionally after + or 00)"
            ))
        })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(Some(Arc::new(codes)))
}

struct Opened {
    pid: u32,
    stores: Vec<(StoreUrl, Arc<dyn Store>)>,
    /// Stores a parent process opened: never used nor closed here.
    inherited: Vec<ManuallyDrop<Arc<dyn Store>>>,
}

static OPENED: Mutex<Option<Opened>> = Mutex::new(None);

fn with_opened<T>(f: impl FnOnce(&mut Opened) -> T) -> T {
    section(|| {
        let mut guard = OPENED.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        let opened = guard.get_or_insert_with(|| Opened {
            pid,
            stores: Vec::new(),
            inherited: Vec::new(),
        });
        if opened.pid != pid {
            let theirs: Vec<_> = opened.stores.drain(..).map(|(_, s)| s).collect();
            opened
                .inherited
                .extend(theirs.into_iter().map(ManuallyDrop::new));
            opened.pid = pid;
        }
        f(opened)
    })
}

/// The store for `url`, opened on first use in this process.
pub fn store_for(
    url: &StoreUrl,
    deadline: std::time::Instant,
) -> Result<Arc<dyn Store>, StoreError> {
    if let Some(store) = with_opened(|o| {
        o.stores
            .iter()
            .find(|(u, _)| u == url)
            .map(|(_, s)| s.clone())
    }) {
        return Ok(store);
    }
    let opened: Arc<dyn Store> = match url {
        StoreUrl::Memory => Arc::new(memory::MemoryStore),
        #[cfg(feature = "sqlite")]
        StoreUrl::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(path, deadline)?),
        #[cfg(not(feature = "sqlite"))]
        StoreUrl::Sqlite(_) => {
            return Err(StoreError(
                "this build of the library has no SQLite store".into(),
            ))
        }
        #[cfg(feature = "redis")]
        StoreUrl::Redis(url) => Arc::new(redis::RedisStore::open(url, deadline)?),
        #[cfg(not(feature = "redis"))]
        StoreUrl::Redis(_) => {
            return Err(StoreError(
                "this build of the library has no Redis store".into(),
            ))
        }
    };
    let _ = deadline;
    Ok(with_opened(|o| {
        match o.stores.iter().find(|(u, _)| u == url) {
            Some((_, raced)) => raced.clone(),
            None => {
                o.stores.push((url.clone(), opened.clone()));
                opened
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls() {
        assert_eq!(parse_store_url(None).unwrap(), None);
        assert_eq!(parse_store_url(Some("")).unwrap(), None);
        assert_eq!(
            parse_store_url(Some("memory:")).unwrap(),
            Some(StoreUrl::Memory)
        );
        assert_eq!(
            parse_store_url(Some("sqlite:otp.db")).unwrap(),
            Some(StoreUrl::Sqlite("otp.db".into()))
        );
        for bad in [
            "sqlite:",
            "memory",
            "file:/x",
            "mysql://h",
            "redis://h:0",
            "redis://h:70000",
            "redis://:pw@h:6379/x",
            "rediss://:pw@h:6380#insecure",
        ] {
            let err = parse_store_url(Some(bad)).unwrap_err();
            assert!(
                err.message().starts_with("guard:"),
                "{bad}: {}",
                err.message()
            );
            assert!(!err.message().contains("pw@"), "{}", err.message());
        }
        if cfg!(feature = "redis") {
            for good in [
                "redis://",
                "redis://127.0.0.1",
                "rediss://u:p@h:6380/2",
                "redis://[::1]:6379/0",
            ] {
                assert!(parse_store_url(Some(good)).unwrap().is_some(), "{good}");
            }
        }
    }

    #[test]
    fn allowed_countries() {
        assert_eq!(parse_allowed_countries(None).unwrap(), None);
        assert_eq!(parse_allowed_countries(Some("")).unwrap(), None);
        assert_eq!(
            *parse_allowed_countries(Some("+60, 65,0065"))
                .unwrap()
                .unwrap(),
            ["60", "65"]
        );
        for bad in ["60,,65", "60,", "abc", "60, 0"] {
            let err = parse_allowed_countries(Some(bad)).unwrap_err();
            assert!(err.message().starts_with("allowed_countries:"), "{bad}");
        }
    }

    #[test]
    fn limits() {
        let mut limits = Limits::default();
        for limit in GuardLimit::ALL {
            assert_eq!(GuardLimit::from_code(limit as i32), Some(limit));
            set_limit(&mut limits, limit, 7).unwrap();
            assert_eq!(limit.get(&limits), 7);
            assert_eq!(set_limit(&mut limits, limit, 0).is_ok(), limit.can_be_off());
        }
        assert_eq!(GuardLimit::from_code(6), None);
        assert_eq!(GuardLimit::from_code(-1), None);
    }
}
