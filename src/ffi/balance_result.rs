//! `IsmsBalanceResult` and `isms_balance`.

use std::ffi::c_char;

use super::client::client_ref;
use super::macros::ffi_panic_boundary;
use super::{free_c_string, optional_c_string, Head, IsmsClient, IsmsStatus};
use crate::error::Error;
use crate::response::Balance;

/// The outcome of `isms_balance`, owned by the library: free it with
/// `isms_balance_result_free`. Strings are NULL when absent.
#[repr(C)]
pub struct IsmsBalanceResult {
    pub status: IsmsStatus,
    pub http_status: i32,
    pub message: *const c_char,
    /// Credits; 0 unless ISMS_OK.
    pub balance: f64,
    /// As received, e.g. "81.0".
    pub balance_text: *const c_char,
    /// As received, e.g. "29 Apr 2025".
    pub expiration: *const c_char,
    /// "2025-04-29", or NULL when the expiration could not be parsed.
    pub expiration_iso: *const c_char,
}

impl IsmsBalanceResult {
    fn new(outcome: Result<Balance, Error>) -> *mut IsmsBalanceResult {
        let (head, balance) = match &outcome {
            Ok(balance) => (Head::ok(balance.http_status), Some(balance)),
            Err(e) => (Head::error(e), None),
        };
        super::into_raw(IsmsBalanceResult {
            status: head.status,
            http_status: head.http_status,
            message: head.message,
            balance: balance.map_or(0.0, |b| b.balance),
            balance_text: optional_c_string(balance.map(|b| b.balance_text.as_str())),
            expiration: optional_c_string(balance.and_then(|b| b.expiration.as_deref())),
            expiration_iso: optional_c_string(balance.and_then(|b| b.expiration_iso.as_deref())),
        })
    }

    fn internal() -> *mut IsmsBalanceResult {
        IsmsBalanceResult::new(Err(super::panic_error("isms_balance")))
    }
}

impl Drop for IsmsBalanceResult {
    fn drop(&mut self) {
        // SAFETY: every string was made by c_string for this result, which
        // is dropped once.
        unsafe {
            free_c_string(self.message, false);
            free_c_string(self.balance_text, false);
            free_c_string(self.expiration, false);
            free_c_string(self.expiration_iso, false);
        }
    }
}

/// Reads the account's credit and its expiry date.
///
/// Never returns NULL; free the result with `isms_balance_result_free`.
///
/// # Safety
/// `client` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn isms_balance(client: *const IsmsClient) -> *mut IsmsBalanceResult {
    ffi_panic_boundary!(IsmsBalanceResult::internal(), {
        // SAFETY: per this function's contract.
        let outcome = unsafe { client_ref(client) }.and_then(|c| c.balance());
        IsmsBalanceResult::new(outcome)
    })
}

/// Frees a balance result. NULL is a no-op.
///
/// # Safety
/// `result` is NULL or came from `isms_balance` and is freed once.
#[no_mangle]
pub unsafe extern "C" fn isms_balance_result_free(result: *mut IsmsBalanceResult) {
    ffi_panic_boundary!((), {
        // SAFETY: per this function's contract; Drop frees the strings.
        drop(unsafe { super::from_raw(result) });
    })
}
