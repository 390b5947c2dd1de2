//! Input normalization and validation, and the query strings sent to the
//! gateway. Pure functions: nothing here touches the network, so every rule
//! is checked before a byte is sent.

use zeroize::Zeroizing;

use crate::error::Error;

/// Longest message the gateway accepts, in Unicode code points, once the
/// six-digit code has replaced `%OTP%`.
pub const MAX_MESSAGE_CHARS: usize = 700;
/// The placeholder the gateway replaces with the code it generates.
pub const OTP_PLACEHOLDER: &str = "%OTP%";
/// Longest OTP validity the library lets through, in minutes (one day).
pub const MAX_INTERVAL_MINUTES: u32 = 1440;
/// E.164: country code plus national number.
const MAX_E164_DIGITS: usize = 15;

/// How the gateway should encode the SMS (`type` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MessageType {
    /// ASCII when every character is ASCII, Unicode otherwise.
    #[default]
    Auto = 0,
    /// Type 1: ASCII (English, Malay); about 153 characters per credit.
    Ascii = 1,
    /// Type 2: Unicode (Chinese, Tamil, Arabic ...); about 63 characters per credit.
    Unicode = 2,
}

impl MessageType {
    /// The type with this numeric value (the C API passes an integer).
    pub fn from_code(code: i32) -> Option<MessageType> {
        match code {
            0 => Some(MessageType::Auto),
            1 => Some(MessageType::Ascii),
            2 => Some(MessageType::Unicode),
            _ => None,
        }
    }
}

/// The arguments of a send: where to, and the message template.
#[derive(Debug, Clone, Copy)]
pub struct SendOtp<'a> {
    pub mobile: &'a str,
    pub country_code: &'a str,
    /// Must contain `%OTP%`, which the gateway replaces with the code.
    pub message: &'a str,
    pub message_type: MessageType,
    /// `None` or `""`: no sender ID.
    pub sender_id: Option<&'a str>,
}

/// The arguments of a verify: the same destination, the code the user typed,
/// and the identifiers the send returned.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOtp<'a> {
    pub mobile: &'a str,
    pub country_code: &'a str,
    pub code: &'a str,
    pub sms_id: &'a str,
    pub uuid: &'a str,
    /// Minutes after which the code expires; 0 = not sent (no expiry).
    pub interval_minutes: u32,
    /// `None` or `""`: no sender ID.
    pub sender_id: Option<&'a str>,
}

/// A destination after normalization: what is sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub country_code: String,
    pub mobile: String,
}

