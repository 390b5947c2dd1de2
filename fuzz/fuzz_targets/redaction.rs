//! Redaction: a text in which a password appears, in the forms it can take
//! in an echoed request, is shown with no copy of it left. The forms are
//! built here, not by the library: plain, percent-encoded with upper-case
//! hex, and form-encoded (space as `+`). What is checked is every stretch of
//! the output between two `[redacted]` marks, so a password that happens to
//! be part of the mark itself does not count. Forms also include
//! lower-case hex.
//!
//! Input: the password, then text pieces, separated by 0x1F; the first byte
//! of each piece picks the form of the password that follows it.
#![no_main]

use isms::fuzzing::redact;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const MARK: &str = "[redacted]";

fuzz_target!(|data: &[u8]| {
    let f = common::fields(data);
    let Some((secret, pieces)) = f.split_first() else {
        return;
    };
    if secret.is_empty() {
        return;
    }
    let forms = [
        secret.clone(),
        common::encode(secret, false, false),
        common::encode(secret, false, true),
        common::encode(secret, true, false),
    ];
    let mut text = String::new();
    for piece in pieces {
        let pick = piece.bytes().next().unwrap_or(0);
        text.push_str(piece);
        if pick & 0x80 == 0 {
            text.push_str(&forms[usize::from(pick) % forms.len()]);
        }
    }
    let shown = redact(&text, secret);
    for stretch in shown.split(MARK) {
        for form in &forms {
            assert!(
                !stretch.contains(form.as_str()),
                "{form:?} left in {stretch:?} (text {text:?}, shown {shown:?})"
            );
        }
    }
    // Nothing else is touched: a text with no escape in it (`%`, `&`, `\`,
    // `+` start the encoded forms the library decodes) that shares no piece
    // of a few bytes with the password (partial echoes and cut-off tails are
    // redacted too) comes back as it was.
    let piece = secret.len().div_ceil(2).clamp(1, 4);
    let escapes = text.contains(['%', '&', '\\', '+']);
    let shares_a_piece = secret
        .as_bytes()
        .windows(piece)
        .any(|w| text.as_bytes().windows(w.len()).any(|t| t == w));
    if !escapes && !shares_a_piece {
        assert_eq!(shown, text);
    }
});
