//! The fake gateway: account state, send / verify / balance, request log, admin endpoints.

use std::collections::{BTreeMap, HashMap};
use std::fs::OpenOptions;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{param, parse_query, random_otp, random_uuid, say, unix_now};

pub struct Config {
    pub state_dir: PathBuf,
    pub username: String,
    pub password: String,
    pub balance: f64,
    pub expiration: String,
    pub quiet: bool,
    /// How long a keep-alive connection may sit idle (and how long any read may block).
    pub idle_timeout: Duration,
}

/// The listeners' ports (`0` in [`crate::Options`]: any free port).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Ports {
    pub https: u16,
    pub http: u16,
    pub proxy: u16,
    pub socks: u16,
    pub drop: u16,
}

/// Which listener a connection came in on; indexes `Counters::per_listener`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Listener {
    Https = 0,
    Http = 1,
    Proxy = 2,
    Socks = 3,
    Drop = 4,
}

impl Listener {
    pub fn name(self) -> &'static str {
        ["https", "http", "proxy", "socks", "drop"][self as usize]
    }
}

#[derive(Default)]
pub struct Counters {
    next_conn_id: AtomicU64,
    accepted: [AtomicU64; 5],
    tunnels: [AtomicU64; 5],
    /// Completed TLS handshakes: [full, resumed].
    handshakes: [AtomicU64; 2],
}