impl Destination {
    /// `+` country code and mobile, e.g. `+60123456789`: how the guard
    /// keys a number.
    pub fn number(&self) -> String {
        format!("+{}{}", self.country_code, self.mobile)
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `+60`, `0060` or `60` -> `60`: one to three digits, not starting with 0.
pub fn normalize_country_code(raw: &str) -> Result<String, Error> {
    let digits = raw
        .strip_prefix('+')
        .or_else(|| raw.strip_prefix("00"))
        .unwrap_or(raw);
    if !all_digits(digits) || digits.len() > 3 || digits.starts_with('0') {
        return Err(Error::invalid(
            "country_code: expected 1 to 3 digits not starting with 0, optionally after + or 00",
        ));
    }
    Ok(digits.to_owned())
}

/// Removes separators, a leading `+CC`/`00CC` equal to the country code and
/// one trunk `0`; what remains must be 4 to 14 digits and, with the country
/// code, at most 15 (E.164).
pub fn normalize_mobile(raw: &str, country_code: &str) -> Result<String, Error> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let international = cleaned
        .strip_prefix('+')
        .and_then(|rest| rest.strip_prefix(country_code))
        .or_else(|| {
            cleaned
                .strip_prefix("00")
                .and_then(|rest| rest.strip_prefix(country_code))
        });
    let national = international.unwrap_or(&cleaned);
    let national = national.strip_prefix('0').unwrap_or(national);
    if !all_digits(national) {
        return Err(Error::invalid(if cleaned.starts_with('+') {
            "mobile: a leading + must be followed by the same country code as country_code"
        } else {
            "mobile: only digits, spaces and - . ( ) are allowed"
        }));
    }
    if !(4..=14).contains(&national.len()) {
        return Err(Error::invalid(
            "mobile: expected 4 to 14 digits after removing the country code and trunk 0",
        ));
    }
    if national.len() + country_code.len() > MAX_E164_DIGITS {
        return Err(Error::invalid(
            "mobile: country code and number together exceed 15 digits (E.164)",
        ));
    }
    Ok(national.to_owned())
}

/// Normalizes a country code and a mobile number together.
pub fn normalize_destination(mobile: &str, country_code: &str) -> Result<Destination, Error> {
    let country_code = normalize_country_code(country_code)?;
    let mobile = normalize_mobile(mobile, &country_code)?;
    Ok(Destination {
        country_code,
        mobile,
    })
}

/// Checks the template and resolves `Auto`; returns the wire type (1 or 2).
pub fn check_message(message: &str, message_type: MessageType) -> Result<u8, Error> {
    let placeholders = message.matches(OTP_PLACEHOLDER).count();
    if placeholders == 0 {
        return Err(Error::invalid(
            "message: must contain %OTP%, which the gateway replaces with the code",
        ));
    }
    // Each 5-character placeholder becomes a 6-digit code.
    let length = message.chars().count() + placeholders;
    if length > MAX_MESSAGE_CHARS {
        return Err(Error::invalid(format!(
            "message: {length} characters once the code is in, more than the gateway's {MAX_MESSAGE_CHARS}"
        )));
    }
    let ascii = message.is_ascii();
    match message_type {
        MessageType::Auto if ascii => Ok(1),
        MessageType::Auto | MessageType::Unicode => Ok(2),
        MessageType::Ascii if ascii => Ok(1),
        MessageType::Ascii => Err(Error::invalid(
            "message: type ASCII was asked for but the message has non-ASCII characters (use AUTO or UNICODE)",
        )),
    }
}

/// `None` for an absent or empty sender ID; else 1 to 11 ASCII letters and digits.
pub fn check_sender_id(sender_id: Option<&str>) -> Result<Option<&str>, Error> {
    match sender_id {
        None | Some("") => Ok(None),
        Some(id) if id.len() <= 11 && id.bytes().all(|b| b.is_ascii_alphanumeric()) => Ok(Some(id)),
        Some(_) => Err(Error::invalid(
            "sender_id: expected 1 to 11 ASCII letters and digits",
        )),
    }
}

/// The code the user typed, spaces removed: 4 to 8 digits.
pub fn normalize_code(raw: &str) -> Result<String, Error> {
    let code: String = raw.chars().filter(|c| *c != ' ').collect();
    if !all_digits(&code) || !(4..=8).contains(&code.len()) {
        return Err(Error::invalid("code: expected 4 to 8 digits"));
    }
    Ok(code)
}

/// 1 to 20 digits, as the send returned it.
pub fn check_sms_id(sms_id: &str) -> Result<(), Error> {
    if !all_digits(sms_id) || sms_id.len() > 20 {
        return Err(Error::invalid("sms_id: expected 1 to 20 digits"));
    }
    Ok(())
}

/// 1 to 64 printable ASCII characters without spaces.
pub fn check_uuid(uuid: &str) -> Result<(), Error> {
    if uuid.is_empty() || uuid.len() > 64 || !uuid.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "uuid: expected 1 to 64 printable ASCII characters without spaces",
        ));
    }
    Ok(())
}

