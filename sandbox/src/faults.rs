//! Fault modes selected by `/fault/<mode>/2FA/request.php`.

use std::thread::sleep;
use std::time::Duration;

use crate::gateway::{format_mobile, Gateway, Reply};
use crate::http::{json_response, response, send, text_response, Conn};
use crate::util::{random_otp, random_uuid};

/// Size of the `oversize` bodies.
pub const OVERSIZE: usize = 2 * 1024 * 1024;

const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n<body><h1>Service Temporarily Unavailable</h1>\n<p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p>\n<hr><address>Apache Server at www.isms.com.my Port 443</address></body></html>\n";

/// The classic iSMS text error for a code (without the minus sign).
pub fn classic_text(code: u32) -> &'static str {
    match code {
        1001 => "AUTHENTICATION FAILED",
        1002 => "ACCOUNT SUSPENDED / EXPIRED",
        1003 => "IP NOT ALLOWED",
        1004 => "INSUFFICIENT CREDITS",
        1005 => "INVALID SMS TYPE",
        1006 => "INVALID BODY LENGTH",
        1008 => "MISSING PARAMETER",
        1009 => "INVALID DESTINATION NUMBER",
        1012 => "MESSAGE CONTAINS UNICODE",
        1013 => "TERMS NOT AGREED",
        _ => "UNKNOWN ERROR",
    }
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `7b7d` -> `{}`: lower- or upper-case hex, an even number of digits.
fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Applies a fault after the request was read and recorded. Returns whether the
/// connection may serve further requests.
pub fn apply(
    mode: &str,
    conn: &mut dyn Conn,
    sb: &Gateway,
    tag: Option<&str>,
    query: &str,
    close: bool,
) -> bool {
    let normal = |sb: &Gateway| json_response(200, &sb.gateway(query, tag).to_json(), close);
    let out = match mode {
        "http500" => text_response(500, "Internal Server Error", close),
        "http503" => text_response(503, "Service Unavailable", close),
        "http404" => text_response(404, "Not Found", close),
        "html" => response(
            200,
            "text/html; charset=UTF-8",
            &[],
            HTML_PAGE.as_bytes(),
            close,
        ),
        "empty" => response(200, "application/json", &[], b"", close),
        "reset" => {
            conn.arm_reset();
            return false;
        }
        "close" => {
            conn.close_clean();
            return false;
        }
        "oversize" => return oversize(conn, false, close),
        "oversize-chunked" => return oversize(conn, true, close),
        "truncated" => {
            let full = Reply::default()
                .with("status", "Success")
                .with("code", random_otp())
                .with("uuid", random_uuid())
                .with("username", sb.cfg.username.as_str())
                .with("sms_id", "1171081025")
                .with("mobile", format_mobile("60", "123456789"))
                .to_json();
            let half = &full.as_bytes()[..full.len() / 2];
            response(200, "application/json", &[], half, close)
        }
        "redirect" => {
            let mut location = format!("https://127.0.0.1:{}/2FA/request.php", sb.ports.https);
            if !query.is_empty() {
                location = format!("{location}?{query}");
            }
            response(
                302,
                "text/plain",
                &[("Location", &location)],
                b"Found",
                close,
            )
        }
        "no-uuid" => {
            let mut r = sb.gateway(query, tag);
            if r.get("status").and_then(|s| s.as_str()) == Some("Success") {
                r.remove("uuid");
                r.remove("sms_id");
            }
            json_response(200, &r.to_json(), close)
        }
        _ => {
            if let Some(ms) = mode.strip_prefix("slow-").and_then(number) {
                sleep(Duration::from_millis(ms));
                normal(sb)
            } else if let Some(ms) = mode.strip_prefix("trickle-").and_then(number) {
                return trickle(conn, &normal(sb), Duration::from_millis(ms));
            } else if let Some(code) = mode.strip_prefix("classic-").and_then(number) {
                let code = u32::try_from(code).unwrap_or(0);
                let body = format!("-{code} = {}", classic_text(code));
                text_response(200, &body, close)
            } else if let Some(body) = mode.strip_prefix("body-").and_then(unhex) {
                response(200, "application/json", &[], &body, close)
            } else if let Some(word) = mode.strip_prefix("failed-").filter(|w| !w.is_empty()) {
                let r = Reply::default()
                    .with("status", "Failed")
                    .with("message", word.replace('-', " "));
                json_response(200, &r.to_json(), close)
            } else {
                text_response(404, "unknown fault mode", close)
            }
        }
    };
    send(conn, &out).is_ok()
}

/// One byte at a time, flushed, `gap` apart: defeats per-read timeouts.
fn trickle(conn: &mut dyn Conn, bytes: &[u8], gap: Duration) -> bool {
    for b in bytes {
        if conn.write_all(std::slice::from_ref(b)).is_err() || conn.flush().is_err() {
            return false;
        }
        sleep(gap);
    }
    true
}

/// A 2 MiB JSON body, with Content-Length or chunked; stops quietly when the client goes.
fn oversize(conn: &mut dyn Conn, chunked: bool, close: bool) -> bool {
    stream_oversize(conn, chunked, close).is_ok()
}

fn stream_oversize(conn: &mut dyn Conn, chunked: bool, close: bool) -> std::io::Result<()> {
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {OVERSIZE}")
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nServer: isms-sandbox\r\nContent-Type: application/json\r\n{framing}\r\nConnection: {}\r\n\r\n",
        if close { "close" } else { "keep-alive" }
    );
    conn.write_all(head.as_bytes())?;
    let prefix: &[u8] = br#"{"status":"Success","pad":""#;
    let suffix: &[u8] = br#""}"#;
    let pad = vec![b'x'; 16 * 1024];
    let mut pieces = vec![prefix];
    let mut left = OVERSIZE - prefix.len() - suffix.len();
    while left > 0 {
        let n = left.min(pad.len());
        pieces.push(&pad[..n]);
        left -= n;
    }
    pieces.push(suffix);
    for data in pieces {
        if chunked {
            conn.write_all(format!("{:x}\r\n", data.len()).as_bytes())?;
            conn.write_all(data)?;
            conn.write_all(b"\r\n")?;
        } else {
            conn.write_all(data)?;
        }
    }
    if chunked {
        conn.write_all(b"0\r\n\r\n")?;
    }
    conn.flush()
}
