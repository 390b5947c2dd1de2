//! The guard's rules as functions of a store URL, shared by tests/guard.rs
//! (memory and SQLite) and tests/guard_redis.rs (Redis): each checks one
//! rule against the sandbox, whose request counts say what reached the
//! gateway.
#![allow(dead_code)]

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::Sandbox;
use isms::{Client, Error, GuardLimit, MessageType, SendOtp, Status, VerifyOtp};

/// Each test its own numbers: the memory store is shared by the whole process.
pub static NEXT_NUMBER: AtomicU32 = AtomicU32::new(0);

pub fn fresh_mobile() -> String {
    let n = NEXT_NUMBER.fetch_add(1, Ordering::SeqCst);
    format!("01{:02}{:06}", std::process::id() % 100, 100_000 + n)
}

pub fn send_args(mobile: &str) -> SendOtp<'_> {
    SendOtp {
        mobile,
        country_code: "60",
        message: "Your code is %OTP%",
        message_type: MessageType::Auto,
        sender_id: None,
    }
}

pub fn verify_args<'a>(
    mobile: &'a str,
    code: &'a str,
    sms_id: &'a str,
    uuid: &'a str,
) -> VerifyOtp<'a> {
    VerifyOtp {
        mobile,
        country_code: "60",
        code,
        sms_id,
        uuid,
        interval_minutes: 0,
        sender_id: None,
    }
}

pub fn guarded(sandbox: &Sandbox, tag: &str, store: &str) -> Client {
    let client = sandbox.client(tag);
    client.set_guard(Some(store)).unwrap();
    client
}

/// A code that is not the one sent (the sandbox's codes have 6 digits).
pub fn wrong(code: &str) -> String {
    let last = code.as_bytes()[5];
    format!(
        "{}{}",
        &code[..5],
        if last == b'9' {
            '0'
        } else {
            (last + 1) as char
        }
    )
}

pub fn code_of(sent: &isms::Sent) -> String {
    sent.code.as_ref().unwrap().to_string()
}