/// 0 (not sent) or 1 to 1440 minutes.
pub fn check_interval(minutes: u32) -> Result<Option<u32>, Error> {
    match minutes {
        0 => Ok(None),
        1..=MAX_INTERVAL_MINUTES => Ok(Some(minutes)),
        _ => Err(Error::invalid(
            "interval_minutes: expected 0 (not sent) or 1 to 1440",
        )),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so `%OTP%`
/// travels as `%25OTP%25` and `&` or `=` can never start a parameter.
pub fn percent_encode(value: &str) -> String {
    encode(value, false)
}

/// Percent-encoding with the space as `+`, as HTML forms (and PHP's
/// `http_build_query`) send it. Both forms are allocated once at their
/// final size, so no partial copy of a secret is freed along the way.
fn encode(value: &str, space_as_plus: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if space_as_plus && b == b' ' {
            out.push('+');
        } else if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
    }
    out
}

/// What replaces a redacted run of text.
pub const REDACTED: &str = "[redacted]";
/// A text that ends with at least this many bytes of the start of a secret
/// (or half the secret, rounded up, when that is fewer) has that tail redacted:
/// an echo cut off by the gateway or by our own length limit.
pub const MIN_REDACTED_TAIL: usize = 4;
/// Anywhere in a text, a run of at least this many consecutive bytes of a
/// secret (in any of the forms below) is redacted.
pub const MIN_REDACTED_RUN: usize = 8;

/// One piece of text read at a position: the bytes it stands for and how
/// many bytes of text it takes.
#[derive(Clone, Copy)]
struct Unit {
    bytes: [u8; 4],
    count: usize,
    width: usize,
}

impl Unit {
    fn byte(b: u8, width: usize) -> Unit {
        Unit {
            bytes: [b, 0, 0, 0],
            count: 1,
            width,
        }
    }

    fn char(c: char, width: usize) -> Unit {
        let mut bytes = [0; 4];
        let count = c.encode_utf8(&mut bytes).len();
        Unit {
            bytes,
            count,
            width,
        }
    }

    fn decoded(&self) -> &[u8] {
        &self.bytes[..self.count]
    }
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#39;`, `&#x27;` (any number).
fn html_entity(rest: &[u8]) -> Option<Unit> {
    let end = rest.iter().take(12).position(|&b| b == b';')?;
    let name = &rest[1..end];
    let c = match name {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        [b'#', b'x' | b'X', hex @ ..] => char::from_u32(hex_value(hex)?)?,
        [b'#', dec @ ..] if !dec.is_empty() && dec.iter().all(u8::is_ascii_digit) => {
            char::from_u32(std::str::from_utf8(dec).ok()?.parse().ok()?)?
        }
        _ => return None,
    };
    Some(Unit::char(c, end + 1))
}

/// `\"`, `\\`, `\/`, `\n` ... and `\u0026` (surrogate pairs included).
fn json_escape(rest: &[u8]) -> Option<Unit> {
    let c = match *rest.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let high = hex_value(rest.get(2..6)?)?;
            if (0xD800..0xDC00).contains(&high) {
                if rest.get(6..8)? != b"\\u" {
                    return None;
                }
                let low = hex_value(rest.get(8..12)?)?;
                if !(0xDC00..0xE000).contains(&low) {
                    return None;
                }
                let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?;
                return Some(Unit::char(c, 12));
            }
            return Some(Unit::char(char::from_u32(high)?, 6));
        }
        _ => return None,
    };
    Some(Unit::char(c, 2))
}

/// The ways the text at `pos` can be read: always the byte itself, and at
/// most one decoding (`+` as a space, `%XX` in either case, an HTML entity,
/// a JSON escape).
fn readings(text: &[u8], pos: usize) -> (Unit, Option<Unit>) {
    let rest = &text[pos..];
    let decoded = match rest[0] {
        b'+' => Some(Unit::byte(b' ', 1)),
        b'%' => rest
            .get(1..3)
            .and_then(hex_value)
            .and_then(|v| u8::try_from(v).ok())
            .map(|b| Unit::byte(b, 3)),
        b'&' => html_entity(rest),
        b'\\' => json_escape(rest),
        _ => None,
    };
    (Unit::byte(rest[0], 1), decoded)
}

/// The start of an escape cut off by the end of the text (`%2`, `&am`, `\u00`).
fn cut_escape(rest: &[u8]) -> bool {
    matches!(rest.first(), Some(b'%' | b'&' | b'\\'))
        && rest.len() < 12
        && rest[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'#' | b'\\'))
}

