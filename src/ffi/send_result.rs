//! `IsmsSendResult` and `isms_send_otp`.

use std::ffi::c_char;

use super::client::client_ref;
use super::macros::ffi_panic_boundary;
use super::IsmsClient;
use super::{c_string, free_c_string, optional_c_string, optional_str, required_str, IsmsStatus};
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
}

impl IsmsSendResult {
    fn new(outcome: Result<Sent, Error>) -> *mut IsmsSendResult {
        let result = match outcome {
            Ok(sent) => IsmsSendResult {
                status: IsmsStatus::ISMS_OK,
                http_status: i32::from(sent.http_status),
                message: std::ptr::null(),
                uuid: c_string(&sent.uuid),
                sms_id: c_string(&sent.sms_id),
                mobile: optional_c_string(sent.mobile.as_deref()),
                code: optional_c_string(sent.code.as_deref().map(String::as_str)),
            },
            Err(e) => IsmsSendResult {
                status: e.status().into(),
                http_status: i32::from(e.http_status()),
                message: c_string(e.message()),
                uuid: optional_c_string(e.ids().uuid.as_deref()),
                sms_id: optional_c_string(e.ids().sms_id.as_deref()),
                mobile: optional_c_string(e.ids().mobile.as_deref()),
                code: std::ptr::null(),
            },
        };
        super::into_raw(result)
    }

    fn internal() -> *mut IsmsSendResult {
        IsmsSendResult::new(Err(super::panic_error("isms_send_otp")))
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
        // SAFETY: per this function's contract.
        let outcome = unsafe {
            (|| {
                let client = client_ref(client)?;
                let args = SendOtp {
                    mobile: required_str(mobile, "mobile")?,
                    country_code: required_str(country_code, "country_code")?,
                    message: required_str(message, "message")?,
                    message_type: MessageType::from_code(r#type).ok_or_else(|| {
                        Error::invalid(
                            "type: expected ISMS_TYPE_AUTO, ISMS_TYPE_ASCII or ISMS_TYPE_UNICODE",
                        )
                    })?,
                    sender_id: optional_str(sender_id, "sender_id")?,
                };
                client.send_otp(&args)
            })()
        };
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
        // SAFETY: per this function's contract; each string was made by c_string.
        unsafe {
            if let Some(r) = super::from_raw(result) {
                free_c_string(r.message, false);
                free_c_string(r.uuid, false);
                free_c_string(r.sms_id, false);
                free_c_string(r.mobile, false);
                free_c_string(r.code, true);
            }
        }
    })
}
