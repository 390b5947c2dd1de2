//! The error type of every call. The statuses themselves are defined once,
//! in `status.rs`.

use crate::status::Status;

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
    retry_after_s: u32,
    attempts_left: i32,
}

impl Error {
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Error {
        debug_assert!(status != Status::Ok);
        Error {
            status,
            http_status: 0,
            message: message.into(),
            ids: ReplyIds::default(),
            retry_after_s: 0,
            attempts_left: -1,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(Status::InvalidArgument, message)
    }

    pub(crate) fn with_http_status(mut self, http_status: u16) -> Error {
        self.http_status = http_status;
        self
    }

    pub(crate) fn with_retry_after(mut self, seconds: u32) -> Error {
        self.retry_after_s = seconds;
        self
    }

    pub(crate) fn with_attempts_left(mut self, attempts_left: i32) -> Error {
        self.attempts_left = attempts_left;
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

    /// [`Status::RateLimited`]: seconds until the call may pass; else 0.
    pub fn retry_after_s(&self) -> u32 {
        self.retry_after_s
    }

    /// Verify with the guard on: wrong attempts the code has left after
    /// this call (0 once it is locked, used or expired); -1 with the guard
    /// off or when its store failed.
    pub fn attempts_left(&self) -> i32 {
        self.attempts_left
    }

    /// Identifiers the gateway's reply carried, if any.
    pub fn ids(&self) -> &ReplyIds {
        &self.ids
    }
}