/// Matches `secret[from..]` against `text[start..]`, every form at once.
/// Returns the end of the text to redact, if any.
fn match_at(
    text: &[u8],
    start: usize,
    secret: &[u8],
    from: usize,
    min_tail: usize,
) -> Option<usize> {
    // Each state is (position in text, bytes of the secret matched so far).
    let mut states = vec![(start, from)];
    let mut full_end = None;
    let mut longest = (0, start);
    let mut tail = false;
    while !states.is_empty() {
        let mut next = Vec::new();
        for (pos, done) in states {
            if done == secret.len() {
                full_end = full_end.max(Some(pos));
                continue;
            }
            if done - from > longest.0 {
                longest = (done - from, pos);
            }
            let at_end = pos == text.len();
            // A cut-off escape stands for (at least) one more byte of the secret.
            let reached = if at_end {
                Some(done)
            } else {
                cut_escape(&text[pos..]).then_some(done + 1)
            };
            if from == 0 && reached.is_some_and(|n| n >= min_tail) {
                tail = true;
            }
            if at_end {
                continue;
            }
            let (plain, decoded) = readings(text, pos);
            for unit in std::iter::once(plain).chain(decoded) {
                if secret[done..].starts_with(unit.decoded()) {
                    let state = (pos + unit.width, done + unit.count);
                    if !next.contains(&state) {
                        next.push(state);
                    }
                }
            }
        }
        states = next;
    }
    if full_end.is_some() {
        full_end
    } else if tail {
        Some(text.len())
    } else if longest.0 >= MIN_REDACTED_RUN {
        Some(longest.1)
    } else {
        None
    }
}

/// Marks in `mask` the bytes of `text` that show `secret` in any form.
fn mark_secret(text: &[u8], secret: &str, mask: &mut [bool]) {
    let secret = secret.as_bytes();
    let min_tail = MIN_REDACTED_TAIL.min(secret.len().div_ceil(2)).max(1);
    let starts: Vec<usize> = (0..secret.len())
        .filter(|&j| j == 0 || (secret.len() - j >= MIN_REDACTED_RUN && (secret[j] & 0xC0) != 0x80))
        .collect();
    for start in 0..text.len() {
        if (text[start] & 0xC0) == 0x80 {
            continue;
        }
        let (plain, decoded) = readings(text, start);
        for &from in &starts {
            let first = secret[from];
            if plain.bytes[0] != first && decoded.is_none_or(|u| u.bytes[0] != first) {
                continue;
            }
            if let Some(end) = match_at(text, start, secret, from, min_tail) {
                mask[start..end].iter_mut().for_each(|m| *m = true);
            }
        }
    }
}

/// Removes from `text` every form of each secret: plain, percent-encoded
/// (upper- or lower-case hex, `+` or `%20` for a space), HTML-escaped
/// (`&amp;` `&lt;` `&gt;` `&quot;` `&#39;` `&#x27;` and other character
/// references), JSON-escaped (`\"`, `\\`, `\u0026` ...), and any mix of
/// these. A secret is looked for as bytes of its UTF-8 form, decoded from
/// the text piece by piece, so every mix of escaped and plain characters is
/// found without building the encoded forms. Also redacted: a text that ends
/// with the start of a secret (at least [`MIN_REDACTED_TAIL`] bytes, or half
/// the secret when that is fewer) and, anywhere, a run of at least
/// [`MIN_REDACTED_RUN`] consecutive bytes of a secret. Each redacted run
/// becomes [`REDACTED`].
pub fn redact_secrets(text: &str, secrets: &[&str]) -> String {
    let bytes = text.as_bytes();
    let mut mask = vec![false; bytes.len()];
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        mark_secret(bytes, secret, &mut mask);
    }
    // Whole characters only.
    for i in 1..bytes.len() {
        if mask[i - 1] && (bytes[i] & 0xC0) == 0x80 {
            mask[i] = true;
        }
    }
    for i in (0..bytes.len().saturating_sub(1)).rev() {
        if mask[i + 1] && (bytes[i + 1] & 0xC0) == 0x80 {
            mask[i] = true;
        }
    }
    // Allocated once at its final size: a growing String would free copies unzeroed.
    let runs = (0..bytes.len())
        .filter(|&i| mask[i] && (i == 0 || !mask[i - 1]))
        .count();
    let kept = mask.iter().filter(|m| !**m).count();
    let mut out = String::with_capacity(kept + runs * REDACTED.len());
    let mut i = 0;
    while i < bytes.len() {
        let end = (i..bytes.len())
            .find(|&k| mask[k] != mask[i])
            .unwrap_or(bytes.len());
        if mask[i] {
            out.push_str(REDACTED);
        } else {
            out.push_str(&text[i..end]);
        }
        i = end;
    }
    out
}

