//! Entry points for the fuzz targets in `fuzz/`, compiled only with the
//! `fuzzing` feature and hidden from the docs: the input rules, reply
//! parsing and redaction are crate-private, and these thin wrappers are all
//! the targets see. Each wrapper is one call, so a change of the wrapped
//! function's signature is one line here and none in `fuzz/`.

use crate::error::Error;
use crate::request;
use crate::response;

pub use crate::request::{MessageType, SendOtp, VerifyOtp};
pub use crate::response::{Balance, Operation, Sent, Verified};
pub use crate::status::Status;

/// The send input rules and query, as `Client::send_otp` builds it.
pub fn prepare_send(username: &str, password: &str, args: &SendOtp) -> Result<String, Error> {
    request::prepare_send(username, password, args).map(|(_, query)| query.to_string())
}

/// The verify input rules and query, as `Client::verify_otp` builds it.
pub fn prepare_verify(username: &str, password: &str, args: &VerifyOtp) -> Result<String, Error> {
    request::prepare_verify(username, password, args).map(|(_, query)| query.to_string())
}

/// The rule verify applies to an `sms_id`.
pub fn check_sms_id(sms_id: &str) -> bool {
    request::check_sms_id(sms_id).is_ok()
}

/// The rule verify applies to a `uuid`.
pub fn check_uuid(uuid: &str) -> bool {
    request::check_uuid(uuid).is_ok()
}

/// Percent-encoding as the queries use it (upper-case hex, space as `%20`).
pub fn percent_encode(value: &str) -> String {
    request::percent_encode(value)
}

/// A reply body as the transport hands it over: bytes that are not UTF-8
/// are refused there, with this error.
fn reply_text(body: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(body)
        .map_err(|_| Error::new(Status::BadResponse, "the gateway's reply is not UTF-8 text"))
}

/// Reads a send reply of any bytes, with its HTTP status.
pub fn parse_send(body: &[u8], http_status: u16) -> Result<Sent, Error> {
    response::parse_send(reply_text(body)?, http_status)
}

/// Reads a verify reply of any bytes, with its HTTP status.
pub fn parse_verify(body: &[u8], http_status: u16) -> Result<Verified, Error> {
    response::parse_verify(reply_text(body)?, http_status)
}

/// Reads a balance reply of any bytes, with its HTTP status.
pub fn parse_balance(body: &[u8], http_status: u16) -> Result<Balance, Error> {
    response::parse_balance(reply_text(body)?, http_status)
}

/// A classic `-NNNN = TEXT` reply's code and text.
pub fn parse_classic(body: &str) -> Option<(i32, &str)> {
    response::parse_classic(body)
}

/// The status a classic reply's code maps to.
pub fn classify_classic(code: i32, text: &str) -> Error {
    response::classify_classic(code, text)
}

/// The status a `Failed` reply's message maps to.
pub fn classify_failed(operation: Operation, gateway_message: Option<&str>) -> Error {
    response::classify_failed(operation, gateway_message)
}

/// `text` with every form of `secret` taken out, as an error message is
/// before it reaches the caller.
pub fn redact(text: &str, secret: &str) -> String {
    request::redact_secrets(text, &[secret])
}
