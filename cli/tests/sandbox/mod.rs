//! A private sandbox gateway per test, started in this process (the
//! isms-sandbox library) on free loopback ports and stopped when dropped.
//! The only place the tests start it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// The sandbox account's password: characters that break a query string
/// unless percent-encoded.
pub const PASSWORD: &str = "s3cr&t=pa%ss word+1";

pub struct Sandbox {
    _running: isms_sandbox::Running,
    state: Value,
}

impl Sandbox {
    pub fn start() -> Sandbox {
        Sandbox::start_with(&[])
    }

    /// Extra options, e.g. `["--balance", "81", "--expiration", "05 Dec 2026"]`.
    pub fn start_with(args: &[&str]) -> Sandbox {
        let mut all = vec!["--quiet", "--password", PASSWORD];
        all.extend_from_slice(args);
        let mut options = isms_sandbox::parse_args(all)
            .expect("sandbox options")
            .options;
        // A fresh temporary directory, removed with the sandbox.
        options.state_dir = None;
        let running = isms_sandbox::Sandbox::start(options).expect("start the sandbox");
        let state = running.info();
        Sandbox {
            _running: running,
            state,
        }
    }

    fn str(&self, key: &str) -> String {
        self.state[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in sandbox.json"))
            .to_owned()
    }

    fn port(&self, key: &str) -> u64 {
        self.state[key]
            .as_u64()
            .unwrap_or_else(|| panic!("no {key} in sandbox.json"))
    }

    pub fn username(&self) -> String {
        self.str("username")
    }

    pub fn ca_file(&self) -> String {
        self.str("ca_file")
    }

    /// `https://127.0.0.1:P/t/TAG[/fault/F]/2FA/request.php`
    pub fn endpoint(&self, tag: &str, fault: Option<&str>) -> String {
        let fault = fault.map(|f| format!("/fault/{f}")).unwrap_or_default();
        format!(
            "https://127.0.0.1:{}/t/{tag}{fault}/2FA/request.php",
            self.port("https_port")
        )
    }

    /// A port that accepts and closes at once: an endpoint there never answers.
    pub fn dead_endpoint(&self) -> String {
        format!(
            "https://127.0.0.1:{}/2FA/request.php",
            self.port("drop_port")
        )
    }

    /// GET an admin path over plain HTTP; the JSON reply.
    pub fn admin(&self, path_and_query: &str) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port("http_port") as u16)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        let (_, body) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
        serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
    }

    /// Gateway requests received for a tag.
    pub fn requests(&self, tag: &str) -> u64 {
        self.admin(&format!("/_sandbox/stats?tag={tag}"))["requests"]
            .as_u64()
            .unwrap()
    }

    /// SMS delivered for a tag, oldest first.
    pub fn outbox(&self, tag: &str) -> Vec<Value> {
        self.admin(&format!("/_sandbox/outbox?tag={tag}"))
            .as_array()
            .unwrap()
            .clone()
    }
}
