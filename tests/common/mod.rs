//! A private sandbox gateway per test: started on free loopback ports,
//! stopped when dropped. Shared by the integration tests and the benchmark.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The sandbox account's password in the Rust tests.
pub const PASSWORD: &str = "s3cr&t=pa%ss word+1";

pub struct Sandbox {
    child: Child,
    dir: PathBuf,
    pub state: Value,
}

fn sandbox_binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    for profile in ["release", "debug"] {
        let bin = target.join(profile).join("isms-sandbox");
        if bin.exists() {
            return bin;
        }
    }
    panic!("isms-sandbox is not built: run `make build` (or `cargo build --release --workspace`)");
}

impl Sandbox {
    pub fn start() -> Sandbox {
        Sandbox::start_with(&[])
    }

    pub fn start_with(args: &[&str]) -> Sandbox {
        let dir = std::env::temp_dir().join(format!(
            "isms-test-{}-{:?}-{}",
            std::process::id(),
            std::thread::current().id(),
            Instant::now().elapsed().as_nanos() ^ rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(sandbox_binary())
            .arg("--state-dir")
            .arg(&dir)
            .arg("--quiet")
            // Characters that break a query string unless percent-encoded.
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
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the sandbox did not start");
            if let Ok(Some(status)) = sandbox.child.try_wait() {
                panic!("the sandbox exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        sandbox
    }

    pub fn port(&self, name: &str) -> u64 {
        self.state[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no {name} in sandbox.json"))
    }

    pub fn str(&self, name: &str) -> String {
        self.state[name].as_str().unwrap().to_owned()
    }

    pub fn username(&self) -> String {
        self.str("username")
    }

    pub fn password(&self) -> String {
        self.str("password")
    }

    pub fn ca_file(&self) -> PathBuf {
        PathBuf::from(self.str("ca_file"))
    }

    /// `https://127.0.0.1:P[/t/tag][/fault/mode]/2FA/request.php`
    pub fn endpoint(&self, tag: &str, fault: Option<&str>) -> String {
        self.endpoint_on("https", self.port("https_port"), tag, fault)
    }

    pub fn http_endpoint(&self, tag: &str, fault: Option<&str>) -> String {
        self.endpoint_on("http", self.port("http_port"), tag, fault)
    }

    pub fn endpoint_on(&self, scheme: &str, port: u64, tag: &str, fault: Option<&str>) -> String {
        let fault = fault.map(|f| format!("/fault/{f}")).unwrap_or_default();
        format!("{scheme}://127.0.0.1:{port}/t/{tag}{fault}/2FA/request.php")
    }

    /// A client for the sandbox account, over HTTPS with the test CA.
    pub fn client(&self, tag: &str) -> isms::Client {
        self.client_with_password(tag, &self.password())
    }

    pub fn client_with_password(&self, tag: &str, password: &str) -> isms::Client {
        let client = isms::Client::new(&self.username(), password).unwrap();
        client
            .set_endpoint(Some(&self.endpoint(tag, None)))
            .unwrap();
        client.set_ca_file(Some(&self.ca_file())).unwrap();
        client.set_proxy(Some("")).unwrap();
        client.set_timeout(Duration::from_secs(10)).unwrap();
        client
    }

    /// GET an admin path over plain HTTP; the JSON reply.
    pub fn admin(&self, path_and_query: &str) -> Value {
        let url = format!(
            "http://127.0.0.1:{}{path_and_query}",
            self.port("http_port")
        );
        let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
        let text = agent
            .get(&url)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    pub fn stats(&self, tag: &str) -> Value {
        self.admin(&format!("/_sandbox/stats?tag={tag}"))
    }

    pub fn requests(&self, tag: &str) -> u64 {
        self.stats(tag)["requests"].as_u64().unwrap()
    }

    pub fn connections(&self, tag: &str) -> u64 {
        self.stats(tag)["connections"].as_u64().unwrap()
    }

    pub fn listener(&self, name: &str) -> u64 {
        self.stats("*")["listeners"][name].as_u64().unwrap()
    }

    /// Raw query strings received for a tag.
    pub fn queries(&self, tag: &str) -> Vec<String> {
        self.admin(&format!("/_sandbox/requests?tag={tag}"))
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["query"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn outbox(&self, tag: &str) -> Vec<Value> {
        self.admin(&format!("/_sandbox/outbox?tag={tag}"))
            .as_array()
            .unwrap()
            .clone()
    }
}

fn rand_suffix() -> u128 {
    use std::hash::{BuildHasher, RandomState};
    u128::from(RandomState::new().hash_one(0u8))
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `secret` as the library puts it on the wire (RFC 3986 unreserved
/// characters kept, every other byte as `%XX`), to check it is never shown.
pub fn wire_form(secret: &str) -> String {
    secret
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
