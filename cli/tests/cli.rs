//! The `isms` binary against a real sandbox gateway: every command, format
//! and exit code, the settings' precedence and the password's secrecy.

mod sandbox;

use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use sandbox::{Sandbox, PASSWORD};
use serde_json::Value;

const WRONG_PASSWORD: &str = "wr0ng&Pa55=Zq9x";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn output(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }

    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|_| panic!("not one JSON object:\n{}", self.output()))
    }
}

/// `isms` with an empty environment (no proxy variables, no ISMS_*).
fn bare() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_isms"));
    command.env_clear();
    command
}

/// `isms` set up for the sandbox through the environment, on `tag`.
fn isms(sb: &Sandbox, tag: &str) -> Command {
    let mut command = bare();
    command
        .env("ISMS_USERNAME", sb.username())
        .env("ISMS_PASSWORD", PASSWORD)
        .env("ISMS_ENDPOINT", sb.endpoint(tag, None))
        .env("ISMS_CA_FILE", sb.ca_file())
        .env("ISMS_PROXY", "")
        .env("ISMS_TIMEOUT", "10");
    command
}

fn run(command: &mut Command, args: &[&str]) -> Run {
    let out = command.args(args).output().expect("run isms");
    Run {
        code: out.status.code().expect("isms exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn percent_encoded(text: &str, space_as_plus: bool) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b' ' if space_as_plus => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Neither stream shows the secret, plain or encoded, nor a telling piece of it.
fn assert_no_secret(run: &Run, secret: &str, pieces: &[&str]) {
    let encoded = percent_encoded(secret, false);
    let forms = [
        secret.to_owned(),
        encoded.clone(),
        encoded.to_lowercase(),
        percent_encoded(secret, true),
    ];
    for text in [&run.stdout, &run.stderr] {
        for form in forms
            .iter()
            .map(String::as_str)
            .chain(pieces.iter().copied())
        {
            assert!(!text.contains(form), "{form:?} shown:\n{}", run.output());
        }
    }
}

// ---- dates ---------------------------------------------------------------

fn today() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (seconds / 86_400) as i64
}

/// The date `days` from today: the gateway's form (`05 Dec 2026`), the ISO
/// form, and midnight UTC in Unix seconds.
fn date_in(days: i64) -> (String, String, i64) {
    let day = today() + days;
    let (y, m, d) = isms_sandbox::civil_from_days(day);
    (
        isms_sandbox::format_date(y, m, d),
        format!("{y:04}-{m:02}-{d:02}"),
        day * 86_400,
    )
}

/// A sandbox with this credit, expiring `days` from today.
fn account(balance: &str, days: i64) -> Sandbox {
    let (expiration, _, _) = date_in(days);
    Sandbox::start_with(&["--balance", balance, "--expiration", &expiration])
}

// ---- version and help ----------------------------------------------------

#[test]
fn version_names_both_versions() {
    let r = run(&mut bare(), &["version"]);
    assert_eq!(r.code, 0, "{}", r.output());
    let root =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
    let lib_version = root
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap();
    assert_eq!(
        r.stdout,
        format!(
            "isms {} (libisms {lib_version})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn help_is_enough_to_use_the_tool() {
    let r = run(&mut bare(), &["--help"]);
    assert_eq!(r.code, 0, "{}", r.output());
    for word in [
        "ISMS_USERNAME",
        "ISMS_PASSWORD_FILE",
        "ISMS_PASSWORD",
        "ISMS_ENDPOINT",
        "ISMS_CA_FILE",
        "ISMS_PROXY",
        "ISMS_TIMEOUT",
        "Exit codes",
        "Examples",
        "balance",
        "send",
        "verify",
    ] {
        assert!(r.stdout.contains(word), "{word} missing:\n{}", r.stdout);
    }
    for (command, words) in [
        (
            "balance",
            &[
                "--warn-below",
                "--critical-days",
                "nagios",
                "prometheus",
                "Exit codes",
                "ISMS_PASSWORD_FILE",
                "Examples",
            ][..],
        ),
        (
            "send",
            &[
                "--country",
                "--show-code",
                "--sender-id",
                "Exit codes",
                "ISMS_USERNAME",
                "Examples",
            ],
        ),
        (
            "verify",
            &[
                "--sms-id",
                "--uuid",
                "--interval",
                "Exit codes",
                "ISMS_TIMEOUT",
                "Example",
            ],
        ),
    ] {
        let r = run(&mut bare(), &[command, "--help"]);
        assert_eq!(r.code, 0, "{}", r.output());
        for word in words {
            assert!(
                r.stdout.contains(word),
                "{command}: {word} missing:\n{}",
                r.stdout
            );
        }
    }
}

// ---- balance -------------------------------------------------------------

#[test]
fn balance_text() {
    let sb = account("81", 148);
    let (_, iso, _) = date_in(148);
    let r = run(&mut isms(&sb, "t"), &["balance"]);
    assert_eq!(r.code, 0, "{}", r.output());
    assert_eq!(
        r.stdout,
        format!("balance: 81.0 credits\nexpires: {iso} (148 days left)\n")
    );
    // With thresholds: a state line, and still exit 0 (not a failure).
    let r = run(
        &mut isms(&sb, "t"),
        &["balance", "--warn-below", "100", "--critical-days", "7"],
    );
    assert_eq!(r.code, 0, "{}", r.output());
    assert!(
        r.stdout.ends_with("state: WARNING: credit below 100\n"),
        "{}",
        r.output()
    );
    let r = run(&mut isms(&sb, "t"), &["balance", "--warn-below", "50"]);
    assert!(r.stdout.ends_with("state: OK\n"), "{}", r.output());
}

#[test]
fn balance_json() {
    let sb = account("81", 148);
    let (gateway_date, iso, _) = date_in(148);
    for extra in [&[][..], &["--warn-below", "100", "--critical-below", "90"]] {
        let mut args = vec!["balance", "--format", "json"];
        args.extend_from_slice(extra);
        let r = run(&mut isms(&sb, "j"), &args);
        assert_eq!(r.code, 0, "{}", r.output());
        assert_eq!(
            r.json(),
            serde_json::json!({
                "balance": 81.0,
                "expiration": gateway_date,
                "expiration_iso": iso,
                "days_left": 148,
                "status": "ISMS_OK",
            })
        );
        assert!(r.stdout.starts_with("{\"balance\":81.0,"), "{}", r.stdout);
    }
}

#[test]
fn balance_nagios_by_credit() {
    let sb = account("81", 148);
    let nagios = |args: &[&str]| {
        let mut all = vec!["balance", "--format", "nagios"];
        all.extend_from_slice(args);
        run(&mut isms(&sb, "n"), &all)
    };
    let (_, iso, _) = date_in(148);

    let r = nagios(&[]);
    assert_eq!(r.code, 0, "{}", r.output());
    assert_eq!(
        r.stdout,
        format!("ISMS OK - 81.0 credits, expiring {iso} (148 days left) | balance=81.0;; expiry_days=148;;\n")
    );

    let thresholds = ["--warn-below", "50", "--critical-below", "20.5"];
    let perf = "balance=81.0;50:;20.5: expiry_days=148;;";
    let r = nagios(&thresholds);
    assert_eq!(r.code, 0, "{}", r.output());
    assert!(r.stdout.starts_with("ISMS OK - "), "{}", r.output());
    assert!(r.stdout.ends_with(&format!("| {perf}\n")), "{}", r.output());

    // "Below" is strict: exactly the threshold is still OK.
    sb.admin("/_sandbox/balance?set=50");
    let r = nagios(&thresholds);
    assert_eq!(r.code, 0, "{}", r.output());
    assert!(
        r.stdout
            .ends_with("| balance=50.0;50:;20.5: expiry_days=148;;\n"),
        "{}",
        r.output()
    );

    sb.admin("/_sandbox/balance?set=49.9");
    let r = nagios(&thresholds);
    assert_eq!(r.code, 1, "{}", r.output());
    assert!(
        r.stdout.starts_with(&format!(
            "ISMS WARNING - 49.9 credits, expiring {iso} (148 days left): credit below 50 | balance=49.9;50:;20.5:"
        )),
        "{}",
        r.output()
    );

    sb.admin("/_sandbox/balance?set=20.5");
    let r = nagios(&thresholds);
    assert_eq!(r.code, 1, "{}", r.output());
    assert!(
        r.stdout.starts_with("ISMS WARNING - 20.5 credits"),
        "{}",
        r.output()
    );

    sb.admin("/_sandbox/balance?set=20.4");
    let r = nagios(&thresholds);
    assert_eq!(r.code, 2, "{}", r.output());
    assert!(
        r.stdout.starts_with("ISMS CRITICAL - 20.4 credits"),
        "{}",
        r.output()
    );
    assert!(r.stdout.contains(": credit below 20.5 |"), "{}", r.output());

    // Only a critical threshold: the warning field stays empty.
    let r = nagios(&["--critical-below", "30"]);
    assert_eq!(r.code, 2, "{}", r.output());
    assert!(
        r.stdout
            .ends_with("| balance=20.4;;30: expiry_days=148;;\n"),
        "{}",
        r.output()
    );
}

#[test]
fn balance_nagios_by_days() {
    let thresholds = ["--warn-days", "30", "--critical-days", "7"];
    for (days, code, state) in [
        (31, 0, "OK"),
        (30, 0, "OK"),
        (29, 1, "WARNING"),
        (7, 1, "WARNING"),
        (6, 2, "CRITICAL"),
        (-2, 2, "CRITICAL"),
    ] {
        let sb = account("81", days);
        let mut args = vec!["balance", "--format", "nagios"];
        args.extend_from_slice(&thresholds);
        let r = run(&mut isms(&sb, "d"), &args);
        assert_eq!(r.code, code, "{days} days: {}", r.output());
        assert!(
            r.stdout
                .starts_with(&format!("ISMS {state} - 81.0 credits")),
            "{days} days: {}",
            r.output()
        );
        assert!(
            r.stdout
                .ends_with(&format!("| balance=81.0;; expiry_days={days};30:;7:\n")),
            "{days} days: {}",
            r.output()
        );
    }
}

#[test]
fn balance_prometheus() {
    let sb = account("81", 148);
    let (_, _, midnight) = date_in(148);
    let expected = format!(
        "# HELP isms_up Whether the iSMS account's balance could be read (1) or not (0).\n\
         # TYPE isms_up gauge\n\
         isms_up 1\n\
         # HELP isms_balance_credits The iSMS account's credit.\n\
         # TYPE isms_balance_credits gauge\n\
         isms_balance_credits 81.0\n\
         # HELP isms_credit_expiry_timestamp_seconds When the credit expires: midnight UTC of the expiry date, in Unix seconds.\n\
         # TYPE isms_credit_expiry_timestamp_seconds gauge\n\
         isms_credit_expiry_timestamp_seconds {midnight}\n"
    );
    for extra in [&[][..], &["--warn-below", "100", "--critical-days", "200"]] {
        let mut args = vec!["balance", "--format", "prometheus"];
        args.extend_from_slice(extra);
        let r = run(&mut isms(&sb, "p"), &args);
        assert_eq!(r.code, 0, "{}", r.output());
        assert_eq!(r.stdout, expected);
    }
    // A failure still reports isms_up 0.
    let r = run(
        isms(&sb, "p").env("ISMS_ENDPOINT", sb.dead_endpoint()),
        &["balance", "--format", "prometheus"],
    );
    assert_eq!(r.code, 1, "{}", r.output());
    assert_eq!(
        r.stdout,
        "# HELP isms_up Whether the iSMS account's balance could be read (1) or not (0).\n\
         # TYPE isms_up gauge\n\
         isms_up 0\n"
    );
    assert!(r.stderr.contains("ISMS_ERR_"), "{}", r.output());
}

// ---- the password --------------------------------------------------------

#[test]
fn wrong_password_in_every_format() {
    let sb = Sandbox::start();
    let cases: [(&[&str], i32); 7] = [
        (&["balance"], 1),
        (&["balance", "--format", "json"], 1),
        (&["balance", "--format", "prometheus"], 1),
        (&["balance", "--format", "nagios", "--warn-below", "10"], 3),
        (
            &["send", "0123456789", "--country", "60", "--format", "json"],
            1,
        ),
        (&["send", "0123456789", "--country", "60", "--show-code"], 1),
        (
            &[
                "verify",
                "0123456789",
                "--country",
                "60",
                "--code",
                "123456",
                "--sms-id",
                "1171081025",
                "--uuid",
                "abc",
                "--format",
                "json",
            ],
            2,
        ),
    ];
    for (args, code) in cases {
        let r = run(isms(&sb, "w").env("ISMS_PASSWORD", WRONG_PASSWORD), args);
        assert_eq!(r.code, code, "{args:?}: {}", r.output());
        assert!(
            format!("{}{}", r.stdout, r.stderr).contains("ISMS_ERR_AUTH"),
            "{args:?}: {}",
            r.output()
        );
        assert_no_secret(&r, WRONG_PASSWORD, &["Pa55", "Zq9x"]);
        assert_no_secret(&r, PASSWORD, &["pa%ss"]);
    }
    let r = run(
        isms(&sb, "w").env("ISMS_PASSWORD", WRONG_PASSWORD),
        &["balance", "--format", "nagios"],
    );
    assert!(
        r.stdout.starts_with("ISMS UNKNOWN - ISMS_ERR_AUTH: "),
        "{}",
        r.output()
    );
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.output());
}

#[test]
fn a_reply_that_carries_the_query_shows_no_password() {
    // The redirect fault answers 302 with the whole query (password
    // included) in its Location header.
    let sb = Sandbox::start();
    for format in ["text", "json", "nagios", "prometheus"] {
        let r = run(
            isms(&sb, "r").env("ISMS_ENDPOINT", sb.endpoint("r", Some("redirect"))),
            &["balance", "--format", format],
        );
        assert_ne!(r.code, 0, "{format}: {}", r.output());
        assert_no_secret(&r, PASSWORD, &["pa%ss"]);
    }
}

#[test]
fn a_password_option_is_refused_without_echoing_it() {
    let sb = Sandbox::start();
    for (args, code) in [
        (&["balance", "--password", "hunter2-Secret"][..], 2),
        (&["--password=hunter2-Secret", "balance"], 2),
        (
            &[
                "send",
                "0123456789",
                "--country",
                "60",
                "--pass",
                "hunter2-Secret",
            ],
            2,
        ),
        (
            &[
                "balance",
                "--format",
                "nagios",
                "--password",
                "hunter2-Secret",
            ],
            3,
        ),
    ] {
        let r = run(&mut isms(&sb, "o"), args);
        assert_eq!(r.code, code, "{args:?}: {}", r.output());
        assert!(r.stderr.contains("visible to every user"), "{}", r.output());
        assert!(r.stderr.contains("--password-file"), "{}", r.output());
        assert_no_secret(&r, "hunter2-Secret", &["hunter2"]);
        if code == 3 {
            assert!(r.stdout.starts_with("ISMS UNKNOWN - "), "{}", r.output());
        }
    }
    assert_eq!(sb.requests("o"), 0);
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("isms-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn password_files() {
    let sb = account("81", 148);
    for (name, content) in [
        ("lf", format!("{PASSWORD}\n")),
        ("crlf", format!("{PASSWORD}\r\n")),
        ("bare", PASSWORD.to_owned()),
    ] {
        let file = temp_file(name, &content);
        let r = run(
            isms(&sb, "f")
                .env_remove("ISMS_PASSWORD")
                .env("ISMS_PASSWORD_FILE", &file),
            &["balance"],
        );
        assert_eq!(r.code, 0, "{name}: {}", r.output());
        std::fs::remove_file(&file).unwrap();
    }

    // A missing file is a failure naming the file, even with ISMS_PASSWORD set.
    let missing = "/nonexistent/isms-password";
    for (format, code) in [("text", 1), ("json", 1), ("nagios", 3), ("prometheus", 1)] {
        let r = run(
            isms(&sb, "f").env("ISMS_PASSWORD_FILE", missing),
            &["balance", "--format", format],
        );
        assert_eq!(r.code, code, "{format}: {}", r.output());
        let shown = format!("{}{}", r.stdout, r.stderr);
        assert!(shown.contains(missing), "{format}: {}", r.output());
        assert!(
            shown.contains("ISMS_PASSWORD_FILE"),
            "{format}: {}",
            r.output()
        );
        assert_no_secret(&r, PASSWORD, &["pa%ss"]);
    }
    let r = run(
        &mut isms(&sb, "f"),
        &["balance", "--password-file", missing],
    );
    assert_eq!(r.code, 1, "{}", r.output());
    assert!(r.stderr.contains(missing), "{}", r.output());
    assert_eq!(sb.requests("f"), 3);
}

#[test]
fn an_option_beats_the_environment() {
    let sb = account("81", 148);
    let right = temp_file("right", &format!("{PASSWORD}\n"));
    let wrong = temp_file("wrong", &format!("{WRONG_PASSWORD}\n"));

    // ISMS_PASSWORD_FILE beats ISMS_PASSWORD, both ways round.
    let r = run(
        isms(&sb, "e")
            .env("ISMS_PASSWORD", WRONG_PASSWORD)
            .env("ISMS_PASSWORD_FILE", &right),
        &["balance"],
    );
    assert_eq!(r.code, 0, "{}", r.output());
    let r = run(
        isms(&sb, "e").env("ISMS_PASSWORD_FILE", &wrong),
        &["balance"],
    );
    assert_eq!(r.code, 1, "{}", r.output());
    assert!(r.stderr.contains("ISMS_ERR_AUTH"), "{}", r.output());

    // Every option against a wrong variable.
    let r = run(
        isms(&sb, "e")
            .env("ISMS_USERNAME", "nobody")
            .env("ISMS_PASSWORD_FILE", &wrong)
            .env("ISMS_ENDPOINT", sb.dead_endpoint())
            .env("ISMS_CA_FILE", "/nonexistent/ca.pem")
            .env("ISMS_PROXY", "http://127.0.0.1:1")
            .env("ISMS_TIMEOUT", "not-a-number"),
        &[
            "balance",
            "--username",
            &sb.username(),
            "--password-file",
            right.to_str().unwrap(),
            "--endpoint",
            &sb.endpoint("e", None),
            "--ca-file",
            &sb.ca_file(),
            "--proxy",
            "",
            "--timeout",
            "9.5",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.output());
    std::fs::remove_file(&right).unwrap();
    std::fs::remove_file(&wrong).unwrap();
}

// ---- send and verify -----------------------------------------------------

#[test]
fn send_and_verify_in_text() {
    let sb = Sandbox::start();
    let r = run(
        &mut isms(&sb, "s"),
        &["send", "012-345 6789", "--country", "60"],
    );
    assert_eq!(r.code, 0, "{}", r.output());
    let sms = sb.outbox("s").pop().expect("an SMS was sent");
    assert_eq!(
        sms["message"],
        format!(
            "Your verification code is {}",
            sms["code"].as_str().unwrap()
        )
    );
    let code = sms["code"].as_str().unwrap();
    let (uuid, sms_id) = (
        sms["uuid"].as_str().unwrap(),
        sms["sms_id"].as_str().unwrap(),
    );
    assert_eq!(
        r.stdout,
        format!("uuid: {uuid}\nsms_id: {sms_id}\nmobile: +6012-3456789\n")
    );
    assert!(
        !r.stdout.contains(code) && !r.stderr.contains(code),
        "{}",
        r.output()
    );

    let verify = |code: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            "0123456789",
            "--country",
            "60",
            "--code",
            code,
            "--sms-id",
            sms_id,
            "--uuid",
            uuid,
        ];
        args.extend_from_slice(extra);
        run(&mut isms(&sb, "s"), &args)
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = verify(wrong, &[]);
    assert_eq!(r.code, 1, "{}", r.output());
    assert!(
        r.stderr.starts_with("isms: ISMS_ERR_OTP_INCORRECT: "),
        "{}",
        r.output()
    );
    assert_eq!(r.stdout, "");

    let r = verify(code, &["--interval", "5"]);
    assert_eq!(r.code, 0, "{}", r.output());
    assert_eq!(r.stdout, "verified\n");

    // Used up: the gateway's "Already Used" is another failure: exit 2.
    let r = verify(code, &[]);
    assert_eq!(r.code, 2, "{}", r.output());
    assert!(
        r.stderr.starts_with("isms: ISMS_ERR_REJECTED: "),
        "{}",
        r.output()
    );
}

#[test]
fn send_and_verify_in_json() {
    let sb = Sandbox::start();
    let r = run(
        &mut isms(&sb, "j"),
        &[
            "send",
            "91234567",
            "--country",
            "65",
            "--message",
            "Code: %OTP%",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.output());
    let sms = sb.outbox("j").pop().unwrap();
    assert_eq!(
        r.json(),
        serde_json::json!({
            "status": "ISMS_OK",
            "uuid": sms["uuid"],
            "sms_id": sms["sms_id"],
            "mobile": "+6591234567",
        })
    );
    assert!(
        r.stdout.starts_with("{\"status\":\"ISMS_OK\",\"uuid\":"),
        "{}",
        r.stdout
    );
    assert_eq!(
        sms["message"],
        format!("Code: {}", sms["code"].as_str().unwrap())
    );
    let (uuid, sms_id) = (
        sms["uuid"].as_str().unwrap(),
        sms["sms_id"].as_str().unwrap(),
    );

    let verify = |code: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            "91234567",
            "--country",
            "65",
            "--code",
            code,
            "--sms-id",
            sms_id,
            "--uuid",
            uuid,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        run(&mut isms(&sb, "j"), &args)
    };
    let code = sms["code"].as_str().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = verify(wrong, &[]);
    assert_eq!(r.code, 1, "{}", r.output());
    let object = r.json();
    assert_eq!(object["status"], "ISMS_ERR_OTP_INCORRECT");
    assert_eq!(object["verified"], false);
    assert!(object["message"]
        .as_str()
        .unwrap()
        .contains("Incorrect OTP Code"));
    assert_eq!(object["attempts_left"], Value::Null);
    assert_eq!(object.as_object().unwrap().len(), 4, "{object}");

    // Expired: the sandbox clock moves past the interval.
    sb.admin("/_sandbox/advance?seconds=120");
    let r = verify(code, &["--interval", "1"]);
    assert_eq!(r.code, 1, "{}", r.output());
    assert_eq!(r.json()["status"], "ISMS_ERR_OTP_EXPIRED");

    let r = verify(code, &[]);
    assert_eq!(r.code, 0, "{}", r.output());
    assert_eq!(
        r.stdout,
        "{\"status\":\"ISMS_OK\",\"verified\":true,\"message\":\"verified\",\"attempts_left\":null}\n"
    );

    // Any other failure: {"status","message"}, exit 2.
    let r = verify(code, &[]);
    assert_eq!(r.code, 2, "{}", r.output());
    let object = r.json();
    assert_eq!(object["status"], "ISMS_ERR_REJECTED");
    assert_eq!(object.as_object().unwrap().len(), 2, "{object}");
}

#[test]
fn show_code() {
    let sb = Sandbox::start();
    let r = run(
        &mut isms(&sb, "c"),
        &["send", "0123456789", "--country", "60", "--show-code"],
    );
    assert_eq!(r.code, 0, "{}", r.output());
    let code = sb.outbox("c").pop().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        r.stdout.ends_with(&format!("\ncode: {code}\n")),
        "{}",
        r.output()
    );

    let r = run(
        &mut isms(&sb, "c"),
        &[
            "send",
            "0123456789",
            "--country",
            "60",
            "--show-code",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.output());
    let code = sb.outbox("c").pop().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(r.json()["code"], code.as_str());
    let r = run(
        &mut isms(&sb, "c"),
        &["send", "0123456789", "--country", "60", "--format", "json"],
    );
    assert!(r.json().get("code").is_none(), "{}", r.output());
}

#[test]
fn send_failures_exit_1() {
    let sb = Sandbox::start();
    sb.admin("/_sandbox/balance?set=0");
    let r = run(
        &mut isms(&sb, "x"),
        &["send", "0123456789", "--country", "60"],
    );
    assert_eq!(r.code, 1, "{}", r.output());
    assert!(
        r.stderr.starts_with("isms: ISMS_ERR_INSUFFICIENT_CREDIT: "),
        "{}",
        r.output()
    );
    let r = run(
        &mut isms(&sb, "x"),
        &["send", "0123456789", "--country", "60", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.output());
    assert_eq!(r.json()["status"], "ISMS_ERR_INSUFFICIENT_CREDIT");
    assert_eq!(r.json().as_object().unwrap().len(), 2);
}

// ---- usage errors and refused arguments ----------------------------------

#[test]
fn usage_errors_exit_2_and_3_for_nagios() {
    let sb = Sandbox::start();
    for (args, code) in [
        (&[][..], 2),
        (&["frobnicate"], 2),
        (&["send", "--country", "60"], 2),
        (&["send", "0123456789"], 2),
        (
            &["send", "0123456789", "--country", "60", "--type", "binary"],
            2,
        ),
        (
            &[
                "verify",
                "0123456789",
                "--country",
                "60",
                "--code",
                "123456",
            ],
            2,
        ),
        (&["balance", "--format", "xml"], 2),
        (&["balance", "--warn-below"], 2),
        (&["balance", "--format", "nagios", "--warn-below"], 3),
        (&["balance", "--format=nagios", "--frobnicate"], 3),
    ] {
        let r = run(&mut isms(&sb, "u"), args);
        assert_eq!(r.code, code, "{args:?}: {}", r.output());
        assert!(!r.stderr.is_empty(), "{args:?}");
        if code == 3 {
            assert!(
                r.stdout.starts_with("ISMS UNKNOWN - usage error: "),
                "{}",
                r.output()
            );
            assert_eq!(r.stdout.lines().count(), 1, "{}", r.output());
        }
    }
    assert_eq!(sb.requests("u"), 0);
}

#[test]
fn refused_arguments_are_failures() {
    let sb = Sandbox::start();
    for (args, code, status) in [
        (
            &["balance", "--warn-below", "lots"][..],
            1,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &["balance", "--format", "json", "--warn-days", "1.5"],
            1,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &["balance", "--format", "nagios", "--critical-below", "x"],
            3,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &["balance", "--format", "prometheus", "--timeout", "0"],
            1,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &["balance", "--timeout", "soon"],
            1,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &["send", "12", "--country", "60"],
            1,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &["send", "0123456789", "--country", "0"],
            1,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &[
                "send",
                "0123456789",
                "--country",
                "60",
                "--message",
                "no placeholder",
            ],
            1,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &[
                "verify",
                "0123456789",
                "--country",
                "60",
                "--code",
                "12",
                "--sms-id",
                "1",
                "--uuid",
                "u",
            ],
            2,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
        (
            &[
                "verify",
                "0123456789",
                "--country",
                "60",
                "--code",
                "123456",
                "--sms-id",
                "1",
                "--uuid",
                "u",
                "--interval",
                "soon",
            ],
            2,
            "ISMS_ERR_INVALID_ARGUMENT",
        ),
    ] {
        let r = run(&mut isms(&sb, "a"), args);
        assert_eq!(r.code, code, "{args:?}: {}", r.output());
        assert!(
            format!("{}{}", r.stdout, r.stderr).contains(status),
            "{args:?}: {}",
            r.output()
        );
    }
    let r = run(isms(&sb, "a").env("ISMS_TIMEOUT", "-3"), &["balance"]);
    assert_eq!(r.code, 1, "{}", r.output());
    assert!(r.stderr.contains("ISMS_TIMEOUT"), "{}", r.output());
    let r = run(
        isms(&sb, "a").env_remove("ISMS_USERNAME"),
        &["balance", "--format", "nagios"],
    );
    assert_eq!(r.code, 3, "{}", r.output());
    assert!(r.stdout.contains("ISMS_USERNAME"), "{}", r.output());
    assert_eq!(sb.requests("a"), 0);
}
