//! The guard's Redis store against the sandbox and a real `redis-server`
//! (the Debian package), started by each test on a free loopback port and
//! killed at its end: the rules of tests/guard.rs, the limits across 8
//! processes of 4 threads, a server stopped and restarted mid-run, a wrong
//! password, and two accounts on one server.

#![cfg(feature = "redis")]

mod common;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::Sandbox;
use isms::{Client, Error, GuardLimit, MessageType, SendOtp, Status, VerifyOtp};

/// A `redis-server` of this test, killed when dropped.
struct Redis {
    port: u16,
    args: Vec<String>,
    child: Option<Child>,
}

impl Redis {
    fn start(extra: &[&str]) -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Redis {
            port,
            args: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
        };
        redis.restart();
        redis
    }

    /// Starts the server (again) on its port.
    fn restart(&mut self) {
        assert!(self.child.is_none());
        let port = self.port.to_string();
        let child = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--daemonize", "no"])
            .args(&self.args)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "redis-server could not be started ({e}): these tests need the \
                     redis-server Debian package (`apt-get install redis-server`, or `make deps`)"
                )
            });
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < until, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGSTOP or SIGCONT.
    fn signal(&self, signal: i32) {
        let pid = self.child.as_ref().unwrap().id() as i32;
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli (redis-tools) is needed");
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `test` with a fresh server's URL.
fn with_redis(test: impl Fn(&str)) {
    let redis = Redis::start(&[]);
    test(&redis.url());
}

/// Each test its own numbers: the memory store is shared by the whole process.
static NEXT_NUMBER: AtomicU32 = AtomicU32::new(0);

fn fresh_mobile() -> String {
    let n = NEXT_NUMBER.fetch_add(1, Ordering::SeqCst);
    format!("01{:02}{:06}", std::process::id() % 100, 100_000 + n)
}

fn send_args(mobile: &str) -> SendOtp<'_> {
    SendOtp {
        mobile,
        country_code: "60",
        message: "Your code is %OTP%",
        message_type: MessageType::Auto,
        sender_id: None,
    }
}

fn verify_args<'a>(
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

fn guarded(sandbox: &Sandbox, tag: &str, store: &str) -> Client {
    let client = sandbox.client(tag);
    client.set_guard(Some(store)).unwrap();
    client
}

