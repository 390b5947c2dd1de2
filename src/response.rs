//! Reply parsing and classification. Pure functions from the reply body to a
//! result or an [`Error`] with the right [`Status`].
//!
//! The gateway answers with HTTP 200 and a JSON body whose `status` is
//! `Success`, `Verified` or `Failed`; older account errors surface as classic
//! text replies `-NNNN = TEXT`, and a balance may carry `-1001` in place of a
//! number.

use std::fmt;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::{Error, ReplyIds};
use crate::status::Status;

/// The three operations; replies are read differently for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Send,
    Verify,
    Balance,
}

/// A successful send.
#[derive(Clone)]
pub struct Sent {
    /// The HTTP status of the reply (set by the client; 200 from the parser).
    pub http_status: u16,
    pub uuid: String,
    pub sms_id: String,
    /// The destination in the gateway's international format, e.g. `+6012-3456789`.
    pub mobile: Option<String>,
    /// The OTP the gateway generated and sent: a secret, never show it to the end user.
    pub code: Option<Zeroizing<String>>,
}

impl fmt::Debug for Sent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sent")
            .field("http_status", &self.http_status)
            .field("uuid", &self.uuid)
            .field("sms_id", &self.sms_id)
            .field("mobile", &self.mobile)
            .field("code", &self.code.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// A code the gateway said `Verified`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub http_status: u16,
    pub uuid: Option<String>,
    pub sms_id: Option<String>,
    pub mobile: Option<String>,
    /// With the guard on, 0 (the code is used now); -1 with the guard off.
    pub attempts_left: i32,
}

/// The account's credit.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    pub http_status: u16,
    pub balance: f64,
    /// As received, e.g. `"81.0"`.
    pub balance_text: String,
    /// As received, e.g. `"29 Apr 2025"`.
    pub expiration: Option<String>,
    /// `"2025-04-29"`, or `None` when the expiration could not be parsed.
    pub expiration_iso: Option<String>,
}

const SNIPPET_CHARS: usize = 60;

/// The start of a reply, printable, for error messages.
fn snippet(body: &str) -> String {
    let mut out: String = body
        .trim()
        .chars()
        .take(SNIPPET_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.trim().chars().count() > SNIPPET_CHARS {
        out.push_str("...");
    }
    out
}

fn bad_response(message: impl Into<String>) -> Error {
    Error::new(Status::BadResponse, message)
}

/// A string field, accepting numbers too (`"sms_id": 1171081605`); empty is absent.
fn text_field(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn reply_ids(object: &Map<String, Value>) -> ReplyIds {
    ReplyIds {
        uuid: text_field(object, "uuid"),
        sms_id: text_field(object, "sms_id"),
        mobile: text_field(object, "mobile"),
    }
}

/// `-1001 = AUTHENTICATION FAILED` (or a bare `-1001`) -> (-1001, "AUTHENTICATION FAILED").
pub fn parse_classic(body: &str) -> Option<(i32, &str)> {
    let rest = body.trim().strip_prefix('-')?;
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(digits_end);
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    let code: i32 = digits.parse().ok()?;
    let tail = tail.trim_start();
    let text = if tail.is_empty() {
        ""
    } else {
        tail.strip_prefix('=')?.trim()
    };
    Some((-code, text))
}

/// Maps a classic `-NNNN` reply: -1001 authentication, -1004 credit, any
/// other code rejected; the code and text are kept in the message.
pub fn classify_classic(code: i32, text: &str) -> Error {
    let status = match code {
        -1001 => Status::Auth,
        -1004 => Status::InsufficientCredit,
        _ => Status::Rejected,
    };
    let message = if text.is_empty() {
        format!("gateway replied {code}")
    } else {
        format!("gateway replied {code} = {text}")
    };
    Error::new(status, message)
}

/// Maps a `Failed` reply by its message, lower-cased, first rule that matches.
pub fn classify_failed(operation: Operation, gateway_message: Option<&str>) -> Error {
    let Some(text) = gateway_message.filter(|m| !m.trim().is_empty()) else {
        return Error::new(Status::Rejected, "gateway replied Failed without a reason");
    };
    let lower = text.to_lowercase();
    let verify = operation == Operation::Verify;
    let status = if lower.contains("auth") {
        Status::Auth
    } else if lower.contains("credit") {
        Status::InsufficientCredit
    } else if verify && lower.contains("expire") {
        Status::OtpExpired
    } else if verify
        && ["incorrect", "wrong", "invalid otp", "invalid code"]
            .iter()
            .any(|w| lower.contains(w))
    {
        Status::OtpIncorrect
    } else {
        Status::Rejected
    };
    Error::new(status, format!("gateway replied Failed: {text}"))
}

/// The JSON object of a reply, or the error a classic or unreadable reply means.
fn reply_object(body: &str) -> Result<Map<String, Value>, Error> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Err(bad_response("the gateway sent an empty reply"));
    }
    if let Some((code, text)) = parse_classic(trimmed) {
        return Err(classify_classic(code, text));
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(bad_response(format!(
            "the gateway's reply is JSON but not an object: {}",
            snippet(trimmed)
        ))),
        Err(_) => Err(bad_response(format!(
            "the gateway's reply is not the documented JSON: {}",
            snippet(trimmed)
        ))),
    }
}

