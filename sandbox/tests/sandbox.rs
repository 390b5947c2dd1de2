//! Smoke tests of the built binary over plain HTTP (TLS is checked with curl; see README).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Sandbox {
    child: Child,
    dir: PathBuf,
    info: Value,
}

impl Sandbox {
    fn start(name: &str) -> Sandbox {
        let dir =
            std::env::temp_dir().join(format!("isms-sandbox-it-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let child = Command::new(env!("CARGO_BIN_EXE_isms-sandbox"))
            .args(["--quiet", "--state-dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("start isms-sandbox");
        let deadline = Instant::now() + Duration::from_secs(20);
        let info = loop {
            if let Ok(text) = std::fs::read_to_string(dir.join("sandbox.json")) {
                break serde_json::from_str::<Value>(&text).expect("sandbox.json is JSON");
            }
            assert!(Instant::now() < deadline, "sandbox.json never appeared");
            std::thread::sleep(Duration::from_millis(20));
        };
        Sandbox { child, dir, info }
    }

    fn port(&self, key: &str) -> u16 {
        self.info[key].as_u64().expect("port") as u16
    }

    fn connect(&self, key: &str) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port(key))).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    /// One request on a fresh plain-HTTP connection.
    fn get(&self, path: &str) -> (u16, String) {
        let mut s = self.connect("http_port");
        exchange(&mut s, path, true)
    }

    fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes a GET and reads one Content-Length-framed response.
fn exchange(s: &mut TcpStream, path: &str, close: bool) -> (u16, String) {
    let conn = if close { "close" } else { "keep-alive" };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {conn}\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).expect("response head");
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let status = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .parse()
        .unwrap();
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("body");
    (status, String::from_utf8(body).unwrap())
}

const AUTH: &str = "un=demo&pass=demo-secret";

#[test]
fn send_verify_and_keep_alive() {
    let sb = Sandbox::start("flow");
    let send = sb.json(&format!(
        "/t/flow/2FA/request.php?{AUTH}&mobile=123456789&country_code=60&type=1&message=Code+%25OTP%25"
    ));
    assert_eq!(send["status"], "Success");
    assert_eq!(send["mobile"], "+6012-3456789");
    let outbox = sb.json("/_sandbox/outbox?tag=flow");
    let code = outbox[0]["code"].as_str().unwrap().to_string();
    assert_eq!(outbox[0]["message"], format!("Code {code}"));
    assert_eq!(send["code"], code.as_str());

    // Two verifies on one keep-alive connection.
    let verify = format!(
        "/t/flow/2FA/request.php?{AUTH}&mobile=123456789&country_code=60&method=verify&uuid={}&sms_id={}&code={code}",
        send["uuid"].as_str().unwrap(),
        send["sms_id"].as_str().unwrap()
    );
    let mut s = sb.connect("http_port");
    let (_, first) = exchange(&mut s, &verify, false);
    let (_, second) = exchange(&mut s, &verify, true);
    assert!(first.contains("\"Verified\""), "{first}");
    assert!(second.contains("OTP Code Already Used"), "{second}");

    let stats = sb.json("/_sandbox/stats?tag=flow");
    assert_eq!(stats["requests"], 3);
    assert_eq!(stats["connections"], 2);
    let reqs = sb.json("/_sandbox/requests?tag=flow");
    assert!(reqs[0]["query"]
        .as_str()
        .unwrap()
        .contains("message=Code+%25OTP%25"));
    assert_eq!(sb.json("/_sandbox/stats")["requests"], 0);
}

#[test]
fn faults_reset_and_classic() {
    let sb = Sandbox::start("faults");
    let mut s = sb.connect("http_port");
    write!(s, "GET /fault/reset/2FA/request.php HTTP/1.1\r\n\r\n").unwrap();
    let mut buf = [0u8; 16];
    let err = s.read(&mut buf).expect_err("reset");
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);

    let (status, body) = sb.get("/fault/classic-1003/2FA/request.php");
    assert_eq!((status, body.as_str()), (200, "-1003 = IP NOT ALLOWED"));
    // {"a":"€"}, hex in either case
    let (status, body) = sb.get("/fault/body-7B2261223a22E282AC227d/2FA/request.php");
    assert_eq!((status, body.as_str()), (200, "{\"a\":\"\u{20ac}\"}"));
    for mode in ["no-such-mode", "body-7", "body-zz"] {
        let (status, _) = sb.get(&format!("/fault/{mode}/2FA/request.php"));
        assert_eq!(status, 404, "{mode}");
    }
    // Recorded before the fault was applied.
    assert_eq!(sb.json("/_sandbox/stats")["requests"], 6);
}

#[test]
fn proxies_reach_the_gateway() {
    let sb = Sandbox::start("proxies");
    let http = sb.port("http_port");

    let mut p = sb.connect("proxy_port");
    write!(p, "CONNECT 127.0.0.1:{http} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut head = [0u8; 39];
    p.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (_, body) = exchange(
        &mut p,
        &format!("/t/px/2FA/request.php?{AUTH}&method=balance"),
        true,
    );
    assert!(body.contains("\"100.0\""), "{body}");

    let mut k = sb.connect("socks_port");
    k.write_all(&[5, 1, 0]).unwrap();
    let mut r = [0u8; 2];
    k.read_exact(&mut r).unwrap();
    assert_eq!(r, [5, 0]);
    let mut req = vec![5, 1, 0, 3, 9];
    req.extend_from_slice(b"localhost");
    req.extend_from_slice(&http.to_be_bytes());
    k.write_all(&req).unwrap();
    let mut rep = [0u8; 10];
    k.read_exact(&mut rep).unwrap();
    assert_eq!(rep[1], 0, "SOCKS reply {rep:?}");
    let (_, body) = exchange(
        &mut k,
        &format!("/t/px/2FA/request.php?{AUTH}&method=balance"),
        true,
    );
    assert!(body.contains("\"balance\""), "{body}");

    let mut far = sb.connect("proxy_port");
    write!(far, "CONNECT www.isms.com.my:443 HTTP/1.1\r\n\r\n").unwrap();
    let mut line = [0u8; 12];
    far.read_exact(&mut line).unwrap();
    assert_eq!(&line, b"HTTP/1.1 403");

    let stats = sb.json("/_sandbox/stats?tag=px");
    assert_eq!(stats["listeners"]["proxy"], 1);
    assert_eq!(stats["listeners"]["socks"], 1);
    assert_eq!(stats["requests"], 2);
}

/// A rustls (ring) client, as libisms uses, trusting `ca_file` only.
fn tls_get(sb: &Sandbox, ca_file: &str, path: &str) -> Result<String, std::io::Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use std::sync::Arc;

    let mut roots = rustls::RootCertStore::empty();
    let ca = CertificateDer::from_pem_file(sb.info[ca_file].as_str().unwrap()).unwrap();
    roots.add(ca).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sb.connect("https_port"));
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    tls.read_to_string(&mut out)?;
    Ok(out)
}

#[test]
fn tls_trusts_only_the_sandbox_ca() {
    let sb = Sandbox::start("tls");
    let ok = tls_get(
        &sb,
        "ca_file",
        &format!("/2FA/request.php?{AUTH}&method=balance"),
    )
    .expect("TLS with ca.pem");
    assert!(ok.starts_with("HTTP/1.1 200 OK"), "{ok}");
    assert!(ok.contains("\"balance\":\"100.0\""), "{ok}");
    let err = tls_get(&sb, "other_ca_file", "/_sandbox/stats").expect_err("wrong CA");
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
}

#[test]
fn shutdown_ends_the_process() {
    let mut sb = Sandbox::start("shutdown");
    assert_eq!(sb.json("/_sandbox/shutdown")["ok"], true);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sb.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}
