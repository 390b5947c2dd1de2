//! Shared by the targets: the input format and an independent reading of
//! the contract's input rules and of the query a prepared call sends.
#![allow(dead_code)]

/// Fields of an input, separated by 0x1F (unit separator), so that seeds
/// can be written by hand and a message may hold newlines.
pub fn fields(data: &[u8]) -> Vec<String> {
    data.split(|b| *b == 0x1f)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// The field at `i`, or "" past the end.
pub fn field(fields: &[String], i: usize) -> &str {
    fields.get(i).map(String::as_str).unwrap_or("")
}

/// `"\0"` stands for an absent (NULL) optional argument.
pub fn optional(value: &str) -> Option<&str> {
    (value != "\0").then_some(value)
}

/// A number field: decimal text, else its length.
pub fn number(value: &str) -> i64 {
    value.trim().parse().unwrap_or(value.len() as i64)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Country code: optional `+` or `00`, then 1-3 digits not starting with 0.
pub fn country_code(raw: &str) -> Option<String> {
    let digits = if let Some(d) = raw.strip_prefix('+') {
        d
    } else if let Some(d) = raw.strip_prefix("00") {
        d
    } else {
        raw
    };
    (all_digits(digits) && digits.len() <= 3 && !digits.starts_with('0')).then(|| digits.into())
}

/// Mobile: separators dropped, `+CC` / `00CC` of the same country and one
/// trunk 0 removed, 4-14 digits left, at most 15 with the country code.
pub fn mobile(raw: &str, cc: &str) -> Option<String> {
    let cleaned: String = raw.chars().filter(|c| !" -.()".contains(*c)).collect();
    let mut national = cleaned.as_str();
    if let Some(rest) = national.strip_prefix('+') {
        national = rest.strip_prefix(cc)?;
    } else if let Some(rest) = national.strip_prefix("00").and_then(|r| r.strip_prefix(cc)) {
        national = rest;
    }
    let national = national.strip_prefix('0').unwrap_or(national);
    (all_digits(national) && (4..=14).contains(&national.len()) && national.len() + cc.len() <= 15)
        .then(|| national.into())
}

/// Message: holds `%OTP%`, at most 700 characters once each code (6
/// digits) is in; the wire type, 1 (ASCII) or 2 (Unicode).
pub fn message_type(message: &str, kind: i64) -> Option<u8> {
    let placeholders = message.matches("%OTP%").count();
    if placeholders == 0 || message.chars().count() + placeholders > 700 {
        return None;
    }
    match (kind, message.is_ascii()) {
        (0, true) | (1, true) => Some(1),
        (0, false) | (2, _) => Some(2),
        _ => None,
    }
}

/// Sender ID: absent or empty (not sent), else 1-11 ASCII letters and digits.
pub fn sender_id(raw: Option<&str>) -> Option<Option<String>> {
    match raw {
        None | Some("") => Some(None),
        Some(id) if id.len() <= 11 && id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Some(Some(id.into()))
        }
        Some(_) => None,
    }
}

/// The code typed: spaces removed, 4-8 digits.
pub fn code(raw: &str) -> Option<String> {
    let code: String = raw.chars().filter(|c| *c != ' ').collect();
    (all_digits(&code) && (4..=8).contains(&code.len())).then_some(code)
}

pub fn sms_id_ok(id: &str) -> bool {
    all_digits(id) && id.len() <= 20
}

pub fn uuid_ok(uuid: &str) -> bool {
    !uuid.is_empty() && uuid.len() <= 64 && uuid.bytes().all(|b| b.is_ascii_graphic())
}

/// Upper-case percent-encoding of everything but RFC 3986 unreserved
/// characters; with `plus`, a space is `+` (HTML forms).
pub fn encode(value: &str, lower: bool, plus: bool) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if plus && b == b' ' {
            out.push('+');
        } else if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query `k=v&k=v` decoded, after checking that every value is encoded:
/// unreserved characters and upper-case `%XX` only, so no value can start
/// another parameter.
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("every parameter has a =");
            let bytes = value.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if b == b'%' {
                    let hex = value
                        .get(i + 1..i + 3)
                        .expect("a % is followed by two digits");
                    assert!(
                        hex.bytes()
                            .all(|h| h.is_ascii_digit() || (b'A'..=b'F').contains(&h)),
                        "upper-case hex after %: {value:?}"
                    );
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    assert!(
                        b.is_ascii_alphanumeric() || b"-._~".contains(&b),
                        "unencoded byte {b:#04x} in {value:?}"
                    );
                    out.push(b);
                    i += 1;
                }
            }
            (
                key.to_owned(),
                String::from_utf8(out).expect("a value decodes to its UTF-8 text"),
            )
        })
        .collect()
}

/// The expected query parameters, in order, against the decoded query.
pub fn assert_query(query: &str, want: &[(&str, &str)]) {
    let got = decode_query(query);
    let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, want, "query {query:?}");
}