/// The reply's `status`, and the error for `Failed` or an unknown status.
/// Returns `Ok(())` when the status is `expected` (compared case-insensitively).
fn check_status(
    operation: Operation,
    object: &Map<String, Value>,
    expected: &str,
) -> Result<(), Error> {
    let Some(status) = object.get("status").and_then(Value::as_str) else {
        return Err(bad_response("the gateway's reply has no status"));
    };
    if status.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    if status.eq_ignore_ascii_case("failed") {
        let message = object.get("message").and_then(Value::as_str);
        return Err(classify_failed(operation, message).with_ids(reply_ids(object)));
    }
    Err(bad_response(format!(
        "the gateway replied with an undocumented status: {}",
        snippet(status)
    ))
    .with_ids(reply_ids(object)))
}

/// Reads a send reply: `Success` with `uuid` and `sms_id`, else the error.
pub fn parse_send(body: &str, http_status: u16) -> Result<Sent, Error> {
    let object = reply_object(body)?;
    check_status(Operation::Send, &object, "success")?;
    let ids = reply_ids(&object);
    match (ids.uuid, ids.sms_id) {
        (Some(uuid), Some(sms_id)) => Ok(Sent {
            http_status,
            uuid,
            sms_id,
            mobile: ids.mobile,
            code: text_field(&object, "code").map(Zeroizing::new),
        }),
        _ => Err(bad_response(
            "the gateway said Success without uuid or sms_id: the code could never be verified",
        )),
    }
}

/// Reads a verify reply: `Verified` means the code matched.
pub fn parse_verify(body: &str, http_status: u16) -> Result<Verified, Error> {
    let object = reply_object(body)?;
    check_status(Operation::Verify, &object, "verified")?;
    let ids = reply_ids(&object);
    Ok(Verified {
        http_status,
        uuid: ids.uuid,
        sms_id: ids.sms_id,
        mobile: ids.mobile,
        attempts_left: -1,
    })
}

