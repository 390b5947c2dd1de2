//! A private sandbox gateway per test, started from the `isms-sandbox`
//! binary (built by `cargo build --workspace`) on free loopback ports and
//! stopped when dropped. The only place the tests start it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The sandbox account's password: characters that break a query string
/// unless percent-encoded.
pub const PASSWORD: &str = "s3cr&t=pa%ss word+1";

pub struct Sandbox {
    child: Child,
    dir: PathBuf,
    state: Value,
}

/// `isms-sandbox` next to the `isms` binary under test, else in the other profile.
fn sandbox_binary() -> PathBuf {
    let isms = Path::new(env!("CARGO_BIN_EXE_isms"));
    let profile_dir = isms.parent().expect("the isms binary has a folder");
    let target = profile_dir
        .parent()
        .expect("the profile folder has a parent");
    let candidates = [
        profile_dir.join("isms-sandbox"),
        target.join("release/isms-sandbox"),
        target.join("debug/isms-sandbox"),
    ];
    candidates
        .into_iter()
        .find(|bin| bin.exists())
        .expect("isms-sandbox is not built: run `cargo build --workspace` (or `make build`) first")
}

impl Sandbox {
    pub fn start() -> Sandbox {
        Sandbox::start_with(&[])
    }

    /// Extra options, e.g. `["--balance", "81", "--expiration", "05 Dec 2026"]`.
    pub fn start_with(args: &[&str]) -> Sandbox {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "isms-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(sandbox_binary())
            .arg("--state-dir")
            .arg(&dir)
            .arg("--quiet")
            .args(["--password", PASSWORD])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start isms-sandbox");
        let mut sandbox = Sandbox {
            child,
            dir,
            state: Value::Null,
        };
        let state_file = sandbox.dir.join("sandbox.json");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(&state_file) {
                if let Ok(state) = serde_json::from_str::<Value>(&text) {
                    sandbox.state = state;
                    return sandbox;
                }
            }
            assert!(Instant::now() < deadline, "the sandbox did not start");
            if let Ok(Some(status)) = sandbox.child.try_wait() {
                panic!("the sandbox exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
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

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
