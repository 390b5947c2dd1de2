//! The shared conformance cases (`tests/cases/*.json`, format in its README)
//! against the sandbox: through the safe Rust API, and through the C ABI
//! in-process wherever a case passes bytes that are not UTF-8 (a `&str`
//! cannot hold them).

mod common;

use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};
use std::path::Path;
use std::time::{Duration, Instant};

use common::Sandbox;
use isms::ffi::*;
use isms::{Client, Error, MessageType, SendOtp, Status, VerifyOtp};
use serde_json::{Map, Value};

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cases(file: &Value) -> &Vec<Value> {
    file["cases"].as_array().expect("cases")
}

/// An input value: `null` -> None, a string or `{"hex": ..}` -> its bytes.
fn bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Object(o) => {
            let hex = o["hex"].as_str().expect("hex");
            Some(
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
                    .collect(),
            )
        }
        other => panic!("not a string value: {other}"),
    }
}

/// A case's arguments: the case's own value, else the file's default.
fn args(case: &Value, defaults: &Value, names: &[&str]) -> Vec<Option<Vec<u8>>> {
    names
        .iter()
        .map(|n| bytes(case.get(*n).unwrap_or(&defaults[*n])))
        .collect()
}

fn number(case: &Value, defaults: &Value, name: &str) -> i64 {
    case.get(name)
        .unwrap_or(&defaults[name])
        .as_i64()
        .expect(name)
}

fn status_named(name: &str) -> Status {
    Status::ALL
        .into_iter()
        .find(|s| s.name().strip_prefix("ISMS_") == Some(name))
        .unwrap_or_else(|| panic!("unknown status {name}"))
}

/// What a call gave: status, HTTP status, message and result fields.
#[derive(Debug, Default)]
struct Outcome {
    status: Option<Status>,
    http: i64,
    message: String,
    fields: Map<String, Value>,
}

fn from_error(e: Error) -> Outcome {
    Outcome {
        status: Some(e.status()),
        http: i64::from(e.http_status()),
        message: e.message().to_owned(),
        fields: Map::new(),
    }
}

