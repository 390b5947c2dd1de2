//! `IsmsVerifyResult` and `isms_verify_otp`.

use std::ffi::c_char;

use super::client::client_ref;
use super::macros::ffi_panic_boundary;
use super::{
    free_c_string, optional_c_string, optional_str, required_str, Head, IsmsClient, IsmsStatus,
};
use crate::error::Error;
use crate::request::VerifyOtp;
use crate::response::Verified;

/// The outcome of `isms_verify_otp`, owned by the library: free it with
/// `isms_verify_result_free`. Strings are NULL when absent.
#[repr(C)]
pub struct IsmsVerifyResult {
    /// ISMS_OK exactly when the gateway said "Verified".
    pub status: IsmsStatus,
    pub http_status: i32,
    pub message: *const c_char,
    pub uuid: *const c_char,
    pub sms_id: *const c_char,
    pub mobile: *const c_char,
    /// ISMS_ERR_RATE_LIMITED: seconds until a verify for this number may pass; else 0.
    pub retry_after_s: u32,
    /// Guard on: wrong attempts this code has left after this call (0 once it
    /// is locked, used or expired); -1 when the guard is off.
    pub attempts_left: i32,
}

impl IsmsVerifyResult {
    fn new(outcome: Result<Verified, Error>) -> *mut IsmsVerifyResult {
        let (retry_after_s, attempts_left) = match &outcome {
            Ok(verified) => (0, verified.attempts_left),
            Err(e) => (e.retry_after_s(), e.attempts_left()),
        };
        let (head, ids) = match &outcome {
            Ok(verified) => (
                Head::ok(verified.http_status),
                (
                    verified.uuid.as_deref(),
                    verified.sms_id.as_deref(),
                    verified.mobile.as_deref(),
                ),
            ),
            Err(e) => (
                Head::error(e),
                (
                    e.ids().uuid.as_deref(),
                    e.ids().sms_id.as_deref(),
                    e.ids().mobile.as_deref(),
                ),
            ),
        };
        super::into_raw(IsmsVerifyResult {
            status: head.status,
            http_status: head.http_status,
            message: head.message,
            uuid: optional_c_string(ids.0),
            sms_id: optional_c_string(ids.1),
            mobile: optional_c_string(ids.2),
            retry_after_s,
            attempts_left,
        })
    }

    fn internal() -> *mut IsmsVerifyResult {
        IsmsVerifyResult::new(Err(super::panic_error("isms_verify_otp")))
    }
}

impl Drop for IsmsVerifyResult {
    fn drop(&mut self) {
        // SAFETY: every string was made by c_string for this result, which
        // is dropped once.
        unsafe {
            free_c_string(self.message, false);
            free_c_string(self.uuid, false);
            free_c_string(self.sms_id, false);
            free_c_string(self.mobile, false);
        }
    }
}

/// Checks the code the user typed against the one sent for `sms_id` and
/// `uuid` (both from the send result) to the same `mobile`/`country_code`.
/// ISMS_OK exactly when the gateway said Verified; a wrong code gives
/// ISMS_ERR_OTP_INCORRECT, a code past `interval_minutes` (0 = not sent)
/// ISMS_ERR_OTP_EXPIRED. The gateway documents no attempt limit: turn the
/// guard on (isms_client_set_guard) or limit tries in the application.
///
/// Never returns NULL; free the result with `isms_verify_result_free`.
///
/// # Safety
/// `client` is NULL or live; string arguments are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn isms_verify_otp(
    client: *const IsmsClient,
    mobile: *const c_char,
    country_code: *const c_char,
    code: *const c_char,
    sms_id: *const c_char,
    uuid: *const c_char,
    interval_minutes: u32,
    sender_id: *const c_char,
) -> *mut IsmsVerifyResult {
    ffi_panic_boundary!(IsmsVerifyResult::internal(), {
        let outcome = (|| {
            // SAFETY (each block below): the caller passes NULL or a live
            // client, and NULL or NUL-terminated strings.
            let client = unsafe { client_ref(client) }?;
            let args = VerifyOtp {
                mobile: unsafe { required_str(mobile, "mobile") }?,
                country_code: unsafe { required_str(country_code, "country_code") }?,
                code: unsafe { required_str(code, "code") }?,
                sms_id: unsafe { required_str(sms_id, "sms_id") }?,
                uuid: unsafe { required_str(uuid, "uuid") }?,
                interval_minutes,
                sender_id: unsafe { optional_str(sender_id, "sender_id") }?,
            };
            client.verify_otp(&args)
        })();
        IsmsVerifyResult::new(outcome)
    })
}

/// Frees a verify result. NULL is a no-op.
///
/// # Safety
/// `result` is NULL or came from `isms_verify_otp` and is freed once.
#[no_mangle]
pub unsafe extern "C" fn isms_verify_result_free(result: *mut IsmsVerifyResult) {
    ffi_panic_boundary!((), {
        // SAFETY: per this function's contract; Drop frees the strings.
        drop(unsafe { super::from_raw(result) });
    })
}
