//! `IsmsBalanceResult` and `isms_balance`.

use std::ffi::c_char;

use super::client::client_ref;
use super::macros::ffi_panic_boundary;
use super::{c_string, free_c_string, optional_c_string, IsmsClient, IsmsStatus};
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
        let result = match outcome {
            Ok(balance) => IsmsBalanceResult {
                status: IsmsStatus::ISMS_OK,
                http_status: i32::from(balance.http_status),
                message: std::ptr::null(),
                balance: balance.balance,
                balance_text: c_string(&balance.balance_text),
                expiration: optional_c_string(balance.expiration.as_deref()),
                expiration_iso: optional_c_string(balance.expiration_iso.as_deref()),
            },
            Err(e) => IsmsBalanceResult {
                status: e.status().into(),
                http_status: i32::from(e.http_status()),
                message: c_string(e.message()),
                balance: 0.0,
                balance_text: std::ptr::null(),
                expiration: std::ptr::null(),
                expiration_iso: std::ptr::null(),
            },
        };
        super::into_raw(result)
    }

    fn internal() -> *mut IsmsBalanceResult {
        IsmsBalanceResult::new(Err(super::panic_error("isms_balance")))
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
        // SAFETY: per this function's contract; each string was made by c_string.
        unsafe {
            if let Some(r) = super::from_raw(result) {
                free_c_string(r.message, false);
                free_c_string(r.balance_text, false);
                free_c_string(r.expiration, false);
                free_c_string(r.expiration_iso, false);
            }
        }
    })
}
