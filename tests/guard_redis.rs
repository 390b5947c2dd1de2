//! The guard's Redis store against the sandbox and a real `redis-server`
//! (the Debian package), started by each test on a free loopback port and
//! killed at its end: the rules of tests/guard.rs, the limits across 8
//! processes of 4 threads, a server stopped and restarted mid-run, a wrong
//! password, and two accounts on one server.

#![cfg(feature = "redis")]

mod common;

use common::guard_rules as rules;
use rules::{fresh_mobile, guarded, send_args, verify_args};

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;
use isms::{Client, Status};

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

#[test]
fn resend_cooldown_and_window() {
    let sandbox = Sandbox::start();
    with_redis(|store| rules::resend_cooldown_and_window(&sandbox, store));
}

#[test]
fn attempts_lock_a_code_and_a_code_is_used_once() {
    let sandbox = Sandbox::start();
    with_redis(|store| rules::attempts_lock_a_code_and_a_code_is_used_once(&sandbox, store));
}

#[test]
fn codes_are_bound_to_their_number_and_sms_id() {
    let sandbox = Sandbox::start();
    with_redis(|store| rules::codes_are_bound_to_their_number_and_sms_id(&sandbox, store));
}

#[test]
fn lifetime_expires_codes_without_asking() {
    let sandbox = Sandbox::start();
    with_redis(|store| rules::lifetime_expires_codes_without_asking(&sandbox, store));
}

#[test]
fn wrong_codes_per_number_per_hour() {
    let sandbox = Sandbox::start();
    with_redis(|store| rules::wrong_codes_per_number_per_hour(&sandbox, store));
}

#[test]
fn unknown_codes_are_asked_about_then_bound() {
    let sandbox = Sandbox::start();
    with_redis(|store| rules::unknown_codes_are_asked_about_then_bound(&sandbox, store));
}

/// 16 threads on one code and one number: exactly CODE_ATTEMPTS wrong
/// verifies and exactly one send reach the gateway.
#[test]
fn limits_hold_across_threads() {
    let sandbox = Sandbox::start();
    with_redis(|store| rules::limits_hold_across_threads(&sandbox, store));
}

/// 8 processes x 4 threads on one Redis.
#[test]
fn limits_hold_across_processes() {
    if std::env::var("ISMS_CHILD_OP").is_ok() {
        return rules::child_main();
    }
    let sandbox = Sandbox::start();
    let redis = Redis::start(&[]);
    rules::limits_hold_across_processes(&sandbox, &redis.url(), "limits_hold_across_processes");
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