/// [`redact_secrets`] with one secret.
#[cfg(test)]
pub fn redact(text: &str, secret: &str) -> String {
    redact_secrets(text, &[secret])
}

/// Builds `k=v&k=v`, every value percent-encoded. The result holds the
/// password, so it is zeroed when dropped; it is allocated once at its final
/// size, since a growing String would free copies of the password unzeroed.
fn encode_query(pairs: &[(&str, &str)]) -> Zeroizing<String> {
    let encoded: Vec<Zeroizing<String>> = pairs
        .iter()
        .map(|(_, value)| Zeroizing::new(percent_encode(value)))
        .collect();
    let size = pairs
        .iter()
        .zip(&encoded)
        .map(|((key, _), value)| key.len() + 1 + value.len() + 1)
        .sum();
    let mut query = Zeroizing::new(String::with_capacity(size));
    for (i, ((key, _), value)) in pairs.iter().zip(&encoded).enumerate() {
        if i > 0 {
            query.push('&');
        }
        query.push_str(key);
        query.push('=');
        query.push_str(value);
    }
    query
}

/// `endpoint?query`, allocated once at its final size and zeroed when dropped.
pub fn request_url(endpoint: &str, query: &str) -> Zeroizing<String> {
    let mut url = Zeroizing::new(String::with_capacity(endpoint.len() + 1 + query.len()));
    url.push_str(endpoint);
    url.push('?');
    url.push_str(query);
    url
}

/// Validates a send and builds its query (parameters in the order of the
/// gateway's documentation).
pub fn prepare_send(
    username: &str,
    password: &str,
    args: &SendOtp,
) -> Result<(Destination, Zeroizing<String>), Error> {
    let destination = normalize_destination(args.mobile, args.country_code)?;
    let wire_type = check_message(args.message, args.message_type)?;
    let sender_id = check_sender_id(args.sender_id)?;
    let wire_type = wire_type.to_string();
    let mut pairs = vec![
        ("un", username),
        ("pass", password),
        ("mobile", destination.mobile.as_str()),
        ("country_code", destination.country_code.as_str()),
        ("message", args.message),
        ("type", wire_type.as_str()),
    ];
    if let Some(id) = sender_id {
        pairs.push(("sendid", id));
    }
    let query = encode_query(&pairs);
    Ok((destination, query))
}

/// Validates a verify and builds its query.
pub fn prepare_verify(
    username: &str,
    password: &str,
    args: &VerifyOtp,
) -> Result<(Destination, Zeroizing<String>), Error> {
    let destination = normalize_destination(args.mobile, args.country_code)?;
    let code = Zeroizing::new(normalize_code(args.code)?);
    check_sms_id(args.sms_id)?;
    check_uuid(args.uuid)?;
    let interval = check_interval(args.interval_minutes)?.map(|m| m.to_string());
    let sender_id = check_sender_id(args.sender_id)?;
    let mut pairs = vec![
        ("un", username),
        ("pass", password),
        ("mobile", destination.mobile.as_str()),
        ("country_code", destination.country_code.as_str()),
        ("method", "verify"),
        ("code", code.as_str()),
        ("sms_id", args.sms_id),
        ("uuid", args.uuid),
    ];
    if let Some(minutes) = interval.as_deref() {
        pairs.push(("interval", minutes));
    }
    if let Some(id) = sender_id {
        pairs.push(("sendid", id));
    }
    let query = encode_query(&pairs);
    Ok((destination, query))
}

