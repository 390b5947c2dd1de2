//! `isms_set_log_callback`.

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use super::macros::ffi_panic_boundary;
use super::IsmsStatus;
use crate::log::{set_log_hook, set_log_level, LogLevel};

/// A log callback: `level` is 1 error, 2 warn, 3 info, 4 debug; `line` is
/// UTF-8, valid only during the call; `user_data` is what was passed to
/// `isms_set_log_callback`. It may run on any thread (always the thread of
/// the call it reports on), outside every lock of the library: it may call
/// any isms_* function, isms_set_log_callback included, but must not fork().
pub type IsmsLogCallback =
    Option<unsafe extern "C" fn(level: i32, line: *const c_char, user_data: *mut c_void)>;

/// Sets the process-wide log callback; NULL removes it. The callback gets
/// the levels up to ISMS_LOG's when that environment variable is set
/// (`error`, `warn`, `info`, `debug`), else up to info; while a callback is
/// set nothing goes to stderr. At info every call logs one line (operation,
/// masked number such as +6012****789, status name, HTTP status,
/// milliseconds, connection new or reused); at debug also connections,
/// retries and guard decisions. No line ever holds the password (any form),
/// the OTP code, a full number, or a proxy's or store's credentials.
///
/// # Safety
/// `callback` is NULL or a function that stays callable (and `user_data`
/// valid for it) until it is replaced or removed.
#[no_mangle]
pub unsafe extern "C" fn isms_set_log_callback(callback: IsmsLogCallback, user_data: *mut c_void) {
    ffi_panic_boundary!((), {
        let Some(callback) = callback else {
            set_log_hook(None);
            return;
        };
        // The pointer is the caller's; it is handed back untouched.
        let user_data = user_data as usize;
        set_log_hook(Some(Arc::new(move |level: LogLevel, line: &str| {
            let Ok(line) = CString::new(line) else {
                return;
            };
            // SAFETY: per this function's contract the callback is callable
            // with a NUL-terminated line and the caller's user_data.
            unsafe { callback(level as i32, line.as_ptr(), user_data as *mut c_void) };
        })));
    })
}

/// Sets the most detailed level the log callback gets: 1 error, 2 warn,
/// 3 info, 4 debug; 0 goes back to the default (ISMS_LOG's level when that
/// is set, else info). Any other value gives ISMS_ERR_INVALID_ARGUMENT.
/// Bindings that filter lines themselves (Python's logging) set 4.
#[no_mangle]
pub extern "C" fn isms_set_log_level(level: i32) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        if set_log_level(level) {
            IsmsStatus::ISMS_OK
        } else {
            IsmsStatus::ISMS_ERR_INVALID_ARGUMENT
        }
    })
}