pub fn race<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (f, barrier) = (&f, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    f(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

pub fn count(outcomes: &[Status], status: Status) -> usize {
    outcomes.iter().filter(|s| **s == status).count()
}

/// The child side of `limits_hold_across_processes`: 4 threads, one call
/// each, statuses printed one per line.
pub fn child_main() {
    let var = |name: &str| std::env::var(name).unwrap();
    let client = Client::new(&var("ISMS_USERNAME"), &var("ISMS_PASSWORD")).unwrap();
    client.set_endpoint(Some(&var("ISMS_ENDPOINT"))).unwrap();
    client
        .set_ca_file(Some(std::path::Path::new(&var("ISMS_CA_FILE"))))
        .unwrap();
    client.set_proxy(Some("")).unwrap();
    client.set_timeout(Duration::from_secs(20)).unwrap();
    client.set_guard(Some(&var("ISMS_GUARD"))).unwrap();
    let (op, mobile) = (var("ISMS_CHILD_OP"), var("ISMS_CHILD_MOBILE"));
    let outcomes = race(4, |_| {
        let outcome = if op == "send" {
            client.send_otp(&send_args(&mobile)).map(|_| ())
        } else {
            client
                .verify_otp(&verify_args(
                    &mobile,
                    &var("ISMS_CHILD_CODE"),
                    &var("ISMS_CHILD_SMS_ID"),
                    &var("ISMS_CHILD_UUID"),
                ))
                .map(|_| ())
        };
        outcome.map_or_else(|e| e.status(), |()| Status::Ok)
    });
    for status in outcomes {
        println!("\n@status {}", status.name());
    }
}

pub fn resend_cooldown_and_window(sandbox: &Sandbox, store: &str) {
    let client = guarded(sandbox, "cooldown", store);
    let mobile = fresh_mobile();
    let before = sandbox.requests("cooldown");
    client.send_otp(&send_args(&mobile)).unwrap();
    let err = client.send_otp(&send_args(&mobile)).unwrap_err();
    assert_eq!(err.status(), Status::RateLimited, "{store}: {err:?}");
    assert!(
        (29..=30).contains(&err.retry_after_s()),
        "{store}: {}",
        err.retry_after_s()
    );
    assert_eq!(
        sandbox.requests("cooldown"),
        before + 1,
        "{store}: the refused send went out"
    );
    // Another number is not limited by this one.
    client.send_otp(&send_args(&fresh_mobile())).unwrap();

    // The window: 3 sends per 600 s with no cooldown.
    client
        .set_guard_limit(GuardLimit::ResendCooldownS, 0)
        .unwrap();
    client
        .set_guard_limit(GuardLimit::SendsPerWindow, 3)
        .unwrap();
    let mobile = fresh_mobile();
    for _ in 0..3 {
        client.send_otp(&send_args(&mobile)).unwrap();
    }
    let err = client.send_otp(&send_args(&mobile)).unwrap_err();
    assert_eq!(err.status(), Status::RateLimited, "{store}");
    assert!(
        (599..=600).contains(&err.retry_after_s()),
        "{store}: {}",
        err.retry_after_s()
    );
    // The limits are the calling client's: with the window off it passes.
    client
        .set_guard_limit(GuardLimit::SendsPerWindow, 0)
        .unwrap();
    client.send_otp(&send_args(&mobile)).unwrap();
}

pub fn attempts_lock_a_code_and_a_code_is_used_once(sandbox: &Sandbox, store: &str) {
    let client = guarded(sandbox, "attempts", store);
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    let code = code_of(&sent);
    let bad = wrong(&code);
    let before = sandbox.requests("attempts");
    for left in (0..5).rev() {
        let err = client
            .verify_otp(&verify_args(&mobile, &bad, &sent.sms_id, &sent.uuid))
            .unwrap_err();
        assert_eq!(err.status(), Status::OtpIncorrect, "{store}");
        assert_eq!(err.attempts_left(), left, "{store}");
    }
    assert_eq!(sandbox.requests("attempts"), before + 5);
    // Locked: even the right code is refused, without asking.
    let err = client
        .verify_otp(&verify_args(&mobile, &code, &sent.sms_id, &sent.uuid))
        .unwrap_err();
    assert_eq!(err.status(), Status::TooManyAttempts, "{store}");
    assert_eq!(err.attempts_left(), 0);
    assert_eq!(
        sandbox.requests("attempts"),
        before + 5,
        "{store}: asked after the lock"
    );

    // Single use.
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    let code = code_of(&sent);
    let ok = client
        .verify_otp(&verify_args(&mobile, &code, &sent.sms_id, &sent.uuid))
        .unwrap();
    assert_eq!(ok.attempts_left, 0);
    let before = sandbox.requests("attempts");
    let err = client
        .verify_otp(&verify_args(&mobile, &code, &sent.sms_id, &sent.uuid))
        .unwrap_err();
    assert_eq!(err.status(), Status::OtpExpired, "{store}");
    assert_eq!(err.attempts_left(), 0);
    assert_eq!(
        sandbox.requests("attempts"),
        before,
        "{store}: a used code was asked about"
    );
}

pub fn codes_are_bound_to_their_number_and_sms_id(sandbox: &Sandbox, store: &str) {
    let client = guarded(sandbox, "bound", store);
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    let code = code_of(&sent);
    let before = sandbox.requests("bound");
    let other = fresh_mobile();
    let err = client
        .verify_otp(&verify_args(&other, &code, &sent.sms_id, &sent.uuid))
        .unwrap_err();
    assert_eq!(err.status(), Status::NotAllowed, "{store}");
    assert_eq!(err.attempts_left(), 5);
    let err = client
        .verify_otp(&verify_args(&mobile, &code, "1", &sent.uuid))
        .unwrap_err();
    assert_eq!(err.status(), Status::NotAllowed, "{store}");
    assert_eq!(
        sandbox.requests("bound"),
        before,
        "{store}: asked about another number"
    );
    // The right number still works: nothing was spent.
    client
        .verify_otp(&verify_args(&mobile, &code, &sent.sms_id, &sent.uuid))
        .unwrap();
}

pub fn lifetime_expires_codes_without_asking(sandbox: &Sandbox, store: &str) {
    let client = guarded(sandbox, "lifetime", store);
    client
        .set_guard_limit(GuardLimit::CodeLifetimeS, 1)
        .unwrap();
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let before = sandbox.requests("lifetime");
    let err = client
        .verify_otp(&verify_args(
            &mobile,
            &code_of(&sent),
            &sent.sms_id,
            &sent.uuid,
        ))
        .unwrap_err();
    assert_eq!(err.status(), Status::OtpExpired, "{store}");
    assert_eq!(sandbox.requests("lifetime"), before);
}

pub fn wrong_codes_per_number_per_hour(sandbox: &Sandbox, store: &str) {
    let client = guarded(sandbox, "hourly", store);
    client
        .set_guard_limit(GuardLimit::FailuresPerHour, 3)
        .unwrap();
    client
        .set_guard_limit(GuardLimit::ResendCooldownS, 0)
        .unwrap();
    let mobile = fresh_mobile();
    // Three wrong codes spread over two codes of one number.
    let first = client.send_otp(&send_args(&mobile)).unwrap();
    let second = client.send_otp(&send_args(&mobile)).unwrap();
    for (sent, times) in [(&first, 2), (&second, 1)] {
        for _ in 0..times {
            let bad = wrong(&code_of(sent));
            let err = client
                .verify_otp(&verify_args(&mobile, &bad, &sent.sms_id, &sent.uuid))
                .unwrap_err();
            assert_eq!(err.status(), Status::OtpIncorrect);
        }
    }
    let before = sandbox.requests("hourly");
    let err = client
        .verify_otp(&verify_args(
            &mobile,
            &code_of(&second),
            &second.sms_id,
            &second.uuid,
        ))
        .unwrap_err();
    assert_eq!(err.status(), Status::RateLimited, "{store}");
    assert!(
        (3598..=3600).contains(&err.retry_after_s()),
        "{}",
        err.retry_after_s()
    );
    assert_eq!(err.attempts_left(), 4, "a refusal spends no attempt");
    assert_eq!(sandbox.requests("hourly"), before);
    // A rejected verify (not a wrong code) spends an attempt but is no failure.
    client
        .set_guard_limit(GuardLimit::FailuresPerHour, 0)
        .unwrap();
    let ok = client
        .verify_otp(&verify_args(
            &mobile,
            &code_of(&second),
            &second.sms_id,
            &second.uuid,
        ))
        .unwrap();
    assert_eq!(ok.attempts_left, 0);
}

pub fn unknown_codes_are_asked_about_then_bound(sandbox: &Sandbox, store: &str) {
    // Sent with the guard off: the store has never seen it.
    let plain = sandbox.client("unknown");
    let mobile = fresh_mobile();
    let sent = plain.send_otp(&send_args(&mobile)).unwrap();
    let client = guarded(sandbox, "unknown", store);
    let bad = wrong(&code_of(&sent));
    let err = client
        .verify_otp(&verify_args(&mobile, &bad, &sent.sms_id, &sent.uuid))
        .unwrap_err();
    assert_eq!(err.status(), Status::OtpIncorrect, "{store}");
    assert_eq!(err.attempts_left(), 4);
    // Now bound to the number first given.
    let err = client
        .verify_otp(&verify_args(
            &fresh_mobile(),
            &code_of(&sent),
            &sent.sms_id,
            &sent.uuid,
        ))
        .unwrap_err();
    assert_eq!(err.status(), Status::NotAllowed, "{store}");
    assert_eq!(err.attempts_left(), 4);
    client
        .verify_otp(&verify_args(
            &mobile,
            &code_of(&sent),
            &sent.sms_id,
            &sent.uuid,
        ))
        .unwrap();
}

/// 16 threads on one code and one number: exactly CODE_ATTEMPTS wrong
/// verifies and exactly one send reach the gateway.
pub fn limits_hold_across_threads(sandbox: &Sandbox, store: &str) {
    let tag = "threads";
    let client = Arc::new(guarded(sandbox, tag, store));
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    let bad = wrong(&code_of(&sent));
    let before = sandbox.requests(tag);
    let outcomes = race(16, |_| {
        client
            .verify_otp(&verify_args(&mobile, &bad, &sent.sms_id, &sent.uuid))
            .map(|_| Status::Ok)
            .unwrap_or_else(|e: Error| e.status())
    });
    assert_eq!(
        count(&outcomes, Status::OtpIncorrect),
        5,
        "{store}: {outcomes:?}"
    );
    assert_eq!(count(&outcomes, Status::TooManyAttempts), 11, "{store}");
    assert_eq!(sandbox.requests(tag), before + 5, "{store}");

    let mobile = fresh_mobile();
    let before = sandbox.requests(tag);
    let outcomes = race(16, |_| {
        client
            .send_otp(&send_args(&mobile))
            .map(|_| Status::Ok)
            .unwrap_or_else(|e| e.status())
    });
    assert_eq!(count(&outcomes, Status::Ok), 1, "{store}: {outcomes:?}");
    assert_eq!(count(&outcomes, Status::RateLimited), 15, "{store}");
    assert_eq!(sandbox.requests(tag), before + 1, "{store}");
}

/// 8 processes x 4 threads on one SQLite file.
pub fn limits_hold_across_processes(sandbox: &Sandbox, store: &str, test_name: &str) {
    let client = guarded(sandbox, "procs", store);
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    let code = code_of(&sent);
    let run = |op: &str, mobile: &str, code: &str| -> Vec<String> {
        let children: Vec<_> = (0..8)
            .map(|_| {
                Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
                    .env("ISMS_CHILD_OP", op)
                    .env("ISMS_CHILD_MOBILE", mobile)
                    .env("ISMS_CHILD_CODE", code)
                    .env("ISMS_CHILD_SMS_ID", &sent.sms_id)
                    .env("ISMS_CHILD_UUID", &sent.uuid)
                    .env("ISMS_GUARD", store)
                    .env("ISMS_USERNAME", sandbox.username())
                    .env("ISMS_PASSWORD", sandbox.password())
                    .env("ISMS_ENDPOINT", sandbox.endpoint("procs", None))
                    .env("ISMS_CA_FILE", sandbox.ca_file())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .flat_map(|child| {
                let out = child.wait_with_output().unwrap();
                assert!(out.status.success());
                String::from_utf8(out.stdout)
                    .unwrap()
                    .lines()
                    .filter_map(|l| l.strip_prefix("@status ").map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let counted = |outcomes: &[String], name: &str| outcomes.iter().filter(|s| *s == name).count();

    let before = sandbox.requests("procs");
    let outcomes = run("verify", &mobile, &wrong(&code));
    assert_eq!(outcomes.len(), 32);
    assert_eq!(
        counted(&outcomes, "ISMS_ERR_OTP_INCORRECT"),
        5,
        "{outcomes:?}"
    );
    assert_eq!(
        counted(&outcomes, "ISMS_ERR_TOO_MANY_ATTEMPTS"),
        27,
        "{outcomes:?}"
    );
    assert_eq!(sandbox.requests("procs"), before + 5);

    let other = fresh_mobile();
    let before = sandbox.requests("procs");
    let outcomes = run("send", &other, "000000");
    assert_eq!(counted(&outcomes, "ISMS_OK"), 1, "{outcomes:?}");
    assert_eq!(
        counted(&outcomes, "ISMS_ERR_RATE_LIMITED"),
        31,
        "{outcomes:?}"
    );
    assert_eq!(sandbox.requests("procs"), before + 1);

    // A code verified in one process is used in all.
    let mobile = fresh_mobile();
    let sent2 = client.send_otp(&send_args(&mobile)).unwrap();
    client
        .verify_otp(&verify_args(
            &mobile,
            &code_of(&sent2),
            &sent2.sms_id,
            &sent2.uuid,
        ))
        .unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env("ISMS_CHILD_OP", "verify")
        .env("ISMS_CHILD_MOBILE", &mobile)
        .env("ISMS_CHILD_CODE", code_of(&sent2))
        .env("ISMS_CHILD_SMS_ID", &sent2.sms_id)
        .env("ISMS_CHILD_UUID", &sent2.uuid)
        .env("ISMS_GUARD", store)
        .env("ISMS_USERNAME", sandbox.username())
        .env("ISMS_PASSWORD", sandbox.password())
        .env("ISMS_ENDPOINT", sandbox.endpoint("procs", None))
        .env("ISMS_CA_FILE", sandbox.ca_file())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.matches("@status ISMS_ERR_OTP_EXPIRED").count(),
        4,
        "{text}"
    );
}
