//! Reply parsing: any bytes, as the body of a send, verify or balance reply
//! with any HTTP status. Never a panic; a parse is the same twice; an error
//! is one of the statuses a reply can mean (the OTP ones for verify only),
//! the one its classic `-NNNN` code maps to; a success comes from a JSON
//! object with the right `status` and carries what the caller needs.
//!
//! Input: one byte for the call (send, verify, balance), two for the HTTP
//! status (big-endian), then the body.
#![no_main]

use isms::fuzzing::{
    classify_classic, parse_balance, parse_classic, parse_send, parse_verify, Status,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The reply's `status`, when it is a JSON object with one.
fn json_status(body: &str) -> Option<String> {
    match serde_json::from_str::<Value>(body.trim()).ok()? {
        Value::Object(o) => o.get("status").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn is_json_object(body: &str) -> bool {
    matches!(
        serde_json::from_str::<Value>(body.trim()),
        Ok(Value::Object(_))
    )
}

fn valid_iso_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap());
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fuzz_target!(|data: &[u8]| {
    let Some((&call, rest)) = data.split_first() else {
        return;
    };
    let Some((status, body)) = rest.split_first_chunk::<2>() else {
        return;
    };
    let http_status = u16::from_be_bytes(*status);
    let text = std::str::from_utf8(body).ok();

    let outcome = match call % 3 {
        0 => {
            let a = parse_send(body, http_status);
            let b = parse_send(body, http_status);
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
            a.map(|sent| {
                assert_eq!(sent.http_status, http_status);
                assert!(!sent.uuid.is_empty() && !sent.sms_id.is_empty());
                assert!(sent.code.as_ref().is_none_or(|c| !c.is_empty()));
                let status = json_status(text.unwrap()).expect("a success is a JSON object");
                assert!(status.eq_ignore_ascii_case("success"), "{status:?}");
            })
        }
        1 => {
            let a = parse_verify(body, http_status);
            assert_eq!(a, parse_verify(body, http_status));
            a.map(|verified| {
                assert_eq!(verified.http_status, http_status);
                let status = json_status(text.unwrap()).expect("a success is a JSON object");
                assert!(status.eq_ignore_ascii_case("verified"), "{status:?}");
            })
        }
        _ => {
            let a = parse_balance(body, http_status);
            assert_eq!(
                format!("{a:?}"),
                format!("{:?}", parse_balance(body, http_status))
            );
            a.map(|balance| {
                assert_eq!(balance.http_status, http_status);
                assert!(balance.balance.is_finite());
                assert_eq!(
                    balance.balance_text.trim().parse::<f64>().ok(),
                    Some(balance.balance)
                );
                if let Some(iso) = &balance.expiration_iso {
                    assert!(balance.expiration.is_some());
                    assert!(valid_iso_date(iso), "{iso:?}");
                }
                assert!(is_json_object(text.unwrap()));
                if let Some(status) = json_status(text.unwrap()) {
                    assert!(status.eq_ignore_ascii_case("success"), "{status:?}");
                }
            })
        }
    };
    let Err(error) = outcome else {
        return;
    };
    let status = error.status();
    let allowed: &[Status] = match call % 3 {
        1 => &[
            Status::BadResponse,
            Status::Auth,
            Status::InsufficientCredit,
            Status::Rejected,
            Status::OtpExpired,
            Status::OtpIncorrect,
        ],
        _ => &[
            Status::BadResponse,
            Status::Auth,
            Status::InsufficientCredit,
            Status::Rejected,
        ],
    };
    assert!(allowed.contains(&status), "{status:?}: {}", error.message());
    assert!(!error.message().is_empty());
    match text {
        None => assert_eq!(status, Status::BadResponse),
        Some(text) => {
            if let Some((code, gateway_text)) = parse_classic(text.trim()) {
                assert_eq!(status, classify_classic(code, gateway_text).status());
            }
        }
    }
});