fn success<const N: usize>(http: u16, fields: [(&str, Value); N]) -> Outcome {
    Outcome {
        status: Some(Status::Ok),
        http: i64::from(http),
        message: String::new(),
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn opt(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

/// SAFETY: `p` is NULL or a NUL-terminated string.
unsafe fn c_text(p: *const c_char) -> Value {
    if p.is_null() {
        Value::Null
    } else {
        Value::String(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

fn c_str(arg: &Option<Vec<u8>>) -> Option<CString> {
    arg.as_ref()
        .map(|b| CString::new(b.clone()).expect("no NUL in case values"))
}

fn c_ptr(arg: &Option<CString>) -> *const c_char {
    arg.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

fn utf8(args: &[Option<Vec<u8>>]) -> Option<Vec<Option<&str>>> {
    args.iter()
        .map(|a| match a {
            None => Some(None),
            Some(b) => std::str::from_utf8(b).ok().map(Some),
        })
        .collect()
}

/// One client as the Rust API and one as the C ABI, on the same settings.
struct Clients {
    rust: Client,
    c: *mut IsmsClient,
}

impl Clients {
    fn new(sb: &Sandbox) -> Clients {
        let rust = sb.client("unused");
        let user = CString::new(sb.username()).unwrap();
        let pass = CString::new(sb.password()).unwrap();
        let ca = CString::new(sb.str("ca_file")).unwrap();
        // SAFETY: valid strings; the client is freed in Drop.
        let c = unsafe { isms_client_new(user.as_ptr(), pass.as_ptr()) };
        assert!(!c.is_null());
        // SAFETY: a live client and valid strings.
        unsafe {
            assert_eq!(isms_client_set_ca_file(c, ca.as_ptr()), IsmsStatus::ISMS_OK);
            assert_eq!(isms_client_set_proxy(c, c"".as_ptr()), IsmsStatus::ISMS_OK);
        }
        Clients { rust, c }
    }

    fn point_at(&self, url: &str) {
        self.rust.set_endpoint(Some(url)).unwrap();
        let url = CString::new(url).unwrap();
        // SAFETY: a live client and a valid string.
        assert_eq!(
            unsafe { isms_client_set_endpoint(self.c, url.as_ptr()) },
            IsmsStatus::ISMS_OK
        );
    }

    fn set_timeout_ms(&self, ms: u32) {
        self.rust
            .set_timeout(Duration::from_millis(u64::from(ms)))
            .unwrap();
        // SAFETY: a live client.
        assert_eq!(
            unsafe { isms_client_set_timeout_ms(self.c, ms) },
            IsmsStatus::ISMS_OK
        );
    }

    /// mobile, country_code, message, sender_id; `kind` is the message type.
    fn send(&self, a: &[Option<Vec<u8>>], kind: i64) -> Outcome {
        let kind = i32::try_from(kind).expect("type fits in int32_t");
        if let (Some(s), Some(t)) = (utf8(a), MessageType::from_code(kind)) {
            let args = SendOtp {
                mobile: s[0].unwrap(),
                country_code: s[1].unwrap(),
                message: s[2].unwrap(),
                message_type: t,
                sender_id: s[3],
            };
            return match self.rust.send_otp(&args) {
                Ok(r) => success(
                    r.http_status,
                    [
                        ("uuid", r.uuid.clone().into()),
                        ("sms_id", r.sms_id.clone().into()),
                        ("mobile", opt(r.mobile.as_deref())),
                        ("code", opt(r.code.as_deref().map(String::as_str))),
                    ],
                ),
                Err(e) => from_error(e),
            };
        }
        let c: Vec<Option<CString>> = a.iter().map(c_str).collect();
        // SAFETY: a live client, valid strings or NULL; the result is freed below.
        unsafe {
            let r = isms_send_otp(
                self.c,
                c_ptr(&c[0]),
                c_ptr(&c[1]),
                c_ptr(&c[2]),
                kind,
                c_ptr(&c[3]),
            );
            let out = c_outcome((*r).status, (*r).http_status, (*r).message);
            isms_send_result_free(r);
            out
        }
    }

    /// mobile, country_code, code, sms_id, uuid, sender_id.
    fn verify(&self, a: &[Option<Vec<u8>>], interval: i64) -> Outcome {
        let interval = u32::try_from(interval).expect("interval fits in uint32_t");
        if let Some(s) = utf8(a) {
            let args = VerifyOtp {
                mobile: s[0].unwrap(),
                country_code: s[1].unwrap(),
                code: s[2].unwrap(),
                sms_id: s[3].unwrap(),
                uuid: s[4].unwrap(),
                interval_minutes: interval,
                sender_id: s[5],
            };
            return match self.rust.verify_otp(&args) {
                Ok(r) => success(
                    r.http_status,
                    [
                        ("uuid", opt(r.uuid.as_deref())),
                        ("sms_id", opt(r.sms_id.as_deref())),
                        ("mobile", opt(r.mobile.as_deref())),
                    ],
                ),
                Err(e) => from_error(e),
            };
        }
        let c: Vec<Option<CString>> = a.iter().map(c_str).collect();
        // SAFETY: a live client, valid strings or NULL; the result is freed below.
        unsafe {
            let r = isms_verify_otp(
                self.c,
                c_ptr(&c[0]),
                c_ptr(&c[1]),
                c_ptr(&c[2]),
                c_ptr(&c[3]),
                c_ptr(&c[4]),
                interval,
                c_ptr(&c[5]),
            );
            let out = c_outcome((*r).status, (*r).http_status, (*r).message);
            isms_verify_result_free(r);
            out
        }
    }

    fn balance(&self) -> Outcome {
        match self.rust.balance() {
            Ok(b) => success(
                b.http_status,
                [
                    ("balance", b.balance.into()),
                    ("balance_text", b.balance_text.clone().into()),
                    ("expiration", opt(b.expiration.as_deref())),
                    ("expiration_iso", opt(b.expiration_iso.as_deref())),
                ],
            ),
            Err(e) => from_error(e),
        }
    }

    fn call(&self, call: &str, call_args: &Value) -> Outcome {
        match call {
            "send" => self.send(
                &args(&Value::Null, &call_args["send"], SEND_ARGS),
                number(&Value::Null, &call_args["send"], "type"),
            ),
            "verify" => self.verify(
                &args(&Value::Null, &call_args["verify"], VERIFY_ARGS),
                number(&Value::Null, &call_args["verify"], "interval"),
            ),
            "balance" => self.balance(),
            other => panic!("unknown call {other}"),
        }
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        // SAFETY: made by isms_client_new, freed once.
        unsafe { isms_client_free(self.c) };
    }
}

/// SAFETY: `message` is NULL or a NUL-terminated string.
unsafe fn c_outcome(status: IsmsStatus, http: i32, message: *const c_char) -> Outcome {
    let message = match unsafe { c_text(message) } {
        Value::String(s) => s,
        _ => String::new(),
    };
    Outcome {
        status: Status::from_code(status as i32),
        http: i64::from(http),
        message,
        fields: Map::new(),
    }
}

const SEND_ARGS: &[&str] = &["mobile", "country_code", "message", "sender_id"];
const VERIFY_ARGS: &[&str] = &[
    "mobile",
    "country_code",
    "code",
    "sms_id",
    "uuid",
    "sender_id",
];

/// One query component decoded with the sandbox's decoder, strictly: every
/// `%` must start a `%XX` escape and the bytes must be UTF-8.
fn pct_decode(s: &str) -> String {
    isms_sandbox::try_url_decode(s).expect("percent escapes and UTF-8 on the wire")
}

/// Every parameter of a query string, decoded; a repeated name is an error.
fn params(query: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let old = out.insert(pct_decode(k), pct_decode(v));
        assert!(old.is_none(), "{k} repeated in {query}");
    }
    out
}

/// The forms of the password a reply body may carry (`%PASSWORD...%` in
/// tests/cases/README.md) and a message must never show: plain, percent-encoded
/// in upper and lower case, form-encoded, HTML-escaped, JSON-escaped as
/// `\u00XX`, and its first half (rounded up).
fn password_forms(password: &str) -> Vec<(&'static str, String)> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let form = password
        .bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b if unreserved(b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    let html = password
        .chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect();
    let json_hex = password
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\u{:04X}", u32::from(c))
            }
        })
        .collect();
    let pct_lower = password
        .bytes()
        .map(|b| match b {
            b if unreserved(b) => (b as char).to_string(),
            b => format!("%{b:02x}"),
        })
        .collect();
    let half = password.chars().count().div_ceil(2);
    vec![
        ("%PASSWORD%", password.to_owned()),
        ("%PASSWORD_PCT%", common::wire_form(password)),
        ("%PASSWORD_PCT_LOWER%", pct_lower),
        ("%PASSWORD_FORM%", form),
        ("%PASSWORD_HTML%", html),
        ("%PASSWORD_JSON_HEX%", json_hex),
        ("%PASSWORD_HEAD%", password.chars().take(half).collect()),
    ]
}

/// Every log line of this test binary, at debug: each case checks that none
/// shows the password in any form or a whole number.
static LOG_LINES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        isms::set_log_hook(Some(std::sync::Arc::new(|_, line: &str| {
            LOG_LINES.lock().unwrap().push(line.to_owned())
        })));
        assert_eq!(isms_set_log_level(4), IsmsStatus::ISMS_OK);
    });
}

fn check_log_lines(name: &str, password: &str) {
    let lines = LOG_LINES.lock().unwrap();
    assert!(!lines.is_empty(), "{name}: no log line at all");
    for line in lines.iter() {
        for (form, secret) in password_forms(password) {
            assert!(
                !line.contains(&secret),
                "{name}: password ({form}) in the log line {line}"
            );
        }
        assert!(
            !line.contains("123456789"),
            "{name}: a whole number in the log line {line}"
        );
    }
}

/// The message must name one of `names`, and never show the password.
fn check_common(name: &str, out: &Outcome, expect: &Value, password: &str) {
    check_log_lines(name, password);
    let want = status_named(expect["status"].as_str().unwrap());
    assert_eq!(out.status, Some(want), "{name}: {out:?}");
    for (_, secret) in password_forms(password) {
        assert!(
            !out.message.contains(&secret),
            "{name}: password in {}",
            out.message
        );
    }
    if let Some(names) = expect.get("names") {
        let names: Vec<&str> = names
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert!(
            names.iter().any(|n| out.message.contains(n)),
            "{name}: message names none of {names:?}: {}",
            out.message
        );
    }
    if let Some(http) = expect.get("http_status") {
        assert_eq!(Some(out.http), http.as_i64(), "{name}: {out:?}");
    }
    if let Some(part) = expect.get("message_contains") {
        let part = part.as_str().unwrap();
        assert!(
            out.message.contains(part),
            "{name}: {part:?} not in {out:?}"
        );
    }
    if want == Status::Ok {
        assert!(out.message.is_empty(), "{name}: {out:?}");
    }
}

fn run_inputs(file: &str, call: &str, names: &[&str], number_arg: &str) {
    let sb = Sandbox::start();
    let clients = Clients::new(&sb);
    let file = load(file);
    let defaults = &file["defaults"];
    for (i, case) in cases(&file).iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let tag = format!("{call}-{i}");
        clients.point_at(&sb.endpoint(&tag, None));
        let a = args(case, defaults, names);
        let n = number(case, defaults, number_arg);
        let out = if call == "send" {
            clients.send(&a, n)
        } else {
            clients.verify(&a, n)
        };
        check_common(name, &out, expect, &sb.password());
        let queries = sb.queries(&tag);
        if out.status == Some(Status::InvalidArgument) {
            assert_eq!(out.http, 0, "{name}");
            assert!(queries.is_empty(), "{name}: refused, yet sent {queries:?}");
            continue;
        }
        assert_eq!(queries.len(), 1, "{name}: {queries:?}");
        let wire = params(&queries[0]);
        for (key, value) in expect["wire"].as_object().unwrap() {
            assert_eq!(
                wire.get(key).map(String::as_str),
                value.as_str(),
                "{name}: {key} on the wire {wire:?}"
            );
        }
        if call == "send" {
            let message = String::from_utf8(a[2].clone().unwrap()).unwrap();
            assert_eq!(wire.get("message"), Some(&message), "{name}: message");
        }
    }
}

