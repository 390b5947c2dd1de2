//! The sandbox as a library (started in this process), the admin counts,
//! and the environment the binary and scripts/with-sandbox.sh hand over.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use isms_sandbox::{Options, Running, Sandbox};
use serde_json::{json, Value};

/// Characters that break a query string, a shell word, or both.
const TRICKY: &str = "demo&secret=1 %+ it's \"q\" $(touch x) `id` \\";

fn start() -> Running {
    Sandbox::start(Options {
        password: "pw".into(),
        ..Options::default()
    })
    .expect("start")
}

/// One request on a fresh plain-HTTP connection: (status, body).
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
    let status = head[9..12].parse().expect("a status");
    (status, body.to_string())
}

fn json(sb: &Running, path: &str) -> Value {
    let (status, body) = get(sb.ports().http, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

fn refused(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_err()
}

#[test]
fn starts_in_process_and_stops_on_drop() {
    let sb = start();
    let dir = sb.state_dir().to_path_buf();
    let p = sb.ports();
    assert!(sb.ca_file().exists() && sb.other_ca_file().exists());
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.info_file()).unwrap()).unwrap();
    assert_eq!(info, sb.info());
    assert_eq!(info["https_port"], p.https);
    assert_eq!(info["password"], "pw");
    assert_eq!(
        sb.endpoint(),
        format!("https://127.0.0.1:{}/2FA/request.php", p.https)
    );
    let q = "/2FA/request.php?un=demo&pass=pw&method=balance";
    assert_eq!(json(&sb, q)["balance"], "100.0");
    // A keep-alive connection left open must not keep the sandbox alive.
    let mut idle = TcpStream::connect(("127.0.0.1", p.http)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(idle, "GET {q} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 4096];
    assert!(idle.read(&mut buf).unwrap() > 0);

    let started = Instant::now();
    sb.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5), "slow to stop");
    for port in [p.https, p.http, p.proxy, p.socks, p.drop] {
        assert!(refused(port), "port {port} still open");
    }
    // The open connection was cut: end of stream (or an error), not a wait.
    let cut = Instant::now();
    let mut rest = Vec::new();
    let _ = idle.read_to_end(&mut rest);
    assert!(
        cut.elapsed() < Duration::from_secs(5),
        "the open connection lived on"
    );
    assert!(!dir.exists(), "the temporary state dir was left behind");
}