/// The balance query.
pub fn prepare_balance(username: &str, password: &str) -> Zeroizing<String> {
    encode_query(&[("un", username), ("pass", password), ("method", "balance")])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Status;

    fn refused<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
        matches!(r, Err(e) if e.status() == Status::InvalidArgument)
    }

    #[test]
    fn country_codes() {
        let ok = [
            ("60", "60"),
            ("+60", "60"),
            ("0060", "60"),
            ("1", "1"),
            ("880", "880"),
            ("+1", "1"),
        ];
        for (raw, want) in ok {
            assert_eq!(normalize_country_code(raw).unwrap(), want, "{raw}");
        }
        for raw in [
            "", "+", "00", "0", "060", "+060", "1234", "6a", " 60", "60 ", "++60", "-60", "٦٠",
        ] {
            assert!(
                refused(normalize_country_code(raw)),
                "{raw:?} should be refused"
            );
        }
    }

    #[test]
    fn mobiles() {
        let ok = [
            ("123456789", "60", "123456789"),
            ("0123456789", "60", "123456789"),
            ("012-345 6789", "60", "123456789"),
            ("(012) 345.6789", "60", "123456789"),
            ("+60123456789", "60", "123456789"),
            ("+60 12-345 6789", "60", "123456789"),
            ("0060123456789", "60", "123456789"),
            ("+600123456789", "60", "123456789"),
            ("1234", "60", "1234"),
            ("01234", "60", "1234"),
            ("12345678901234", "1", "12345678901234"),
            ("123456789012", "880", "123456789012"),
            ("+6512345678", "65", "12345678"),
        ];
        for (raw, cc, want) in ok {
            assert_eq!(normalize_mobile(raw, cc).unwrap(), want, "{raw} / {cc}");
        }
        let bad = [
            ("", "60"),
            ("123", "60"),
            ("0123", "60"),           // trunk 0 removed: 3 digits left
            ("123456789012345", "1"), // 15 digits
            ("1234567890123", "880"), // 3 + 13 = 16 > 15
            ("+65123456789", "60"),   // a different country code
            ("+123456789", "60"),
            ("12345x789", "60"),
            ("12345/6789", "60"),
            ("+", "60"),
            ("١٢٣٤٥٦٧٨٩", "60"), // non-ASCII digits
        ];
        for (raw, cc) in bad {
            assert!(
                refused(normalize_mobile(raw, cc)),
                "{raw:?} / {cc} should be refused"
            );
        }
    }

    #[test]
    fn messages_and_types() {
        assert_eq!(check_message("Code %OTP%", MessageType::Auto).unwrap(), 1);
        assert_eq!(
            check_message("Kod %OTP% 验证码", MessageType::Auto).unwrap(),
            2
        );
        assert_eq!(
            check_message("Code %OTP%", MessageType::Unicode).unwrap(),
            2
        );
        assert_eq!(check_message("Code %OTP%", MessageType::Ascii).unwrap(), 1);
        assert!(refused(check_message("验证码 %OTP%", MessageType::Ascii)));
        assert!(refused(check_message("no placeholder", MessageType::Auto)));
        assert!(refused(check_message("%otp%", MessageType::Auto)));
        assert!(refused(check_message("", MessageType::Auto)));
        // 695 + 5 = 700 characters, 701 once the code is in.
        let at_limit = format!("{}%OTP%", "a".repeat(694));
        assert_eq!(at_limit.chars().count() + 1, 700);
        assert!(check_message(&at_limit, MessageType::Auto).is_ok());
        let over = format!("{}%OTP%", "a".repeat(695));
        assert!(refused(check_message(&over, MessageType::Auto)));
        // Counted in code points, not bytes.
        let wide = format!("{}%OTP%", "验".repeat(694));
        assert!(check_message(&wide, MessageType::Auto).is_ok());
        let two = format!("{}%OTP%%OTP%", "a".repeat(688));
        assert!(check_message(&two, MessageType::Auto).is_ok());
        let two_over = format!("{}%OTP%%OTP%", "a".repeat(689));
        assert!(refused(check_message(&two_over, MessageType::Auto)));
        assert_eq!(MessageType::from_code(3), None);
        assert_eq!(MessageType::from_code(-1), None);
        assert_eq!(MessageType::from_code(2), Some(MessageType::Unicode));
    }

    #[test]
    fn sender_ids() {
        assert_eq!(check_sender_id(None).unwrap(), None);
        assert_eq!(check_sender_id(Some("")).unwrap(), None);
        assert_eq!(check_sender_id(Some("MyApp")).unwrap(), Some("MyApp"));
        assert_eq!(
            check_sender_id(Some("A1234567890")).unwrap(),
            Some("A1234567890")
        );
        for bad in ["A12345678901", "My App", "My-App", "Café", "a&b"] {
            assert!(refused(check_sender_id(Some(bad))), "{bad}");
        }
    }

    #[test]
    fn codes_ids_intervals() {
        assert_eq!(normalize_code("123 456").unwrap(), "123456");
        assert_eq!(normalize_code("1234").unwrap(), "1234");
        assert_eq!(normalize_code("12345678").unwrap(), "12345678");
        for bad in ["123", "123456789", "12a456", "", "   ", "12-34", "１２３４"] {
            assert!(refused(normalize_code(bad)), "{bad:?}");
        }
        assert!(check_sms_id("1").is_ok());
        assert!(check_sms_id(&"9".repeat(20)).is_ok());
        for bad in ["", "12a", &"9".repeat(21), " 1"] {
            assert!(refused(check_sms_id(bad)), "{bad:?}");
        }
        assert!(check_uuid("bd9a1ff0-4f2c-11eb-9b62-008cfaff44de").is_ok());
        assert!(check_uuid(&"x".repeat(64)).is_ok());
        for bad in ["", "a b", &"x".repeat(65), "é", "a\tb"] {
            assert!(refused(check_uuid(bad)), "{bad:?}");
        }
        assert_eq!(check_interval(0).unwrap(), None);
        assert_eq!(check_interval(1).unwrap(), Some(1));
        assert_eq!(check_interval(1440).unwrap(), Some(1440));
        assert!(refused(check_interval(1441)));
        assert!(refused(check_interval(u32::MAX)));
    }

    #[test]
    fn encoding() {
        assert_eq!(percent_encode("%OTP%"), "%25OTP%25");
        assert_eq!(percent_encode("a b&c=d+e"), "a%20b%26c%3Dd%2Be");
        assert_eq!(percent_encode("Az09-._~"), "Az09-._~");
        assert_eq!(percent_encode("验"), "%E9%AA%8C");
    }

    #[test]
    fn send_query_is_encoded_in_documented_order() {
        let prepared = prepare_send(
            "user",
            "p&ss=x y",
            &SendOtp {
                mobile: "012-345 6789",
                country_code: "+60",
                message: "Your code is %OTP%",
                message_type: MessageType::Auto,
                sender_id: Some("MyApp"),
            },
        )
        .unwrap();
        assert_eq!(
            prepared.1.as_str(),
            "un=user&pass=p%26ss%3Dx%20y&mobile=123456789&country_code=60\
             &message=Your%20code%20is%20%25OTP%25&type=1&sendid=MyApp"
        );
    }

    #[test]
    fn verify_query_has_optional_parameters_only_when_given() {
        let args = VerifyOtp {
            mobile: "0123456789",
            country_code: "60",
            code: "123 456",
            sms_id: "1171081605",
            uuid: "1a1e1b86-4f2d",
            interval_minutes: 0,
            sender_id: None,
        };
        assert_eq!(
            prepare_verify("u", "p", &args).unwrap().1.as_str(),
            "un=u&pass=p&mobile=123456789&country_code=60&method=verify&code=123456\
             &sms_id=1171081605&uuid=1a1e1b86-4f2d"
        );
        let args = VerifyOtp {
            interval_minutes: 3,
            sender_id: Some("MyApp"),
            ..args
        };
        assert!(prepare_verify("u", "p", &args)
            .unwrap()
            .1
            .ends_with("&interval=3&sendid=MyApp"));
        assert_eq!(
            prepare_balance("u", "p w").as_str(),
            "un=u&pass=p%20w&method=balance"
        );
    }

    #[test]
    fn redaction_covers_encoded_forms() {
        assert_eq!(redact("x p w y", "p w"), "x [redacted] y");
        assert_eq!(redact("q=p%20w&", "p w"), "q=[redacted]&");
        assert_eq!(redact("q=p+w&", "p w"), "q=[redacted]&");
        assert_eq!(redact("nothing", ""), "nothing");
        let secret = "s3cr&t=pa%ss word+1\"q'<>\\";
        let forms = [
            secret.to_owned(),
            percent_encode(secret),
            percent_encode(secret).to_lowercase(),
            encode(secret, true),
            encode(secret, true).to_lowercase(),
            // HTML-escaped, with both spellings of the apostrophe.
            "s3cr&amp;t=pa%ss word+1&quot;q&#39;&lt;&gt;\\".to_owned(),
            "s3cr&amp;t=pa%ss word+1&quot;q&#x27;&lt;&gt;\\".to_owned(),
            // JSON-escaped: plainly, and with PHP's JSON_HEX_* flags.
            "s3cr&t=pa%ss word+1\\\"q'<>\\\\".to_owned(),
            "s3cr\\u0026t=pa%ss word+1\\u0022q\\u0027\\u003C\\u003e\\\\".to_owned(),
        ];
        for form in &forms {
            let text = format!("before {form} after");
            assert_eq!(redact(&text, secret), "before [redacted] after", "{form}");
        }
    }

    #[test]
    fn redaction_covers_a_cut_off_tail_and_long_runs() {
        let secret = "Zq9&Secret=Pw 7%x";
        // The text ends with the start of the secret, in any form.
        for tail in [
            "Zq9&",
            "Zq9%26Sec",
            "Zq9&amp;Se",
            "Zq9%2",
            "Zq9&am",
            "Zq9\\u00",
        ] {
            let text = format!("echo: pass={tail}");
            assert_eq!(redact(&text, secret), "echo: pass=[redacted]", "{tail}");
        }
        // Three bytes at the very end are not enough; nor is a prefix that is not at the end.
        assert_eq!(redact("the Zq9", secret), "the Zq9");
        assert_eq!(redact("Zq9& more", secret), "Zq9& more");
        // Eight consecutive bytes anywhere are redacted, at the start or in the middle.
        assert_eq!(redact("x ecret=Pw, y", secret), "x [redacted], y");
        assert_eq!(redact("x Zq9%26Secr y", secret), "x [redacted] y");
        assert_eq!(redact("x ecret= y", secret), "x ecret= y");
        // A short secret: half of it (rounded up) at the end.
        assert_eq!(redact("abc xy", "xyz"), "abc [redacted]");
        assert_eq!(redact("abc x", "xyz"), "abc x");
        assert_eq!(redact("a x b", "xyz"), "a x b");
    }

    #[test]
    fn redaction_takes_several_secrets_and_keeps_characters_whole() {
        assert_eq!(
            redact_secrets(
                "user:hunter22@proxy and pw-0000",
                &["hunter22", "pw-0000", ""]
            ),
            "user:[redacted]@proxy and [redacted]"
        );
        // Multi-byte characters, plain and percent-encoded, are never split.
        let secret = "验证码-secret";
        assert_eq!(redact("a 验证码-secret b", secret), "a [redacted] b");
        assert_eq!(
            redact("a %E9%AA%8C%e8%af%81码-secret b", secret),
            "a [redacted] b"
        );
        assert_eq!(redact("end 验证", secret), "end [redacted]");
        let long = "é".repeat(2000);
        assert_eq!(redact(&long, secret), long);
    }
}