#[test]
fn send_inputs() {
    capture_logs();
    run_inputs("send_inputs.json", "send", SEND_ARGS, "type");
}

#[test]
fn verify_inputs() {
    capture_logs();
    run_inputs("verify_inputs.json", "verify", VERIFY_ARGS, "interval");
}

#[test]
fn settings() {
    capture_logs();
    let sb = Sandbox::start();
    let clients = Clients::new(&sb);
    for case in cases(&load("settings.json")) {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let setting = case["setting"].as_str().unwrap();
        let value = &case["value"];
        let message = if setting == "timeout_ms" {
            let ms = u32::try_from(value.as_u64().unwrap()).unwrap();
            let rust = clients
                .rust
                .set_timeout(Duration::from_millis(u64::from(ms)));
            // SAFETY: a live client.
            let c = unsafe { isms_client_set_timeout_ms(clients.c, ms) };
            setting_outcome(name, rust, c)
        } else {
            let raw = bytes(value);
            let rust = match (raw.as_deref().map(std::str::from_utf8), setting) {
                (Some(Err(_)), _) => None,
                (text, "endpoint") => Some(clients.rust.set_endpoint(text.map(Result::unwrap))),
                (text, _) => Some(clients.rust.set_proxy(text.map(Result::unwrap))),
            };
            let c_value = c_str(&raw);
            // SAFETY: a live client and a valid string or NULL.
            let c = unsafe {
                if setting == "endpoint" {
                    isms_client_set_endpoint(clients.c, c_ptr(&c_value))
                } else {
                    isms_client_set_proxy(clients.c, c_ptr(&c_value))
                }
            };
            match rust {
                Some(rust) => setting_outcome(name, rust, c),
                None => c_setting_outcome(c),
            }
        };
        let out = Outcome {
            status: Some(message.0),
            http: 0,
            message: message.1,
            fields: Map::new(),
        };
        check_common(name, &out, expect, &sb.password());
        if let Some(secret) = expect.get("must_not_contain") {
            assert!(!out.message.contains(secret.as_str().unwrap()), "{name}");
        }
    }
}