#[test]
fn a_given_state_dir_is_kept_and_admin_shutdown_stops_without_exiting() {
    let dir = std::env::temp_dir().join(format!("isms-sandbox-lib-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sb = Sandbox::start(Options {
        state_dir: Some(dir.clone()),
        ..Options::default()
    })
    .unwrap();
    assert_eq!(sb.state_dir(), std::fs::canonicalize(&dir).unwrap());
    let port = sb.ports().http;
    assert!(!sb.is_stopped());
    assert_eq!(json(&sb, "/_sandbox/shutdown"), json!({"ok": true}));
    // wait() returns once stopped; this process goes on.
    sb.wait();
    assert!(sb.is_stopped());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !refused(port) {
        assert!(Instant::now() < deadline, "still listening after shutdown");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(sb);
    assert!(
        dir.join("sandbox.json").exists(),
        "a given state dir is kept"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_sandboxes_side_by_side() {
    let (a, b) = (start(), start());
    assert_ne!(a.ports().https, b.ports().https);
    assert_ne!(a.state_dir(), b.state_dir());
    let body = std::fs::read_to_string(a.ca_file()).unwrap();
    assert_ne!(body, std::fs::read_to_string(b.ca_file()).unwrap());
}

#[test]
fn counts_per_uuid_and_number() {
    let sb = start();
    let empty = json!({"verify_by_uuid": {}, "send_by_number": {}, "verify_by_number": {}});
    assert_eq!(json(&sb, "/_sandbox/counts?tag=c"), empty);
    let send = "/t/c/2FA/request.php?un=demo&pass=pw&type=1&message=%25OTP%25";
    let sent = json(&sb, &format!("{send}&mobile=123456789&country_code=60"));
    let uuid = sent["uuid"].as_str().unwrap().to_string();
    let sms_id = sent["sms_id"].as_str().unwrap().to_string();
    json(&sb, &format!("{send}&mobile=123456789&country_code=60"));
    // A wrong password still reached the sandbox: counted.
    json(
        &sb,
        "/t/c/2FA/request.php?un=demo&pass=no&type=1&message=%25OTP%25&mobile=91234567&country_code=65",
    );
    let verify = format!(
        "/t/c/2FA/request.php?un=demo&pass=pw&method=verify&mobile=123456789&country_code=60&sms_id={sms_id}&code=000000"
    );
    for _ in 0..3 {
        json(&sb, &format!("{verify}&uuid={uuid}"));
    }
    json(&sb, &format!("{verify}&uuid=other"));
    // Faults count too (the request reached the sandbox); balance does not.
    let (status, _) = get(
        sb.ports().http,
        &format!(
            "/t/c/fault/http503/2FA/request.php?method=verify&uuid={uuid}&mobile=1&country_code=44"
        ),
    );
    assert_eq!(status, 503);
    json(&sb, "/t/c/2FA/request.php?un=demo&pass=pw&method=balance");
    // Other tags and untagged requests are apart.
    json(
        &sb,
        &format!("/t/d/2FA/request.php?method=verify&uuid={uuid}"),
    );
    json(&sb, &format!("{}&mobile=5&country_code=1", &send[4..]));

    let counts = json(&sb, "/_sandbox/counts?tag=c");
    assert_eq!(
        counts,
        json!({
            "verify_by_uuid": {uuid.clone(): 4, "other": 1},
            "send_by_number": {"+60123456789": 2, "+6591234567": 1},
            "verify_by_number": {"+60123456789": 4, "+441": 1},
        })
    );
    let untagged = json(&sb, "/_sandbox/counts");
    assert_eq!(untagged["send_by_number"], json!({"+15": 1}));
    assert_eq!(untagged["verify_by_uuid"], json!({}));
    let all = json(&sb, "/_sandbox/counts?tag=*");
    assert_eq!(all["verify_by_uuid"][&uuid], 5);
    assert_eq!(all["send_by_number"]["+15"], 1);
}

/// Runs `bash -c script` in `dir` with `vars` set.
fn bash(script: &str, dir: &Path, vars: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run bash")
}

/// NAME=value pairs printed NUL-separated by `env -0`, the ISMS_ ones.
fn isms_env(out: &[u8]) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = out
        .split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok()?.split_once('='))
        .filter(|(k, _)| {
            k.starts_with("ISMS_") && !matches!(*k, "ISMS_SANDBOX_ARGS" | "ISMS_SANDBOX_BIN")
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.sort();
    vars
}

/// What the environment must hold for a sandbox whose sandbox.json is `info_file`,
/// read from `copy` (the same file, or a copy of it).
fn expected_env(info_file: &Path, copy: &Path, password: &str) -> Vec<(String, String)> {
    let info: Value = serde_json::from_str(&std::fs::read_to_string(copy).unwrap()).unwrap();
    let dir = info_file.parent().unwrap().to_string_lossy().into_owned();
    let mut vars: Vec<(String, String)> = [
        (
            "ISMS_CA_FILE",
            info["ca_file"].as_str().unwrap().to_string(),
        ),
        (
            "ISMS_ENDPOINT",
            format!("https://127.0.0.1:{}/2FA/request.php", info["https_port"]),
        ),
        (
            "ISMS_HTTP_ENDPOINT",
            format!("http://127.0.0.1:{}/2FA/request.php", info["http_port"]),
        ),
        ("ISMS_OUTBOX", format!("{dir}/outbox.jsonl")),
        ("ISMS_PASSWORD", password.to_string()),
        (
            "ISMS_SANDBOX_STATE",
            info_file.to_string_lossy().into_owned(),
        ),
        ("ISMS_USERNAME", "demo".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    vars.sort();
    vars
}

#[test]
fn env_script_sources_back_exactly() {
    let sb = Sandbox::start(Options {
        password: TRICKY.into(),
        ..Options::default()
    })
    .unwrap();
    let file = sb.state_dir().join("env.sh");
    sb.write_env_file(&file).unwrap();
    let out = bash(
        r#". "$F" && env -0"#,
        sb.state_dir(),
        &[("F", file.to_str().unwrap())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        isms_env(&out.stdout),
        expected_env(&sb.info_file(), &sb.info_file(), TRICKY)
    );
    assert!(!sb.state_dir().join("x").exists(), "sourcing ran a command");
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/with-sandbox.sh")
}

/// `%XX` for every byte but the unreserved ones, in bash.
const ENC: &str = r#"enc() { local s=$1 i c out=; for ((i=0; i<${#s}; i++)); do c=${s:i:1}; case $c in [A-Za-z0-9._~-]) out+=$c;; *) printf -v c '%%%02X' "'$c"; out+=$c;; esac; done; printf %s "$out"; }"#;

#[test]
fn with_sandbox_gives_the_environment_and_takes_quoted_args() {
    let work = std::env::temp_dir().join(format!("isms-with-sandbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    // Inside the sandbox's lifetime: dump the environment, ask for the balance.
    let inner = format!(
        r#"{ENC}
env -0 > "$OUT/env"
cp "$ISMS_SANDBOX_STATE" "$OUT/sandbox.json"
port=${{ISMS_HTTP_ENDPOINT#http://127.0.0.1:}}; port=${{port%%/*}}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /2FA/request.php?method=balance&un=%s&pass=%s HTTP/1.0\r\n\r\n' "$(enc "$ISMS_USERNAME")" "$(enc "$ISMS_PASSWORD")" >&3
cat <&3 > "$OUT/balance"
"#
    );
    std::fs::write(work.join("inner.sh"), inner).unwrap();
    let args = format!(
        r#"--expiration "05 Dec 2026" --balance 3 --password '{}'"#,
        TRICKY.replace('\'', r"'\''")
    );
    let out = Command::new(script())
        .args(["bash", work.join("inner.sh").to_str().unwrap()])
        .env("ISMS_SANDBOX_BIN", env!("CARGO_BIN_EXE_isms-sandbox"))
        .env("ISMS_SANDBOX_ARGS", &args)
        .env("OUT", &work)
        .current_dir(&work)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env = isms_env(&std::fs::read(work.join("env")).unwrap());
    let state = PathBuf::from(
        &env.iter()
            .find(|(k, _)| k == "ISMS_SANDBOX_STATE")
            .unwrap()
            .1,
    );
    assert_eq!(state.file_name().unwrap(), "sandbox.json");
    assert_eq!(
        env,
        expected_env(&state, &work.join("sandbox.json"), TRICKY)
    );
    let balance = std::fs::read_to_string(work.join("balance")).unwrap();
    assert!(
        balance.ends_with(r#"{"method":"balance","balance":"3.0","expiration":"05 Dec 2026"}"#),
        "{balance}"
    );
    assert!(
        !state.parent().unwrap().exists(),
        "the state dir was left behind"
    );
    assert!(
        !work.join("x").exists(),
        "a command in the arguments was run"
    );

    // Shell syntax that would run something is refused, and nothing runs.
    for bad in [
        "--balance $(touch x)",
        "--balance `touch x`",
        "--balance 3; touch x",
    ] {
        let out = Command::new(script())
            .args(["true"])
            .env("ISMS_SANDBOX_BIN", env!("CARGO_BIN_EXE_isms-sandbox"))
            .env("ISMS_SANDBOX_ARGS", bad)
            .current_dir(&work)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad:?} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unsupported shell syntax"), "{bad:?}: {err}");
        assert!(!work.join("x").exists(), "{bad:?} ran a command");
    }
    std::fs::remove_dir_all(&work).unwrap();
}
