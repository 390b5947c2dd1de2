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

impl ReplyIds {
    /// Takes every form of each secret out of the identifiers.
    pub(crate) fn redact_secrets(self, secrets: &[&str]) -> ReplyIds {
        ReplyIds {
            uuid: redact_field(self.uuid, secrets),
            sms_id: redact_field(self.sms_id, secrets),
            mobile: redact_field(self.mobile, secrets),
        }
    }
}

/// A reply string without any form of the secrets; the original is zeroed.
pub(crate) fn redact_field(field: Option<String>, secrets: &[&str]) -> Option<String> {
    field.map(|text| {
        let text = zeroize::Zeroizing::new(text);
        crate::request::redact_secrets(&text, secrets)
    })
}

/// At most [`MAX_MESSAGE_BYTES`], cut on a character boundary and marked,
/// and marked too when it was `already_cut`. The longer original is zeroed.
fn cap_message(message: String, already_cut: bool) -> String {
    if message.len() <= MAX_MESSAGE_BYTES && !already_cut {
        return message;
    }
    let message = zeroize::Zeroizing::new(message);
    let mut end = message.len().min(MAX_MESSAGE_BYTES - CUT_MARK.len());
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + CUT_MARK.len());
    out.push_str(&message[..end]);
    out.push_str(CUT_MARK);
    out
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
    /// The message already lost its end (a gateway text longer than the
    /// parser keeps): [`Error::redact_secrets`] marks it as cut.
    cut: bool,
}

/// The longest message an [`Error`] carries once redacted, in bytes,
/// [`CUT_MARK`] included: with its terminating NUL, a C string of 1 KiB.
pub const MAX_MESSAGE_BYTES: usize = 1023;
/// Ends a message that was cut.
pub const CUT_MARK: &str = "\u{2026}[cut]";

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
            cut: false,
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

    /// Says that the message was already shortened (it is then marked as cut).
    pub(crate) fn with_cut(mut self, cut: bool) -> Error {
        self.cut |= cut;
        self
    }

    /// Takes every form of each secret out of the message and the reply's
    /// identifiers (see [`crate::request::redact_secrets`]), in case a
    /// gateway or proxy echoed the request back; then, and only then, keeps
    /// the message to [`MAX_MESSAGE_BYTES`], cut on a character boundary and
    /// marked with [`CUT_MARK`]. The replaced strings are zeroed.
    pub(crate) fn redact_secrets(mut self, secrets: &[&str]) -> Error {
        let redacted = crate::request::redact_secrets(&self.message, secrets);
        let redacted = cap_message(redacted, self.cut);
        zeroize::Zeroize::zeroize(&mut std::mem::replace(&mut self.message, redacted));
        self.cut = false;
        self.ids = self.ids.redact_secrets(secrets);
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
