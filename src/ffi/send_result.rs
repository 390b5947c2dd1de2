//! `IsmsSendResult` and `isms_send_otp`.

use std::ffi::c_char;

use super::client::client_ref;
use super::macros::ffi_panic_boundary;
use super::IsmsClient;
use super::{free_c_string, optional_c_string, optional_str, required_str, Head, IsmsStatus};
use crate::error::Error;
use crate::request::{MessageType, SendOtp};
use crate::response::Sent;

/// The outcome of `isms_send_otp`, owned by the library: free it with
/// `isms_send_result_free`. Strings are NULL when absent.
#[repr(C)]
pub struct IsmsSendResult {
    pub status: IsmsStatus,
    /// 0 when no HTTP reply was received.
    pub http_status: i32,
    /// NULL when status == ISMS_OK, else a plain-words reason.
    pub message: *const c_char,
    /// As returned by the gateway; also filled on Failed when the gateway sent it.
    pub uuid: *const c_char,
    pub sms_id: *const c_char,
    /// The destination in the gateway's international format.
    pub mobile: *const c_char,
    /// The OTP the gateway generated: a secret. Keep it server-side, never
    /// show it to the end user. NULL unless ISMS_OK; zeroed on free.
    pub code: *const c_char,
    /// ISMS_ERR_RATE_LIMITED: seconds until a send to this number may pass; else 0.
    pub retry_after_s: u32,
}

impl IsmsSendResult {
    fn new(outcome: Result<Sent, Error>) -> *mut IsmsSendResult {
        let retry_after_s = outcome.as_ref().err().map_or(0, Error::retry_after_s);
        let (head, ids, code) = match &outcome {
            Ok(sent) => (
                Head::ok(sent.http_status),
                (
                    Some(sent.uuid.as_str()),
                    Some(sent.sms_id.as_str()),
                    sent.mobile.as_deref(),
                ),
                sent.code.as_deref().map(String::as_str),
            ),
            Err(e) => (
                Head::error(e),
                (
                    e.ids().uuid.as_deref(),
                    e.ids().sms_id.as_deref(),
                    e.ids().mobile.as_deref(),
                ),
                None,
            ),
        };
        super::into_raw(IsmsSendResult {
            status: head.status,
            http_status: head.http_status,
            message: head.message,
            uuid: optional_c_string(ids.0),
            sms_id: optional_c_string(ids.1),
            mobile: optional_c_string(ids.2),
            code: optional_c_string(code),
            retry_after_s,
        })
    }

    fn internal() -> *mut IsmsSendResult {
        IsmsSendResult::new(Err(super::panic_error("isms_send_otp")))
    }
}

impl Drop for IsmsSendResult {
    fn drop(&mut self) {
        // SAFETY: every string was made by c_string for this result, which
        // is dropped once.
        unsafe {
            free_c_string(self.message, false);
            free_c_string(self.uuid, false);
            free_c_string(self.sms_id, false);
            free_c_string(self.mobile, false);
            free_c_string(self.code, true);
        }
    }
}

/// Asks the gateway to generate a 6-digit code, put it in place of `%OTP%`
/// in `message` and text it to the phone. Every argument is checked first
/// (see the README's input rules); a refused one gives
/// ISMS_ERR_INVALID_ARGUMENT and nothing is sent. `type` is an
/// `IsmsMessageType` value. `sender_id` NULL or "" means none.
///
/// Never returns NULL; free the result with `isms_send_result_free`. A send
/// is never repeated by the library once it may have reached the gateway.
///
/// # Safety
/// `client` is NULL or live; string arguments are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn isms_send_otp(
    client: *const IsmsClient,
    mobile: *const c_char,
    country_code: *const c_char,
    message: *const c_char,
    r#type: i32,
    sender_id: *const c_char,
) -> *mut IsmsSendResult {
    ffi_panic_boundary!(IsmsSendResult::internal(), {
        let outcome = (|| {
            // SAFETY (each block below): the caller passes NULL or a live
            // client, and NULL or NUL-terminated strings.
            let client = unsafe { client_ref(client) }?;
            let args = SendOtp {
                mobile: unsafe { required_str(mobile, "mobile") }?,
                country_code: unsafe { required_str(country_code, "country_code") }?,
                message: unsafe { required_str(message, "message") }?,
                message_type: MessageType::from_code(r#type).ok_or_else(|| {
                    Error::invalid(
                        "type: expected ISMS_TYPE_AUTO, ISMS_TYPE_ASCII or ISMS_TYPE_UNICODE",
                    )
                })?,
                sender_id: unsafe { optional_str(sender_id, "sender_id") }?,
            };
            client.send_otp(&args)
        })();
        IsmsSendResult::new(outcome)
    })
}

/// Frees a send result, zeroing its `code`. NULL is a no-op.
///
/// # Safety
/// `result` is NULL or came from `isms_send_otp` and is freed once.
#[no_mangle]
pub unsafe extern "C" fn isms_send_result_free(result: *mut IsmsSendResult) {
    ffi_panic_boundary!((), {
        // SAFETY: per this function's contract; Drop frees the strings.
        drop(unsafe { super::from_raw(result) });
    })
}