impl Counters {
    /// Counts an accepted connection and returns its process-wide id (1, 2, ...).
    pub fn accept(&self, l: Listener) -> u64 {
        self.accepted[l as usize].fetch_add(1, Ordering::SeqCst);
        self.next_conn_id.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Counts a tunnel (CONNECT, forwarded request, SOCKS CONNECT) opened by a proxy.
    pub fn tunnel(&self, l: Listener) {
        self.tunnels[l as usize].fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a completed TLS handshake, full or resumed.
    pub fn handshake(&self, resumed: bool) {
        self.handshakes[usize::from(resumed)].fetch_add(1, Ordering::SeqCst);
    }

    fn get(a: &[AtomicU64; 5], l: Listener) -> u64 {
        a[l as usize].load(Ordering::SeqCst)
    }
}

struct RequestRecord {
    tag: Option<String>,
    path: String,
    query: String,
    conn_id: u64,
    listener: Listener,
    time: f64,
}

struct Otp {
    uuid: String,
    sms_id: String,
    mobile: String,
    country_code: String,
    code: String,
    /// Sandbox clock (seconds) at send time.
    sent_at: f64,
    used: bool,
}

struct State {
    balance: f64,
    /// Seconds added to the sandbox clock by `/_sandbox/advance`.
    advanced: f64,
    next_sms_id: u64,
    requests: Vec<RequestRecord>,
    otps: Vec<Otp>,
    outbox: Vec<(Option<String>, Reply)>,
}

pub struct Gateway {
    pub cfg: Config,
    pub ports: Ports,
    pub counters: Counters,
    start: Instant,
    state: Mutex<State>,
    control: Control,
}

/// What stopping needs: the flag the accept loops check, the open
/// connections to cut, and the condition `wait_stopped` sleeps on.
#[derive(Default)]
struct Control {
    stopping: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
    stopped: Mutex<bool>,
    cv: Condvar,
}

/// Which requests an admin query is about.
enum TagFilter {
    Untagged,
    All,
    Tag(String),
}

impl TagFilter {
    fn from_query(p: &[(String, String)]) -> Self {
        match param(p, "tag") {
            None => TagFilter::Untagged,
            Some("*") => TagFilter::All,
            Some(t) => TagFilter::Tag(t.to_string()),
        }
    }

    fn matches(&self, tag: &Option<String>) -> bool {
        match self {
            TagFilter::Untagged => tag.is_none(),
            TagFilter::All => true,
            TagFilter::Tag(t) => tag.as_deref() == Some(t.as_str()),
        }
    }
}

/// `+60` + first two digits + `-` + rest for Malaysia, else `+<cc><mobile>`.
pub fn format_mobile(cc: &str, mobile: &str) -> String {
    if cc == "60" && mobile.chars().count() > 2 {
        let split = mobile
            .char_indices()
            .nth(2)
            .map_or(mobile.len(), |(i, _)| i);
        format!("+60{}-{}", &mobile[..split], &mobile[split..])
    } else {
        format!("+{cc}{mobile}")
    }
}

/// A JSON object that keeps its keys in the order given (the real gateway's order;
/// serde_json's map would sort them).
#[derive(Clone, Debug, Default)]
pub struct Reply(Vec<(&'static str, Value)>);

impl Reply {
    pub fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.0.push((key, value.into()));
        self
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| *k != key);
    }

    pub fn to_json(&self) -> String {
        let fields: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
            .collect();
        format!("{{{}}}", fields.join(","))
    }
}

fn failed(message: &str) -> Reply {
    Reply::default()
        .with("status", "Failed")
        .with("message", message)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// Credits a message costs: 153 characters per credit for type 1, 63 for type 2.
pub fn cost(text: &str, sms_type: u32) -> u64 {
    let per = if sms_type == 2 { 63 } else { 153 };
    (text.chars().count() as u64).div_ceil(per).max(1)
}

impl Gateway {
    pub fn new(cfg: Config, ports: Ports) -> Self {
        let state = State {
            balance: cfg.balance,
            advanced: 0.0,
            next_sms_id: 1_171_081_025,
            requests: Vec::new(),
            otps: Vec::new(),
            outbox: Vec::new(),
        };
        Gateway {
            cfg,
            ports,
            counters: Counters::default(),
            start: Instant::now(),
            state: Mutex::new(state),
            control: Control::default(),
        }
    }

    /// Whether `stop` was called: accept loops then leave.
    pub fn stopping(&self) -> bool {
        self.control.stopping.load(Ordering::SeqCst)
    }

    /// Remembers an open connection so that `stop` can cut it.
    pub fn track(&self, id: u64, stream: &TcpStream) {
        let Ok(clone) = stream.try_clone() else {
            return;
        };
        let mut conns = self.control.conns.lock().unwrap_or_else(|e| e.into_inner());
        if self.stopping() {
            let _ = clone.shutdown(Shutdown::Both);
        } else {
            conns.insert(id, clone);
        }
    }

    pub fn untrack(&self, id: u64) {
        let mut conns = self.control.conns.lock().unwrap_or_else(|e| e.into_inner());
        conns.remove(&id);
    }

    /// Stops serving: wakes the accept loops (which then close their
    /// listeners), cuts every open connection, and wakes `wait_stopped`.
    pub fn stop(&self) {
        if !self.control.stopping.swap(true, Ordering::SeqCst) {
            let p = self.ports;
            for port in [p.https, p.http, p.proxy, p.socks, p.drop] {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
                let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
            }
            let conns =
                std::mem::take(&mut *self.control.conns.lock().unwrap_or_else(|e| e.into_inner()));
            for c in conns.values() {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
        *self
            .control
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = true;
        self.control.cv.notify_all();
    }

    /// Blocks until `stop` was called (by `/_sandbox/shutdown`, say).
    pub fn wait_stopped(&self) {
        let mut stopped = self
            .control
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        while !*stopped {
            stopped = self
                .control
                .cv
                .wait(stopped)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clock(&self, st: &State) -> f64 {
        self.start.elapsed().as_secs_f64() + st.advanced
    }

    /// Logs a gateway request (before any fault is applied).
    pub fn record(
        &self,
        tag: Option<&str>,
        path: &str,
        query: &str,
        conn_id: u64,
        listener: Listener,
    ) {
        self.lock().requests.push(RequestRecord {
            tag: tag.map(str::to_string),
            path: path.to_string(),
            query: query.to_string(),
            conn_id,
            listener,
            time: unix_now(),
        });
    }

    fn authorised(&self, p: &[(String, String)]) -> bool {
        param(p, "un") == Some(self.cfg.username.as_str())
            && param(p, "pass") == Some(self.cfg.password.as_str())
    }

    /// Answers one gateway request (the JSON body of a normal 200 reply).
    pub fn gateway(&self, query: &str, tag: Option<&str>) -> Reply {
        let p = parse_query(query);
        match param(&p, "method") {
            None => self.send(&p, tag),
            Some("verify") => self.verify(&p),
            Some("balance") => self.balance(&p),
            Some(_) => failed("Invalid Request"),
        }
    }

    fn send(&self, p: &[(String, String)], tag: Option<&str>) -> Reply {
        let mobile = param(p, "mobile").unwrap_or("");
        let cc = param(p, "country_code").unwrap_or("");
        let message = param(p, "message").unwrap_or("");
        let sendid = param(p, "sendid").filter(|s| !s.is_empty());
        let sms_type: u32 = match param(p, "type") {
            Some("1") => 1,
            Some("2") => 2,
            _ => 0,
        };
        let mut st = self.lock();
        if !self.authorised(p) {
            let sms_id = st.next_sms_id;
            st.next_sms_id += 1;
            return Reply::default()
                .with("status", "Failed")
                .with("message", "Authentication Failed")
                .with("uuid", random_uuid())
                .with("sms_id", sms_id.to_string())
                .with("code", random_otp())
                .with("mobile", format_mobile(cc, mobile));
        }
        if !all_digits(mobile) || !all_digits(cc) || sms_type == 0 || !message.contains("%OTP%") {
            return failed("Invalid Request");
        }
        let code = random_otp();
        let text = message.replace("%OTP%", &code);
        let credits = cost(&text, sms_type) as f64;
        if st.balance + 1e-9 < credits {
            return failed("Insufficient Credit");
        }
        st.balance -= credits;
        let uuid = random_uuid();
        let sms_id = st.next_sms_id.to_string();
        st.next_sms_id += 1;
        let now = self.clock(&st);
        st.otps.push(Otp {
            uuid: uuid.clone(),
            sms_id: sms_id.clone(),
            mobile: mobile.to_string(),
            country_code: cc.to_string(),
            code: code.clone(),
            sent_at: now,
            used: false,
        });
        let sms = Reply::default()
            .with("tag", tag)
            .with("mobile", mobile)
            .with("country_code", cc)
            .with("message", text.as_str())
            .with("code", code.as_str())
            .with("uuid", uuid.as_str())
            .with("sms_id", sms_id.as_str())
            .with("type", sms_type)
            .with("sendid", sendid);
        // Appended under the lock so concurrent sends never interleave lines.
        let path = self.cfg.state_dir.join("outbox.jsonl");
        if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(&path) {
            let _ = writeln!(f, "{}", sms.to_json());
        }
        st.outbox.push((tag.map(str::to_string), sms));
        drop(st);
        if !self.cfg.quiet {
            say(&format!("SMS to +{cc}{mobile}: {text}"));
        }
        Reply::default()
            .with("status", "Success")
            .with("code", code)
            .with("uuid", uuid)
            .with("username", self.cfg.username.as_str())
            .with("sms_id", sms_id)
            .with("mobile", format_mobile(cc, mobile))
    }

    fn verify(&self, p: &[(String, String)]) -> Reply {
        if !self.authorised(p) {
            return failed("Authentication Failed");
        }
        let get = |k| param(p, k).unwrap_or("");
        let (mobile, cc, code, sms_id, uuid) = (
            get("mobile"),
            get("country_code"),
            get("code"),
            get("sms_id"),
            get("uuid"),
        );
        if [mobile, cc, code, sms_id, uuid]
            .iter()
            .any(|v| v.is_empty())
        {
            return failed("Invalid Request");
        }
        let interval: Option<u64> = match param(p, "interval") {
            None | Some("") => None,
            Some(v) => match v.parse() {
                Ok(n) => Some(n),
                Err(_) => return failed("Invalid Request"),
            },
        };
        let reply = |status: &str, message: Option<&str>| {
            let mut r = Reply::default().with("status", status);
            if let Some(m) = message {
                r = r.with("message", m);
            }
            r.with("uuid", uuid)
                .with("sms_id", sms_id)
                .with("code", code)
                .with("mobile", format_mobile(cc, mobile))
        };
        let mut st = self.lock();
        let now = self.clock(&st);
        let Some(otp) = st.otps.iter_mut().find(|o| {
            o.uuid == uuid && o.sms_id == sms_id && o.mobile == mobile && o.country_code == cc
        }) else {
            return reply("Failed", Some("Invalid Request"));
        };
        if interval.is_some_and(|m| now - otp.sent_at > (m * 60) as f64) {
            return reply("Failed", Some("OTP Code Expired"));
        }
        if otp.code != code {
            return reply("Failed", Some("Incorrect OTP Code"));
        }
        if otp.used {
            return reply("Failed", Some("OTP Code Already Used"));
        }
        otp.used = true;
        reply("Verified", None)
    }

    fn balance(&self, p: &[(String, String)]) -> Reply {
        let r = Reply::default().with("method", "balance");
        if !self.authorised(p) {
            return r.with("balance", "-1001");
        }
        let balance = self.lock().balance;
        r.with("balance", format!("{balance:.1}"))
            .with("expiration", self.cfg.expiration.as_str())
    }

    fn listeners(&self) -> Value {
        let c = &self.counters;
        let acc = |l| Counters::get(&c.accepted, l);
        let tun = |l| Counters::get(&c.tunnels, l);
        json!({
            "https": acc(Listener::Https),
            "http": acc(Listener::Http),
            "proxy": tun(Listener::Proxy),
            "socks": tun(Listener::Socks),
            "drop": acc(Listener::Drop),
        })
    }

    fn accepted(&self) -> Value {
        let acc = |l| Counters::get(&self.counters.accepted, l);
        json!({
            "https": acc(Listener::Https),
            "http": acc(Listener::Http),
            "proxy": acc(Listener::Proxy),
            "socks": acc(Listener::Socks),
            "drop": acc(Listener::Drop),
        })
    }

    /// Answers `/_sandbox/<name>`: (HTTP status, JSON body), or None for an unknown name.
    pub fn admin(&self, name: &str, query: &str) -> Option<(u16, String)> {
        let p = parse_query(query);
        let filter = TagFilter::from_query(&p);
        let bad = |msg: &str| Some((400, json!({"ok": false, "error": msg}).to_string()));
        match name {
            "stats" => {
                let st = self.lock();
                let conn_ids: Vec<u64> = st
                    .requests
                    .iter()
                    .filter(|r| filter.matches(&r.tag))
                    .map(|r| r.conn_id)
                    .collect();
                let mut distinct = conn_ids.clone();
                distinct.sort_unstable();
                distinct.dedup();
                Some((
                    200,
                    json!({
                        "requests": conn_ids.len(),
                        "connections": distinct.len(),
                        "conn_ids": conn_ids,
                        "listeners": self.listeners(),
                        "accepted": self.accepted(),
                        "tls_handshakes": {
                            "full": self.counters.handshakes[0].load(Ordering::SeqCst),
                            "resumed": self.counters.handshakes[1].load(Ordering::SeqCst),
                        },
                    })
                    .to_string(),
                ))
            }
            "requests" => {
                let st = self.lock();
                let list: Vec<Value> = st
                    .requests
                    .iter()
                    .filter(|r| filter.matches(&r.tag))
                    .map(|r| {
                        json!({
                            "tag": r.tag,
                            "path": r.path,
                            "query": r.query,
                            "conn_id": r.conn_id,
                            "listener": r.listener.name(),
                            "time": r.time,
                        })
                    })
                    .collect();
                Some((200, Value::Array(list).to_string()))
            }
            "outbox" => {
                let st = self.lock();
                let list: Vec<String> = st
                    .outbox
                    .iter()
                    .filter(|(tag, _)| filter.matches(tag))
                    .map(|(_, sms)| sms.to_json())
                    .collect();
                Some((200, format!("[{}]", list.join(","))))
            }
            "advance" => match param(&p, "seconds").and_then(|s| s.parse::<f64>().ok()) {
                Some(s) if s.is_finite() && s >= 0.0 => {
                    self.lock().advanced += s;
                    Some((200, json!({"ok": true}).to_string()))
                }
                _ => bad("advance needs seconds=N (N >= 0)"),
            },
            "balance" => {
                let mut st = self.lock();
                match param(&p, "set").map(|s| s.parse::<f64>()) {
                    Some(Ok(b)) if b.is_finite() => st.balance = b,
                    Some(_) => return bad("balance needs set=NUMBER"),
                    None => {}
                }
                Some((
                    200,
                    json!({"ok": true, "balance": format!("{:.1}", st.balance)}).to_string(),
                ))
            }
            "counts" => {
                let st = self.lock();
                let mut counts: [BTreeMap<String, u64>; 3] = Default::default();
                for r in st.requests.iter().filter(|r| filter.matches(&r.tag)) {
                    let q = parse_query(&r.query);
                    let number = || {
                        let cc = param(&q, "country_code").unwrap_or("");
                        format!("+{cc}{}", param(&q, "mobile").unwrap_or(""))
                    };
                    match param(&q, "method") {
                        None => *counts[0].entry(number()).or_default() += 1,
                        Some("verify") => {
                            if let Some(uuid) = param(&q, "uuid").filter(|u| !u.is_empty()) {
                                *counts[1].entry(uuid.to_string()).or_default() += 1;
                            }
                            *counts[2].entry(number()).or_default() += 1;
                        }
                        Some(_) => {}
                    }
                }
                let [send, by_uuid, verify] = counts;
                Some((
                    200,
                    json!({
                        "verify_by_uuid": by_uuid,
                        "send_by_number": send,
                        "verify_by_number": verify,
                    })
                    .to_string(),
                ))
            }
            "shutdown" => Some((200, json!({"ok": true}).to_string())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox() -> Gateway {
        let dir = std::env::temp_dir().join(format!("isms-sandbox-unit-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        Gateway::new(
            Config {
                state_dir: dir,
                username: "demo".into(),
                password: "pw".into(),
                balance: 2.0,
                expiration: "29 Apr 2027".into(),
                quiet: true,
                idle_timeout: Duration::from_secs(5),
            },
            Ports::default(),
        )
    }

    #[test]
    fn mobile_format_and_cost() {
        assert_eq!(format_mobile("60", "123456789"), "+6012-3456789");
        assert_eq!(format_mobile("65", "91234567"), "+6591234567");
        assert_eq!(cost("", 1), 1);
        assert_eq!(cost(&"a".repeat(153), 1), 1);
        assert_eq!(cost(&"a".repeat(154), 1), 2);
        assert_eq!(cost(&"你".repeat(64), 2), 2);
    }

    #[test]
    fn send_verify_flow() {
        let sb = sandbox();
        let r = sb.gateway(
            "un=demo&pass=pw&mobile=123456789&country_code=60&type=1&message=Code+%25OTP%25",
            Some("t"),
        );
        assert_eq!(r.get("status").unwrap(), "Success");
        let (code, uuid, id) = (
            r.get("code").unwrap().as_str().unwrap().to_string(),
            r.get("uuid").unwrap().as_str().unwrap().to_string(),
            r.get("sms_id").unwrap().as_str().unwrap().to_string(),
        );
        let base = format!(
            "un=demo&pass=pw&mobile=123456789&country_code=60&method=verify&uuid={uuid}&sms_id={id}"
        );
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let v = sb.gateway(&format!("{base}&code={wrong}"), None);
        assert_eq!(v.get("message").unwrap(), "Incorrect OTP Code");
        sb.admin("advance", "seconds=181");
        let v = sb.gateway(&format!("{base}&code={code}&interval=3"), None);
        assert_eq!(v.get("message").unwrap(), "OTP Code Expired");
        let v = sb.gateway(&format!("{base}&code={code}"), None);
        assert_eq!(v.get("status").unwrap(), "Verified");
        let v = sb.gateway(&format!("{base}&code={code}"), None);
        assert_eq!(v.get("message").unwrap(), "OTP Code Already Used");
        let b = sb.gateway("un=demo&pass=pw&method=balance", None);
        assert_eq!(b.get("balance").unwrap(), "1.0");
        let b = sb.gateway("un=demo&pass=x&method=balance", None);
        assert_eq!(b.get("balance").unwrap(), "-1001");
        let _ = std::fs::remove_dir_all(&sb.cfg.state_dir);
    }
}
