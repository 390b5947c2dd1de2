//! Small helpers: randomness, dates, query strings, stdout.

use std::fs::File;
use std::io::{Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// Fills `buf` from the kernel's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) {
    let ok = File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .is_ok();
    if !ok {
        // /dev/urandom always exists on Linux; this is only a last resort.
        let mut x = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15)
            ^ u64::from(std::process::id());
        for b in buf.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
}

/// A uniformly random 6-digit code, leading zeros allowed.
pub fn random_otp() -> String {
    loop {
        let mut b = [0u8; 4];
        random_bytes(&mut b);
        let n = u32::from_le_bytes(b);
        // Reject the top sliver so `n % 1_000_000` is uniform.
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// A random version-4 UUID, lowercase, `8-4-4-4-12`.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    random_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) for a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Today (UTC) plus one year, formatted like the gateway: `29 Apr 2027`.
pub fn default_expiration() -> String {
    let today = (unix_now() / 86_400.0).floor() as i64;
    let (y, m, d) = civil_from_days(today);
    // 29 Feb + 1 year does not exist: normalise through the day count (-> 1 Mar).
    let (y, m, d) = civil_from_days(days_from_civil(y + 1, m, d));
    format_date(y, m, d)
}

/// A date the gateway's way: `05 Dec 2026`.
pub fn format_date(y: i64, m: u32, d: u32) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{d:02} {} {y}", MONTHS[(m as usize).saturating_sub(1) % 12])
}

/// Percent-decodes one query component (`+` meaning space) to bytes; the
/// second value tells whether every `%` began a valid `%XX` escape (a bad
/// escape is kept as it is).
fn decode_bytes(s: &str) -> (Vec<u8>, bool) {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut clean = true;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |c: Option<&u8>| c.and_then(|&c| (c as char).to_digit(16));
                match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => {
                        clean = false;
                        out.push(b'%');
                    }
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    (out, clean)
}

/// Percent-decodes one query component, `+` meaning space, as the gateway
/// does: bad escapes stay as they are, invalid UTF-8 becomes U+FFFD.
pub fn url_decode(s: &str) -> String {
    String::from_utf8_lossy(&decode_bytes(s).0).into_owned()
}

/// A query component that is not well formed: a `%` without two hex digits
/// after it, or bytes that are not UTF-8 once decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEncoding(pub String);

impl std::fmt::Display for BadEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "badly percent-encoded query component: {:?}", self.0)
    }
}

impl std::error::Error for BadEncoding {}

/// The strict form of [`url_decode`]: what a well-behaved client must send.
pub fn try_url_decode(s: &str) -> Result<String, BadEncoding> {
    match decode_bytes(s) {
        (bytes, true) => String::from_utf8(bytes).map_err(|_| BadEncoding(s.to_string())),
        (_, false) => Err(BadEncoding(s.to_string())),
    }
}

/// Decoded `name=value` pairs in order of appearance.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (url_decode(k), url_decode(v)),
            None => (url_decode(p), String::new()),
        })
        .collect()
}

/// The last value given for `name` (PHP semantics).
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// One line to stdout, flushed; a closed stdout is ignored.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2027, 4, 29)), (2027, 4, 29));
        assert_eq!(civil_from_days(days_from_civil(2025, 2, 29)), (2025, 3, 1));
        assert_eq!(format_date(2027, 4, 5), "05 Apr 2027");
    }

    #[test]
    fn decoding() {
        assert_eq!(url_decode("Your+OTP+is+%25OTP%25"), "Your OTP is %OTP%");
        assert_eq!(url_decode("%E4%BD%A0%zz%4"), "你%zz%4");
        assert_eq!(url_decode("a%4"), "a%4");
        assert_eq!(url_decode("%41%"), "A%");
        assert_eq!(
            try_url_decode("s3cr%26t%3Dpa%25ss+word%2B1").unwrap(),
            "s3cr&t=pa%ss word+1"
        );
        assert!(try_url_decode("%zz").is_err());
        assert!(try_url_decode("%4").is_err());
        assert!(try_url_decode("%FF").is_err());
        assert_eq!(url_decode("%FF"), "\u{fffd}");
        let p = parse_query("a=1&b=&c&a=2");
        assert_eq!(param(&p, "a"), Some("2"));
        assert_eq!(param(&p, "b"), Some(""));
        assert_eq!(param(&p, "c"), Some(""));
        assert_eq!(param(&p, "d"), None);
    }

    #[test]
    fn randoms_have_the_right_shape() {
        let otp = random_otp();
        assert!(otp.len() == 6 && otp.bytes().all(|c| c.is_ascii_digit()));
        let u = random_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
