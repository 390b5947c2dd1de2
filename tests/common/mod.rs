//! A private sandbox gateway per test, started in this process (the
//! isms-sandbox library) on free loopback ports and stopped when dropped.
//! Shared by the integration tests and the benchmark.
#![allow(dead_code)]

pub mod guard_rules;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

/// The sandbox account's password in the Rust tests.
pub const PASSWORD: &str = "s3cr&t=pa%ss word+1";

pub struct Sandbox {
    running: isms_sandbox::Running,
    pub state: Value,
}

impl Sandbox {
    pub fn start() -> Sandbox {
        Sandbox::start_with(&[])
    }

    /// Extra sandbox options, as on its command line (e.g. `["--idle-timeout", "1"]`).
    pub fn start_with(args: &[&str]) -> Sandbox {
        // Characters that break a query string unless percent-encoded.
        let mut all = vec!["--quiet", "--password", PASSWORD];
        all.extend_from_slice(args);
        let mut options = isms_sandbox::parse_args(all)
            .expect("sandbox options")
            .options;
        if !args.iter().any(|a| a.starts_with("--state-dir")) {
            // A fresh temporary directory, removed with the sandbox.
            options.state_dir = None;
        }
        let running = isms_sandbox::Sandbox::start(options).expect("start the sandbox");
        let state = running.info();
        Sandbox { running, state }
    }

    /// The sandbox itself (state dir, outbox file, environment, shutdown).
    pub fn running(&self) -> &isms_sandbox::Running {
        &self.running
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