/// Reads a balance reply: `{"method":"balance","balance":"81.0","expiration":"29 Apr 2025"}`.
pub fn parse_balance(body: &str, http_status: u16) -> Result<Balance, Error> {
    let object = reply_object(body)?;
    if object.contains_key("status") {
        // A balance only carries a status when something went wrong.
        check_status(Operation::Balance, &object, "success")?;
    }
    let Some(balance_text) = text_field(&object, "balance") else {
        return Err(bad_response("the gateway's balance reply has no balance"));
    };
    if let Some((code, text)) = parse_classic(&balance_text) {
        return Err(classify_classic(code, text));
    }
    let balance: f64 = match balance_text.trim().parse() {
        Ok(value) if f64::is_finite(value) => value,
        _ => {
            return Err(bad_response(format!(
                "the gateway's balance is not a number: {}",
                snippet(&balance_text)
            )))
        }
    };
    let expiration = text_field(&object, "expiration");
    let expiration_iso = expiration.as_deref().and_then(parse_expiration);
    Ok(Balance {
        http_status,
        balance,
        balance_text,
        expiration,
        expiration_iso,
    })
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// 1 to 12 for a month's full English name or its three-letter (or `Sept`) abbreviation.
fn month_number(name: &str) -> Option<u32> {
    let name = name.to_ascii_lowercase();
    let index = MONTHS.iter().position(|full| {
        name == *full || name == full[..3] || (*full == "september" && name == "sept")
    })?;
    u32::try_from(index + 1).ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn iso_date(year: u32, month: u32, day: u32) -> Option<String> {
    let valid = (1900..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month);
    valid.then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// `"29 Apr 2025"` or `"29 April 2025"` (the gateway's form) or
/// `"2025-04-29"` -> `"2025-04-29"`; `None` for anything else or an impossible date.
pub fn parse_expiration(text: &str) -> Option<String> {
    let text = text.trim();
    let parts: Vec<&str> = text.split('-').collect();
    if let [y, m, d] = parts[..] {
        if y.len() == 4 && m.len() == 2 && d.len() == 2 {
            return iso_date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        }
        return None;
    }
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [day, month, year] = parts[..] else {
        return None;
    };
    if !day.bytes().all(|b| b.is_ascii_digit()) || day.len() > 2 || year.len() != 4 {
        return None;
    }
    iso_date(year.parse().ok()?, month_number(month)?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of<T: fmt::Debug>(r: Result<T, Error>) -> Status {
        r.map(|_| Status::Ok).unwrap_or_else(|e| e.status())
    }

    #[test]
    fn send_success_and_failures() {
        let ok = r#"{"status":"Success","code":"147623","uuid":"bd9a1ff0-4f2c-11eb-9b62-008cfaff44de",
                     "username":"myuser","sms_id":"1171081025","mobile":"+601X-XXXXXXX"}"#;
        let sent = parse_send(ok, 200).unwrap();
        assert_eq!(sent.uuid, "bd9a1ff0-4f2c-11eb-9b62-008cfaff44de");
        assert_eq!(sent.sms_id, "1171081025");
        assert_eq!(sent.mobile.as_deref(), Some("+601X-XXXXXXX"));
        assert_eq!(sent.code.as_deref().map(String::as_str), Some("147623"));
        assert!(!format!("{sent:?}").contains("147623"));
        let lower = r#"{"status":"success","uuid":"u","sms_id":1171081025}"#;
        assert_eq!(parse_send(lower, 200).unwrap().sms_id, "1171081025");
        for missing in [
            r#"{"status":"Success","sms_id":"1"}"#,
            r#"{"status":"Success","uuid":"u"}"#,
            r#"{"status":"Success","uuid":"","sms_id":"1"}"#,
        ] {
            assert_eq!(
                status_of(parse_send(missing, 200)),
                Status::BadResponse,
                "{missing}"
            );
        }
        let failed = r#"{"status":"Failed","message":"Authentication Failed","uuid":"1a1e1b86",
                         "sms_id":"1171081605","code":"408902","mobile":"+601X-XXXXXXX"}"#;
        let err = parse_send(failed, 200).unwrap_err();
        assert_eq!(err.status(), Status::Auth);
        assert!(err.message().contains("Authentication Failed"));
        assert_eq!(err.ids().uuid.as_deref(), Some("1a1e1b86"));
        assert_eq!(err.ids().sms_id.as_deref(), Some("1171081605"));
        assert!(!err.message().contains("408902"));
        assert_eq!(
            status_of(parse_send(
                r#"{"status":"Verified","uuid":"u","sms_id":"1"}"#,
                200
            )),
            Status::BadResponse
        );
    }

    #[test]
    fn failed_messages_map_by_first_matching_rule() {
        use Operation::*;
        let cases = [
            (Send, "Authentication Failed", Status::Auth),
            (Send, "Insufficient Credit", Status::InsufficientCredit),
            (Send, "Invalid Request", Status::Rejected),
            (Send, "OTP expired", Status::Rejected),
            (Send, "Incorrect OTP Code", Status::Rejected),
            (Verify, "Incorrect OTP Code", Status::OtpIncorrect),
            (Verify, "Wrong code", Status::OtpIncorrect),
            (Verify, "Invalid OTP", Status::OtpIncorrect),
            (Verify, "invalid code entered", Status::OtpIncorrect),
            (Verify, "OTP Code Expired", Status::OtpExpired),
            (Verify, "expired and incorrect", Status::OtpExpired),
            (Verify, "AUTH error, code expired", Status::Auth),
            (
                Verify,
                "no credit, code incorrect",
                Status::InsufficientCredit,
            ),
            (Verify, "Invalid Request", Status::Rejected),
            (Verify, "OTP Code Already Used", Status::Rejected),
            (Balance, "Authentication Failed", Status::Auth),
            (Balance, "Invalid Request", Status::Rejected),
            (Balance, "code expired", Status::Rejected),
        ];
        for (operation, message, want) in cases {
            let err = classify_failed(operation, Some(message));
            assert_eq!(err.status(), want, "{operation:?} {message}");
            assert!(err.message().contains(message));
        }
        assert_eq!(classify_failed(Verify, None).status(), Status::Rejected);
        assert_eq!(
            classify_failed(Verify, Some(" ")).status(),
            Status::Rejected
        );
        let failed =
            r#"{"status":"FAILED","message":"Incorrect OTP Code","uuid":"u","sms_id":"5"}"#;
        let err = parse_verify(failed, 200).unwrap_err();
        assert_eq!(err.status(), Status::OtpIncorrect);
        assert_eq!(err.ids().sms_id.as_deref(), Some("5"));
    }

    #[test]
    fn verify_needs_verified() {
        let ok = r#"{"status":"Verified","uuid":"1a1e1b86-4f2d-11eb-","sms_id":"1171081605",
                     "code":"808902","mobile":"+601X-XXXXXXX"}"#;
        assert_eq!(
            parse_verify(ok, 200).unwrap().sms_id.as_deref(),
            Some("1171081605")
        );
        assert!(parse_verify(r#"{"status":"VERIFIED"}"#, 200).is_ok());
        assert_eq!(
            status_of(parse_verify(r#"{"status":"Success"}"#, 200)),
            Status::BadResponse
        );
        assert_eq!(
            status_of(parse_verify(r#"{"message":"x"}"#, 200)),
            Status::BadResponse
        );
    }

    #[test]
    fn classic_replies() {
        assert_eq!(
            parse_classic("-1001 = AUTHENTICATION FAILED"),
            Some((-1001, "AUTHENTICATION FAILED"))
        );
        assert_eq!(
            parse_classic("-1004=INSUFFICIENT CREDITS\n"),
            Some((-1004, "INSUFFICIENT CREDITS"))
        );
        assert_eq!(parse_classic("-1001"), Some((-1001, "")));
        assert_eq!(parse_classic("-1001 AUTH"), None);
        assert_eq!(parse_classic("1001 = X"), None);
        assert_eq!(parse_classic("-"), None);
        let cases = [
            ("-1001 = AUTHENTICATION FAILED", Status::Auth),
            ("-1004 = INSUFFICIENT CREDITS", Status::InsufficientCredit),
            ("-1003 = IP NOT ALLOWED", Status::Rejected),
            ("-1000 = UNKNOWN ERROR", Status::Rejected),
            ("-1012 = MESSAGE CONTAINS UNICODE", Status::Rejected),
        ];
        for (body, want) in cases {
            for err in [
                parse_send(body, 200).unwrap_err(),
                parse_verify(body, 200).unwrap_err(),
                parse_balance(body, 200).unwrap_err(),
            ] {
                assert_eq!(err.status(), want, "{body}");
                assert!(err.message().contains(body), "{}", err.message());
            }
        }
    }

    #[test]
    fn unreadable_replies() {
        for body in [
            "",
            "   ",
            "<html><body>Service Unavailable</body></html>",
            r#"{"status":"Succ"#,
            "[1,2]",
            "OK",
        ] {
            assert_eq!(
                status_of(parse_send(body, 200)),
                Status::BadResponse,
                "{body:?}"
            );
            assert_eq!(
                status_of(parse_balance(body, 200)),
                Status::BadResponse,
                "{body:?}"
            );
        }
        let err = parse_send(&format!("<html>{}</html>", "x".repeat(500)), 200).unwrap_err();
        assert!(err.message().len() < 200);
    }

    #[test]
    fn balances() {
        let bal = parse_balance(
            r#"{"method":"balance","balance":"81.0","expiration":"29 Apr 2025"}"#,
            200,
        )
        .unwrap();
        assert_eq!(bal.balance, 81.0);
        assert_eq!(bal.balance_text, "81.0");
        assert_eq!(bal.expiration.as_deref(), Some("29 Apr 2025"));
        assert_eq!(bal.expiration_iso.as_deref(), Some("2025-04-29"));
        let numeric = parse_balance(r#"{"method":"balance","balance":12.5}"#, 200).unwrap();
        assert_eq!(numeric.balance, 12.5);
        assert_eq!(numeric.expiration, None);
        assert_eq!(
            status_of(parse_balance(
                r#"{"method":"balance","balance":"-1001"}"#,
                200
            )),
            Status::Auth
        );
        assert_eq!(
            status_of(parse_balance(
                r#"{"method":"balance","balance":-1004}"#,
                200
            )),
            Status::InsufficientCredit
        );
        assert_eq!(
            status_of(parse_balance(
                r#"{"status":"Failed","message":"Authentication Failed"}"#,
                200
            )),
            Status::Auth
        );
        for body in [
            r#"{"method":"balance"}"#,
            r#"{"method":"balance","balance":"lots"}"#,
            r#"{"method":"balance","balance":"NaN"}"#,
            r#"{"method":"balance","balance":"inf"}"#,
        ] {
            assert_eq!(
                status_of(parse_balance(body, 200)),
                Status::BadResponse,
                "{body}"
            );
        }
    }

    #[test]
    fn expiration_dates() {
        let cases = [
            ("29 Apr 2025", Some("2025-04-29")),
            ("1 Jan 2026", Some("2026-01-01")),
            ("29 February 2024", Some("2024-02-29")),
            ("29 Feb 2025", None),
            ("31 Sept 2025", None),
            ("30 Sept 2025", Some("2025-09-30")),
            ("2025-04-29", Some("2025-04-29")),
            ("2025-02-30", None),
            ("29 Aprl 2025", None),
            ("Apr 29 2025", None),
            ("", None),
            ("32 Jan 2025", None),
            ("0 Jan 2025", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_expiration(text).as_deref(), want, "{text}");
        }
    }
}