/// A code that is not the one sent (the sandbox's codes have 6 digits).
fn wrong(code: &str) -> String {
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

fn code_of(sent: &isms::Sent) -> String {
    sent.code.as_ref().unwrap().to_string()
}

#[test]
fn resend_cooldown_and_window() {
    let sandbox = Sandbox::start();
    with_redis(|store| {
        let client = guarded(&sandbox, "cooldown", store);
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
    });
}

#[test]
fn attempts_lock_a_code_and_a_code_is_used_once() {
    let sandbox = Sandbox::start();
    with_redis(|store| {
        let client = guarded(&sandbox, "attempts", store);
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
    });
}

#[test]
fn codes_are_bound_to_their_number_and_sms_id() {
    let sandbox = Sandbox::start();
    with_redis(|store| {
        let client = guarded(&sandbox, "bound", store);
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
    });
}

#[test]
fn lifetime_expires_codes_without_asking() {
    let sandbox = Sandbox::start();
    with_redis(|store| {
        let client = guarded(&sandbox, "lifetime", store);
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
    });
}

#[test]
fn wrong_codes_per_number_per_hour() {
    let sandbox = Sandbox::start();
    with_redis(|store| {
        let client = guarded(&sandbox, "hourly", store);
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
    });
}

#[test]
fn unknown_codes_are_asked_about_then_bound() {
    let sandbox = Sandbox::start();
    with_redis(|store| {
        // Sent with the guard off: the store has never seen it.
        let plain = sandbox.client("unknown");
        let mobile = fresh_mobile();
        let sent = plain.send_otp(&send_args(&mobile)).unwrap();
        let client = guarded(&sandbox, "unknown", store);
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
    });
}

/// 16 threads on one code and one number: exactly CODE_ATTEMPTS wrong
/// verifies and exactly one send reach the gateway.
#[test]
fn limits_hold_across_threads() {
    let sandbox = Sandbox::start();
    // Each check's own test: a set limit would be a race of its own.
    with_redis(|store| {
        let tag = "threads";
        let client = Arc::new(guarded(&sandbox, tag, store));
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
    });
}

fn race<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
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

fn count(outcomes: &[Status], status: Status) -> usize {
    outcomes.iter().filter(|s| **s == status).count()
}

/// The child side of `limits_hold_across_processes`: 4 threads, one call
/// each, statuses printed one per line.
fn child_main() {
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

/// 8 processes x 4 threads on one Redis.
#[test]
fn limits_hold_across_processes() {
    if std::env::var("ISMS_CHILD_OP").is_ok() {
        return child_main();
    }
    let sandbox = Sandbox::start();
    let redis = Redis::start(&[]);
    let store = redis.url();
    let client = guarded(&sandbox, "procs", &store);
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    let code = code_of(&sent);
    let run = |op: &str, mobile: &str, code: &str| -> Vec<String> {
        let children: Vec<_> = (0..8)
            .map(|_| {
                Command::new(std::env::current_exe().unwrap())
                    .args([
                        "--exact",
                        "limits_hold_across_processes",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env("ISMS_CHILD_OP", op)
                    .env("ISMS_CHILD_MOBILE", mobile)
                    .env("ISMS_CHILD_CODE", code)
                    .env("ISMS_CHILD_SMS_ID", &sent.sms_id)
                    .env("ISMS_CHILD_UUID", &sent.uuid)
                    .env("ISMS_GUARD", &store)
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
        .args([
            "--exact",
            "limits_hold_across_processes",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ISMS_CHILD_OP", "verify")
        .env("ISMS_CHILD_MOBILE", &mobile)
        .env("ISMS_CHILD_CODE", code_of(&sent2))
        .env("ISMS_CHILD_SMS_ID", &sent2.sms_id)
        .env("ISMS_CHILD_UUID", &sent2.uuid)
        .env("ISMS_GUARD", &store)
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

/// Redis stopped (frozen, then killed) mid-run: GUARD_STORE within the
/// client's timeout + 1 s with nothing sent; once it is back on its port,
/// the same client works again.
#[test]
fn a_stopped_redis_fails_closed_and_comes_back() {
    let sandbox = Sandbox::start();
    let mut redis = Redis::start(&[]);
    let tag = "down";
    let client = guarded(&sandbox, tag, &redis.url());
    let timeout = Duration::from_secs(2);
    client.set_timeout(timeout).unwrap();
    let mobile = fresh_mobile();
    let sent = client.send_otp(&send_args(&mobile)).unwrap();
    let before = sandbox.requests(tag);
    let fails_closed = |what: &str| {
        let start = Instant::now();
        let err = client.send_otp(&send_args(&fresh_mobile())).unwrap_err();
        assert_eq!(err.status(), Status::GuardStore, "{what}: {err:?}");
        let err = client
            .verify_otp(&verify_args(&mobile, "123456", &sent.sms_id, &sent.uuid))
            .unwrap_err();
        assert_eq!(err.status(), Status::GuardStore, "{what}: {err:?}");
        assert_eq!(err.attempts_left(), -1);
        let took = start.elapsed();
        assert!(
            took < 2 * (timeout + Duration::from_secs(1)),
            "{what}: two calls took {took:?}"
        );
        assert_eq!(sandbox.requests(tag), before, "{what}: something was sent");
    };

    // Frozen: connected but silent, so only the deadline ends the wait.
    redis.signal(libc::SIGSTOP);
    let start = Instant::now();
    let err = client.send_otp(&send_args(&fresh_mobile())).unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.status(), Status::GuardStore, "{err:?}");
    assert!(took <= timeout + Duration::from_secs(1), "took {took:?}");
    fails_closed("frozen");
    redis.signal(libc::SIGCONT);

    // Killed: the pooled connections are dead, new ones are refused.
    redis.stop();
    fails_closed("stopped");
    fails_closed("stopped, again");

    // Back on the same port: the same client works again.
    redis.restart();
    let again = fresh_mobile();
    client.send_otp(&send_args(&again)).unwrap();
    assert_eq!(
        client.send_otp(&send_args(&again)).unwrap_err().status(),
        Status::RateLimited
    );
    assert_eq!(sandbox.requests(tag), before + 1);
}

/// A wrong password or user in the URL: GUARD_STORE, and the message holds
/// neither; the right password works.
#[test]
fn a_wrong_password_gives_guard_store_without_the_password() {
    let sandbox = Sandbox::start();
    let redis = Redis::start(&["--requirepass", "right-Pa55word"]);
    let tag = "auth";
    for url in [
        format!("redis://:wrong-Pa55word@127.0.0.1:{}/0", redis.port),
        format!(
            "redis://someone-else:wrong-Pa55word@127.0.0.1:{}",
            redis.port
        ),
        format!("redis://127.0.0.1:{}", redis.port),
    ] {
        let client = guarded(&sandbox, tag, &url);
        for _ in 0..2 {
            let err = client.send_otp(&send_args(&fresh_mobile())).unwrap_err();
            assert_eq!(err.status(), Status::GuardStore, "{err:?}");
            let shown = format!("{} {err:?}", err.message());
            for secret in ["wrong-Pa55word", "Pa55", "someone-else", "right-Pa55word"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }
    assert_eq!(sandbox.requests(tag), 0);
    let client = guarded(
        &sandbox,
        tag,
        &format!("redis://:right-Pa55word@127.0.0.1:{}", redis.port),
    );
    client.send_otp(&send_args(&fresh_mobile())).unwrap();
    assert_eq!(sandbox.requests(tag), 1);
}

/// Two usernames on one Redis: each its own keys and limits.
#[test]
fn accounts_do_not_share_limits() {
    let sandbox = Sandbox::start();
    let redis = Redis::start(&[]);
    let client = guarded(&sandbox, "accounts", &redis.url());
    let mobile = fresh_mobile();
    client.send_otp(&send_args(&mobile)).unwrap();
    assert_eq!(
        client.send_otp(&send_args(&mobile)).unwrap_err().status(),
        Status::RateLimited
    );
    // Another username (odd characters included): its own namespace (the
    // sandbox refuses it, so the send reaches the gateway and fails as
    // AUTH, not RATE_LIMITED).
    let other = Client::new("another}:{account", &sandbox.password()).unwrap();
    other
        .set_endpoint(Some(&sandbox.endpoint("accounts", None)))
        .unwrap();
    other.set_ca_file(Some(&sandbox.ca_file())).unwrap();
    other.set_proxy(Some("")).unwrap();
    other.set_guard(Some(&redis.url())).unwrap();
    assert_eq!(
        other.send_otp(&send_args(&mobile)).unwrap_err().status(),
        Status::Auth
    );
    assert_eq!(sandbox.requests("accounts"), 2);
    // Every key is under its account's prefix and expires by itself.
    let keys = redis.cli(&["--scan", "--pattern", "*"]);
    let keys: Vec<&str> = keys.lines().collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    let hex = |name: &str| name.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let mine = format!("isms:{{{}}}:", hex(&sandbox.username()));
    let theirs = format!("isms:{{{}}}:", hex("another}:{account"));
    for key in &keys {
        let sends = if key.starts_with(&mine) {
            key.ends_with(&format!(":send:+60{}", &mobile[1..]))
        } else {
            assert!(key.starts_with(&theirs), "{key}");
            true
        };
        let ttl: i64 = redis.cli(&["PTTL", key]).trim().parse().unwrap();
        let most = if sends { 600_000 } else { 24 * 3_600_000 };
        assert!(ttl > 0 && ttl <= most, "{key}: {ttl}");
    }
}