/// A setting only the C ABI can take (bytes that are not UTF-8).
fn c_setting_outcome(c: IsmsStatus) -> (Status, String) {
    // SAFETY: a thread-local string, read at once.
    let text = unsafe { c_text(isms_last_error_message()) };
    let status = Status::from_code(c as i32).unwrap();
    (status, text.as_str().unwrap_or_default().to_owned())
}

/// The Rust and C outcomes of one setting must agree.
fn setting_outcome(name: &str, rust: Result<(), Error>, c: IsmsStatus) -> (Status, String) {
    // SAFETY: a static or thread-local string, read at once.
    let c_message = unsafe { c_text(isms_last_error_message()) };
    match rust {
        Ok(()) => {
            assert_eq!(c, IsmsStatus::ISMS_OK, "{name}: C refused {c_message}");
            (Status::Ok, String::new())
        }
        Err(e) => {
            assert_eq!(Status::from_code(c as i32), Some(e.status()), "{name}");
            assert_eq!(c_message.as_str(), Some(e.message()), "{name}");
            (e.status(), e.message().to_owned())
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn replies() {
    capture_logs();
    let sb = Sandbox::start();
    let clients = Clients::new(&sb);
    let file = load("replies.json");
    let forms = password_forms(&sb.password());
    for (i, case) in cases(&file).iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let mut body = case["body"].as_str().unwrap().to_owned();
        for (placeholder, form) in &forms {
            // JSON-escaped, so that the gateway's message holds the form itself.
            let escaped = serde_json::to_string(form).unwrap();
            body = body.replace(placeholder, &escaped[1..escaped.len() - 1]);
        }
        let tag = format!("reply-{i}");
        clients.point_at(&sb.endpoint(&tag, Some(&format!("body-{}", hex(body.as_bytes())))));
        let out = clients.call(case["call"].as_str().unwrap(), &file["call_args"]);
        check_common(name, &out, expect, &sb.password());
        if let Some(result) = expect.get("result") {
            assert_eq!(&Value::Object(out.fields.clone()), result, "{name}: result");
        }
        assert_eq!(sb.requests(&tag), 1, "{name}: one request");
    }
}

#[test]
fn faults() {
    capture_logs();
    let sb = Sandbox::start();
    let clients = Clients::new(&sb);
    let calls = load("replies.json")["call_args"].clone();
    for (i, case) in cases(&load("faults.json")).iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let tag = format!("fault-{i}");
        let fault = case["fault"].as_str().unwrap();
        clients.point_at(&sb.endpoint(&tag, Some(fault)));
        let timeout = case
            .get("timeout_ms")
            .and_then(Value::as_u64)
            .unwrap_or(10_000);
        clients.set_timeout_ms(u32::try_from(timeout).unwrap());
        let started = Instant::now();
        let out = clients.call(case["call"].as_str().unwrap(), &calls);
        let took = started.elapsed();
        check_common(name, &out, expect, &sb.password());
        let want = expect["requests"].as_u64().unwrap();
        assert_eq!(sb.requests(&tag), want, "{name}: requests");
        if out.status == Some(Status::Timeout) {
            let delay = fault
                .strip_prefix("slow-")
                .and_then(|ms| ms.parse().ok())
                .unwrap_or(u64::MAX);
            assert!(
                took < Duration::from_millis(delay.min(timeout * 4)),
                "{name}: took {took:?}"
            );
        }
    }
}

/// The guard's limits by their binding key (tests/cases/guard.json).
fn guard_limit(key: &str) -> isms::GuardLimit {
    use isms::GuardLimit::*;
    match key {
        "code_attempts" => CodeAttempts,
        "code_lifetime" => CodeLifetimeS,
        "resend_cooldown" => ResendCooldownS,
        "sends_per_window" => SendsPerWindow,
        "send_window" => SendWindowS,
        "failures_per_hour" => FailuresPerHour,
        other => panic!("unknown limit {other}"),
    }
}

/// Applies a case's guard settings; the first refusal, if any.
fn guard_settings(client: &Client, case: &Value, store: Option<&str>) -> Result<(), Error> {
    if let Some(limits) = case.get("limits").and_then(Value::as_object) {
        for (key, value) in limits {
            client.set_guard_limit(guard_limit(key), value.as_u64().expect("limit") as u32)?;
        }
    }
    client.set_guard(store)?;
    if let Some(list) = case.get("allowed_countries").and_then(Value::as_str) {
        client.set_allowed_countries(Some(list))?;
    }
    Ok(())
}

#[test]
fn guard() {
    capture_logs();
    let file = load("guard.json");
    let sb = Sandbox::start();
    let salt = std::process::id() % 90 + 10;
    let dir = std::env::temp_dir().join(format!("isms-guard-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (run, sqlite) in [false, true].into_iter().enumerate() {
        for (index, case) in cases(&file).iter().enumerate() {
            let name = case["name"].as_str().unwrap();
            let store = case["guard"].as_str().map(|s| {
                if sqlite && s == "memory:" {
                    format!("sqlite:{}", dir.join("guard.db").display())
                } else {
                    s.to_owned()
                }
            });
            let label = format!("{name} [{}]", store.as_deref().unwrap_or("off"));
            let tag = format!("guard-{run}-{index}");
            let guarded = sb.client(&tag);
            guard_settings(&guarded, case, store.as_deref()).unwrap();
            let plain = sb.client(&tag);
            let mobile = |letter: &str| {
                let l = letter.as_bytes()[0] - b'a';
                format!("01{salt}{run}{index:02}{l}00")
            };
            let mut sent: Vec<isms::Sent> = Vec::new();
            for step in case["steps"].as_array().unwrap() {
                if let Some(ms) = step.get("sleep_ms").and_then(Value::as_u64) {
                    std::thread::sleep(Duration::from_millis(ms));
                    continue;
                }
                let client = if step.get("client").and_then(Value::as_str) == Some("plain") {
                    &plain
                } else {
                    &guarded
                };
                let number = mobile(step["number"].as_str().unwrap());
                let before = sb.requests(&tag);
                let (status, attempts_left, retry_after) = match step["call"].as_str().unwrap() {
                    "send" => match client.send_otp(&SendOtp {
                        mobile: &number,
                        country_code: "60",
                        message: "Your code is %OTP%",
                        message_type: MessageType::Auto,
                        sender_id: None,
                    }) {
                        Ok(s) => {
                            sent.push(s);
                            (Status::Ok, None, 0)
                        }
                        Err(e) => (e.status(), None, e.retry_after_s()),
                    },
                    _ => {
                        let of =
                            &sent[step.get("of").and_then(Value::as_u64).unwrap_or(0) as usize];
                        let right = of.code.as_ref().unwrap().to_string();
                        let code = if step["code"] == "right" {
                            right
                        } else {
                            let last = right.as_bytes()[5];
                            format!(
                                "{}{}",
                                &right[..5],
                                if last == b'9' {
                                    '0'
                                } else {
                                    (last + 1) as char
                                }
                            )
                        };
                        let sms_id = if step.get("sms_id").and_then(Value::as_str) == Some("other")
                        {
                            "1".to_owned()
                        } else {
                            of.sms_id.clone()
                        };
                        match client.verify_otp(&VerifyOtp {
                            mobile: &number,
                            country_code: "60",
                            code: &code,
                            sms_id: &sms_id,
                            uuid: &of.uuid,
                            interval_minutes: 0,
                            sender_id: None,
                        }) {
                            Ok(v) => (Status::Ok, Some(v.attempts_left), 0),
                            Err(e) => (e.status(), Some(e.attempts_left()), e.retry_after_s()),
                        }
                    }
                };
                let expect = &step["expect"];
                let what = format!("{label}: {step}");
                assert_eq!(
                    status,
                    status_named(expect["status"].as_str().unwrap()),
                    "{what}"
                );
                let reached = sb.requests(&tag) > before;
                assert_eq!(
                    reached,
                    expect["reached"].as_bool().unwrap(),
                    "{what}: reached the gateway"
                );
                if let Some(want) = expect.get("attempts_left") {
                    let want = want.as_i64().map_or(-1, |n| n as i32);
                    assert_eq!(attempts_left, Some(want), "{what}: attempts_left");
                }
                if let Some(range) = expect.get("retry_after").and_then(Value::as_array) {
                    let (lo, hi) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
                    assert!(
                        (lo..=hi).contains(&u64::from(retry_after)),
                        "{what}: retry_after {retry_after}"
                    );
                }
            }
        }
    }
    for refusal in file["refusals"].as_array().unwrap() {
        let name = refusal["name"].as_str().unwrap();
        let client = sb.client("guard-refused");
        let err = guard_settings(&client, refusal, refusal["guard"].as_str()).unwrap_err();
        assert_eq!(err.status(), Status::InvalidArgument, "{name}");
        let names: Vec<&str> = refusal["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert!(
            names.iter().any(|n| err.message().contains(n)),
            "{name}: {}",
            err.message()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
