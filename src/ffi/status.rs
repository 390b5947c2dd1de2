//! `IsmsStatus`, `IsmsMessageType`, and the static strings.

use std::ffi::c_char;

use super::macros::ffi_panic_boundary;
use crate::error::Status;

/// The outcome of a call. `ISMS_OK` is 0; the values never change.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsmsStatus {
    ISMS_OK = 0,
    /// Refused before any byte went to the network.
    ISMS_ERR_INVALID_ARGUMENT = 1,
    /// Gateway: authentication failed (JSON or classic -1001).
    ISMS_ERR_AUTH = 2,
    /// Gateway: out of credit (classic -1004 or JSON message).
    ISMS_ERR_INSUFFICIENT_CREDIT = 3,
    /// Verify: the code does not match.
    ISMS_ERR_OTP_INCORRECT = 4,
    /// Verify: the code is past its interval.
    ISMS_ERR_OTP_EXPIRED = 5,
    /// The gateway said Failed for any other reason; message says why.
    ISMS_ERR_REJECTED = 6,
    /// No complete reply within the client's timeout.
    ISMS_ERR_TIMEOUT = 7,
    /// DNS, refused, reset, proxy failure.
    ISMS_ERR_CONNECT = 8,
    /// Handshake or certificate verification failed.
    ISMS_ERR_TLS = 9,
    /// A non-2xx reply (redirects are never followed); http_status says which.
    ISMS_ERR_HTTP_STATUS = 10,
    /// A reply that is not the documented JSON, too large, or missing fields.
    ISMS_ERR_BAD_RESPONSE = 11,
    /// A bug: a panic caught at the boundary.
    ISMS_ERR_INTERNAL = 12,
}

impl From<Status> for IsmsStatus {
    fn from(status: Status) -> IsmsStatus {
        use IsmsStatus::*;
        match status {
            Status::Ok => ISMS_OK,
            Status::InvalidArgument => ISMS_ERR_INVALID_ARGUMENT,
            Status::Auth => ISMS_ERR_AUTH,
            Status::InsufficientCredit => ISMS_ERR_INSUFFICIENT_CREDIT,
            Status::OtpIncorrect => ISMS_ERR_OTP_INCORRECT,
            Status::OtpExpired => ISMS_ERR_OTP_EXPIRED,
            Status::Rejected => ISMS_ERR_REJECTED,
            Status::Timeout => ISMS_ERR_TIMEOUT,
            Status::Connect => ISMS_ERR_CONNECT,
            Status::Tls => ISMS_ERR_TLS,
            Status::HttpStatus => ISMS_ERR_HTTP_STATUS,
            Status::BadResponse => ISMS_ERR_BAD_RESPONSE,
            Status::Internal => ISMS_ERR_INTERNAL,
        }
    }
}

/// Message types for `isms_send_otp`'s `type` argument (passed as `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsmsMessageType {
    /// ASCII when every character is ASCII, else Unicode.
    ISMS_TYPE_AUTO = 0,
    /// Gateway type 1: ASCII only (about 153 characters per credit).
    ISMS_TYPE_ASCII = 1,
    /// Gateway type 2: Unicode (about 63 characters per credit).
    ISMS_TYPE_UNICODE = 2,
}

/// The C name of a status, e.g. `"ISMS_ERR_AUTH"`; `"ISMS_UNKNOWN"` for any
/// other value. Static: never free it.
#[no_mangle]
pub extern "C" fn isms_status_name(status: i32) -> *const c_char {
    ffi_panic_boundary!(c"ISMS_UNKNOWN".as_ptr(), {
        Status::from_code(status)
            .map_or(c"ISMS_UNKNOWN", Status::c_name)
            .as_ptr()
    })
}

/// The library's version, e.g. `"1.0.0"`. Static: never free it.
#[no_mangle]
pub extern "C" fn isms_version() -> *const c_char {
    ffi_panic_boundary!(c"".as_ptr(), {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn c_enum_matches_core_values() {
        for status in Status::ALL {
            assert_eq!(IsmsStatus::from(status) as i32, status as i32);
            // SAFETY: static NUL-terminated strings.
            let name = unsafe { CStr::from_ptr(isms_status_name(status as i32)) };
            assert_eq!(
                name.to_str().unwrap(),
                format!("{:?}", IsmsStatus::from(status))
            );
        }
        for other in [-1, 13, i32::MAX, i32::MIN] {
            // SAFETY: static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(isms_status_name(other)) };
            assert_eq!(name.to_str().unwrap(), "ISMS_UNKNOWN");
        }
    }

    #[test]
    fn panics_become_the_fallback() {
        let value: i32 = ffi_panic_boundary!(-1, {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            1
        });
        assert_eq!(value, -1);
    }
}
