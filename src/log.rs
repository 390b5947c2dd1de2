//! The library's log: levels, masking, the callback and `ISMS_LOG`.
//!
//! * At `info` every call logs one line: operation, masked number, status
//!   name, HTTP status, milliseconds, and whether the connection was reused.
//!   At `debug`: new connections, retries (also `warn`), guard decisions.
//!   `error`: a panic caught at the C boundary.
//! * A line never holds the password (in any form), the OTP code, a full
//!   phone number, or a proxy's or store's credentials: lines are built
//!   only from what is named above, never from URLs, queries or replies.
//! * The callback (process-wide) gets the levels up to `ISMS_LOG`'s when
//!   that is set, else up to `info`; without a callback, `ISMS_LOG` sends
//!   the same lines to stderr. Lines are delivered on the calling thread
//!   before the call returns. The callback runs outside every lock of the
//!   library, so it may call any `isms_*` function, including
//!   `isms_set_log_callback`; it must not fork.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use crate::fork::section;

/// How much a line matters; the numbers are the C API's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl LogLevel {
    /// `ISMS_LOG`'s spelling.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }

    fn parse(text: &str) -> Option<LogLevel> {
        match text.trim().to_ascii_lowercase().as_str() {
            "error" | "1" => Some(LogLevel::Error),
            "warn" | "warning" | "2" => Some(LogLevel::Warn),
            "info" | "3" => Some(LogLevel::Info),
            "debug" | "4" => Some(LogLevel::Debug),
            _ => None,
        }
    }
}

/// A log callback for the Rust API.
pub type LogHook = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

static HOOK: RwLock<Option<LogHook>> = RwLock::new(None);

/// The most detailed level the callback gets when set by
/// [`set_log_level`]; 0: not set (then `ISMS_LOG`, else info).
static CALLBACK_LEVEL: AtomicI32 = AtomicI32::new(0);

/// Sets the most detailed level the callback gets (1 error to 4 debug); 0
/// goes back to `ISMS_LOG`'s, else info. Other values are refused.
pub fn set_log_level(level: i32) -> bool {
    if !(0..=4).contains(&level) {
        return false;
    }
    CALLBACK_LEVEL.store(level, Ordering::Relaxed);
    true
}

/// `ISMS_LOG`, read once.
fn env_level() -> Option<LogLevel> {
    static LEVEL: OnceLock<Option<LogLevel>> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        std::env::var("ISMS_LOG")
            .ok()
            .as_deref()
            .and_then(LogLevel::parse)
    })
}

/// Sets (or with `None` removes) the process-wide log callback.
pub fn set_log_hook(hook: Option<LogHook>) {
    section(|| *HOOK.write().unwrap_or_else(PoisonError::into_inner) = hook);
}

fn current_hook() -> Option<LogHook> {
    section(|| HOOK.read().unwrap_or_else(PoisonError::into_inner).clone())
}

/// Whether a line of `level` goes anywhere, with or without a callback.
fn wanted(level: LogLevel, hook_set: bool) -> bool {
    let set_level = CALLBACK_LEVEL.load(Ordering::Relaxed);
    if hook_set && set_level > 0 {
        return level as i32 <= set_level;
    }
    match (hook_set, env_level()) {
        (true, Some(max)) => level <= max,
        (true, None) => level <= LogLevel::Info,
        (false, Some(max)) => level <= max,
        (false, None) => false,
    }
}

/// Delivers one line, built only when it goes somewhere; the callback is
/// looked up once.
pub fn log(level: LogLevel, line: impl FnOnce() -> String) {
    let hook = current_hook();
    if !wanted(level, hook.is_some()) {
        return;
    }
    let line = line();
    match hook {
        Some(hook) => hook(level, &line),
        None => eprintln!("isms {}: {line}", level.name()),
    }
}

/// `+CC`, the first two and last three digits, a `*` for every other
/// digit: `+6012****789`. A mobile of five digits or fewer keeps only its
/// last two, so no number is ever shown whole.
pub fn mask_number(country_code: &str, mobile: &str) -> String {
    let digits = mobile.len();
    let (head, tail) = if digits > 5 {
        (2, 3)
    } else {
        (0, 2.min(digits))
    };
    let mut out = String::with_capacity(1 + country_code.len() + digits);
    out.push('+');
    out.push_str(country_code);
    out.push_str(&mobile[..head]);
    out.extend(std::iter::repeat_n('*', digits - head - tail));
    out.push_str(&mobile[digits - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked() {
        assert_eq!(mask_number("60", "123456789"), "+6012****789");
        assert_eq!(mask_number("65", "123456"), "+6512*456");
        assert_eq!(mask_number("1", "12345"), "+1***45");
        assert_eq!(mask_number("1", "1234"), "+1**34");
    }

    #[test]
    fn levels_parse() {
        assert_eq!(LogLevel::parse("DEBUG"), Some(LogLevel::Debug));
        assert_eq!(LogLevel::parse(" warn "), Some(LogLevel::Warn));
        assert_eq!(LogLevel::parse("loud"), None);
        assert!(LogLevel::Error < LogLevel::Debug);
    }
}
