//! Classification of any text: a `Failed` reply's message against the
//! contract's table (lower-cased, first rule that matches), and a classic
//! `-NNNN = TEXT` reply's code and text.
//!
//! Input: one byte for the call (send, verify, balance), then the text.
#![no_main]

use isms::fuzzing::{classify_classic, classify_failed, parse_classic, Operation, Status};
use libfuzzer_sys::fuzz_target;

fn expected(operation: Operation, message: &str) -> Status {
    let lower = message.to_lowercase();
    let verify = operation == Operation::Verify;
    if message.trim().is_empty() {
        Status::Rejected
    } else if lower.contains("auth") {
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
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&call, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let operation = [Operation::Send, Operation::Verify, Operation::Balance][usize::from(call % 3)];

    let failed = classify_failed(operation, Some(text));
    assert_eq!(failed.status(), expected(operation, text), "{text:?}");
    // The gateway's own message is kept verbatim (up to 1 KiB).
    if !text.trim().is_empty() && text.len() <= 1024 {
        assert!(failed.message().contains(text), "{:?}", failed.message());
    }
    assert_eq!(classify_failed(operation, None).status(), Status::Rejected);

    if let Some((code, gateway_text)) = parse_classic(text) {
        let trimmed = text.trim();
        assert!(trimmed.starts_with('-'), "{text:?}");
        assert!((-999_999..=0).contains(&code), "{code}");
        assert!(trimmed[1..].starts_with(&(-code).to_string()) || trimmed[1..].starts_with('0'));
        assert_eq!(gateway_text, gateway_text.trim());
        assert!(trimmed.ends_with(gateway_text));
        let error = classify_classic(code, gateway_text);
        let want = match code {
            -1001 => Status::Auth,
            -1004 => Status::InsufficientCredit,
            _ => Status::Rejected,
        };
        assert_eq!(error.status(), want);
        assert!(error.message().contains(&code.to_string()));
        assert!(error.message().contains(gateway_text));
    }
});
