//! Minimal HTTP/1.1: reading requests (keep-alive, pipelining), writing responses,
//! and the request loop of the https / http listeners.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;

use crate::faults;
use crate::gateway::{Gateway, Listener};
use rustls::{ServerConnection, StreamOwned};

/// Largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (the gateway only uses GET; bodies are discarded).
const MAX_BODY: usize = 1024 * 1024;

/// A client connection, plain or TLS.
pub trait Conn: Read + Write {
    fn tcp(&self) -> &TcpStream;

    /// Orderly close: TLS close_notify (if any), then FIN.
    fn close_clean(&mut self) {
        let _ = self.flush();
        let _ = self.tcp().shutdown(std::net::Shutdown::Write);
    }

    /// Abortive close: the socket is closed with an RST once dropped.
    fn arm_reset(&self) {
        set_linger_zero(self.tcp());
    }
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for StreamOwned<ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    fn close_clean(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
    }
}

/// SO_LINGER {on, 0}: close() then sends RST instead of FIN.
pub fn set_linger_zero(s: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: valid fd owned by `s`, pointer and length describe a live `linger`.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

pub struct Request {
    pub method: String,
    /// Request target exactly as sent (origin form, absolute form, or authority form).
    pub target: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    /// Declared body length (Content-Length; 0 when absent).
    pub body_len: usize,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection must close after this request's reply.
    pub fn wants_close(&self) -> bool {
        let conn = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let tokens: Vec<&str> = conn.split(',').map(str::trim).collect();
        if self.version == "HTTP/1.0" {
            !tokens.contains(&"keep-alive")
        } else {
            tokens.contains(&"close")
        }
    }

    /// (path, raw query) of an origin-form target; an absolute-form target loses
    /// its scheme and authority first.
    pub fn path_and_query(&self) -> (&str, &str) {
        let mut t = self.target.as_str();
        if let Some(rest) = t
            .strip_prefix("http://")
            .or_else(|| t.strip_prefix("https://"))
        {
            t = rest.find('/').map_or("/", |i| &rest[i..]);
        }
        t.split_once('?').unwrap_or((t, ""))
    }
}

pub enum ReadOutcome {
    Request(Request),
    /// The peer closed (or timed out) between requests, or the stream failed.
    Closed,
    /// Malformed request: answer with this status and close.
    Bad(u16),
}

/// Reads one request head, and with `skip_body` also reads and discards its body.
/// `buf` carries bytes already read past the previous request, so pipelined requests
/// work; on return it holds the bytes after what was consumed.
pub fn read_request<C: Read + ?Sized>(
    conn: &mut C,
    buf: &mut Vec<u8>,
    skip_body: bool,
) -> ReadOutcome {
    let head_end = loop {
        // A request starts with a method token. Anything else (a TLS
        // ClientHello sent to the plain port, say) is refused at once, as
        // real servers do, instead of waiting for a blank line.
        if buf.first().is_some_and(|b| !b.is_ascii_uppercase()) {
            return ReadOutcome::Bad(400);
        }
        if let Some(i) = find(buf, b"\r\n\r\n") {
            if i > MAX_HEAD {
                return ReadOutcome::Bad(431);
            }
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return ReadOutcome::Bad(431);
        }
        let mut chunk = [0u8; 8192];
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return ReadOutcome::Closed,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return ReadOutcome::Bad(400);
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || target.is_empty() {
        return ReadOutcome::Bad(400);
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        match line.split_once(':') {
            Some((k, v)) => headers.push((k.trim().to_string(), v.trim().to_string())),
            None => return ReadOutcome::Bad(400),
        }
    }
    let mut req = Request {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
        body_len: 0,
    };
    if req.header("transfer-encoding").is_some() {
        return ReadOutcome::Bad(501);
    }
    req.body_len = match req.header("content-length").map(str::parse) {
        None => 0,
        Some(Ok(n)) if n <= MAX_BODY => n,
        Some(_) => return ReadOutcome::Bad(413),
    };
    buf.drain(..head_end);
    if skip_body {
        while buf.len() < req.body_len {
            let mut chunk = [0u8; 8192];
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return ReadOutcome::Closed,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..req.body_len);
    }
    ReadOutcome::Request(req)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Serialises a complete response with Content-Length.
pub fn response(
    status: u16,
    content_type: &str,
    extra_headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nServer: isms-sandbox\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: {}\r\n",
        reason(status),
        body.len(),
        if close { "close" } else { "keep-alive" }
    );
    for (k, v) in extra_headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

pub fn json_response(status: u16, json: &str, close: bool) -> Vec<u8> {
    response(status, "application/json", &[], json.as_bytes(), close)
}

pub fn text_response(status: u16, body: &str, close: bool) -> Vec<u8> {
    response(status, "text/plain", &[], body.as_bytes(), close)
}

pub fn send(conn: &mut dyn Conn, bytes: &[u8]) -> io::Result<()> {
    conn.write_all(bytes)?;
    conn.flush()
}

/// What a gateway path names.
pub enum Route<'a> {
    Gateway {
        tag: Option<&'a str>,
        fault: Option<&'a str>,
    },
    Admin(&'a str),
    NotFound,
}

/// Parses `[/t/<tag>][/fault/<mode>]/2FA/request.php` and `/_sandbox/<name>`.
pub fn route(path: &str) -> Route<'_> {
    if let Some(name) = path.strip_prefix("/_sandbox/") {
        return Route::Admin(name);
    }
    let mut rest = path;
    let mut tag = None;
    if let Some(r) = rest.strip_prefix("/t/") {
        let (t, r) = r.split_at(r.find('/').unwrap_or(r.len()));
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if t.is_empty() || !t.chars().all(valid) {
            return Route::NotFound;
        }
        tag = Some(t);
        rest = r;
    }
    let mut fault = None;
    if let Some(r) = rest.strip_prefix("/fault/") {
        let (m, r) = r.split_at(r.find('/').unwrap_or(r.len()));
        if m.is_empty() {
            return Route::NotFound;
        }
        fault = Some(m);
        rest = r;
    }
    if rest == "/2FA/request.php" {
        Route::Gateway { tag, fault }
    } else {
        Route::NotFound
    }
}

/// Serves requests on one https/http connection until it closes.
pub fn serve(conn: &mut dyn Conn, sb: &Gateway, conn_id: u64, listener: Listener) {
    let mut buf = Vec::new();
    loop {
        let req = match read_request(conn, &mut buf, true) {
            ReadOutcome::Request(r) => r,
            ReadOutcome::Closed => return,
            ReadOutcome::Bad(status) => {
                let _ = send(conn, &text_response(status, reason(status), true));
                conn.close_clean();
                return;
            }
        };
        let close = req.wants_close();
        let (path, query) = req.path_and_query();
        let keep_going = match route(path) {
            Route::Admin(name) => match sb.admin(name, query) {
                Some((status, body)) => {
                    let ok = send(conn, &json_response(status, &body, close)).is_ok();
                    if name == "shutdown" {
                        conn.close_clean();
                        sb.stop();
                        return;
                    }
                    ok
                }
                None => send(conn, &text_response(404, "not found", close)).is_ok(),
            },
            Route::Gateway { tag, fault } => {
                sb.record(tag, path, query, conn_id, listener);
                match fault {
                    None => {
                        let body = sb.gateway(query, tag).to_json();
                        send(conn, &json_response(200, &body, close)).is_ok()
                    }
                    Some(mode) => faults::apply(mode, conn, sb, tag, query, close),
                }
            }
            Route::NotFound => send(conn, &text_response(404, "not found", close)).is_ok(),
        };
        if !keep_going {
            return;
        }
        if close {
            conn.close_clean();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert!(matches!(
            route("/2FA/request.php"),
            Route::Gateway {
                tag: None,
                fault: None
            }
        ));
        assert!(matches!(
            route("/t/abc-1/fault/slow-10/2FA/request.php"),
            Route::Gateway {
                tag: Some("abc-1"),
                fault: Some("slow-10")
            }
        ));
        assert!(matches!(route("/t/a.b/2FA/request.php"), Route::NotFound));
        assert!(matches!(route("/2FA/other.php"), Route::NotFound));
        assert!(matches!(route("/_sandbox/stats"), Route::Admin("stats")));
    }

    #[test]
    fn pipelined_requests() {
        let data =
            b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n";
        let mut src: &[u8] = data;
        let mut buf = Vec::new();
        let ReadOutcome::Request(a) = read_request(&mut src, &mut buf, true) else {
            panic!()
        };
        assert_eq!(a.path_and_query(), ("/a", "x=1"));
        assert!(!a.wants_close());
        let ReadOutcome::Request(b) = read_request(&mut src, &mut buf, true) else {
            panic!()
        };
        assert_eq!(b.path_and_query(), ("/b", ""));
        assert!(b.wants_close());
        assert!(matches!(
            read_request(&mut src, &mut buf, true),
            ReadOutcome::Closed
        ));
    }
}
