//! Outcome statuses and the error type of every call.
//!
//! [`Status`] is the one list of outcomes; the C enum `IsmsStatus` in
//! `ffi/status.rs` spells the same values the C way and is converted from it.

use std::ffi::CStr;
use std::fmt;

/// Why a call did not succeed, or `Ok` when it did.
///
/// The numeric values are part of the C ABI and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The call succeeded.
    Ok = 0,
    /// Refused before any byte went to the network.
    InvalidArgument = 1,
    /// The gateway said authentication failed (JSON reply or classic -1001).
    Auth = 2,
    /// The gateway said the account is out of credit (classic -1004 or JSON message).
    InsufficientCredit = 3,
    /// Verify: the code does not match.
    OtpIncorrect = 4,
    /// Verify: the code is past its interval.
    OtpExpired = 5,
    /// The gateway said Failed for any other reason; the message says why.
    Rejected = 6,
    /// No complete reply within the client's timeout.
    Timeout = 7,
    /// DNS, refused, reset, proxy failure.
    Connect = 8,
    /// TLS handshake or certificate verification failed.
    Tls = 9,
    /// A non-2xx reply (redirects are never followed).
    HttpStatus = 10,
    /// A reply that is not the documented JSON, too large, or missing fields.
    BadResponse = 11,
    /// A bug: a panic caught at the C boundary.
    Internal = 12,
}

impl Status {
    /// Every status, in numeric order.
    pub const ALL: [Status; 13] = [
        Status::Ok,
        Status::InvalidArgument,
        Status::Auth,
        Status::InsufficientCredit,
        Status::OtpIncorrect,
        Status::OtpExpired,
        Status::Rejected,
        Status::Timeout,
        Status::Connect,
        Status::Tls,
        Status::HttpStatus,
        Status::BadResponse,
        Status::Internal,
    ];

    /// The status with this numeric value, if there is one.
    pub fn from_code(code: i32) -> Option<Status> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Status::ALL.get(i))
            .copied()
    }

    /// The C name, e.g. `"ISMS_ERR_AUTH"`.
    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("ISMS_UNKNOWN")
    }

    /// The C name as a NUL-terminated string, for `isms_status_name`.
    pub fn c_name(self) -> &'static CStr {
        match self {
            Status::Ok => c"ISMS_OK",
            Status::InvalidArgument => c"ISMS_ERR_INVALID_ARGUMENT",
            Status::Auth => c"ISMS_ERR_AUTH",
            Status::InsufficientCredit => c"ISMS_ERR_INSUFFICIENT_CREDIT",
            Status::OtpIncorrect => c"ISMS_ERR_OTP_INCORRECT",
            Status::OtpExpired => c"ISMS_ERR_OTP_EXPIRED",
            Status::Rejected => c"ISMS_ERR_REJECTED",
            Status::Timeout => c"ISMS_ERR_TIMEOUT",
            Status::Connect => c"ISMS_ERR_CONNECT",
            Status::Tls => c"ISMS_ERR_TLS",
            Status::HttpStatus => c"ISMS_ERR_HTTP_STATUS",
            Status::BadResponse => c"ISMS_ERR_BAD_RESPONSE",
            Status::Internal => c"ISMS_ERR_INTERNAL",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Identifiers the gateway sent back with a reply, kept on failures too so
/// that a failed send can still be traced with iSMS support.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyIds {
    pub uuid: Option<String>,
    pub sms_id: Option<String>,
    pub mobile: Option<String>,
}

/// A failed call: a status other than [`Status::Ok`], the HTTP status when a
/// reply was received (0 otherwise), a plain-words message that never
/// contains the password, and whatever identifiers the reply carried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    status: Status,
    http_status: u16,
    message: String,
    ids: ReplyIds,
}

impl Error {
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Error {
        debug_assert!(status != Status::Ok);
        Error {
            status,
            http_status: 0,
            message: message.into(),
            ids: ReplyIds::default(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(Status::InvalidArgument, message)
    }

    pub(crate) fn with_http_status(mut self, http_status: u16) -> Error {
        self.http_status = http_status;
        self
    }

    pub(crate) fn with_ids(mut self, ids: ReplyIds) -> Error {
        self.ids = ids;
        self
    }

    /// Replaces every occurrence of `secret` (and its percent-encoded form)
    /// in the message, in case a gateway or proxy echoed the request back.
    pub(crate) fn redact(mut self, secret: &str) -> Error {
        let redacted = crate::request::redact(&self.message, secret);
        zeroize::Zeroize::zeroize(&mut std::mem::replace(&mut self.message, redacted));
        self
    }

    /// What went wrong, as a status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The HTTP status of the reply, or 0 when none was received.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The reason in plain words; the gateway's own message is kept verbatim inside it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Identifiers the gateway's reply carried, if any.
    pub fn ids(&self) -> &ReplyIds {
        &self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_in_order() {
        for (i, status) in Status::ALL.iter().enumerate() {
            assert_eq!(*status as i32, i as i32);
            assert_eq!(Status::from_code(i as i32), Some(*status));
            assert!(status.name().starts_with("ISMS_"));
        }
        assert_eq!(Status::from_code(-1), None);
        assert_eq!(Status::from_code(13), None);
    }
}
