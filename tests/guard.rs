//! The guard against the sandbox: every rule of the contract's guard
//! section, with the memory and SQLite stores, from threads and from
//! separate processes. The sandbox's counts say how many requests reached
//! the gateway, so "nothing was sent" is checked, not assumed.

mod common;

use common::guard_rules as rules;
use rules::{fresh_mobile, guarded, send_args, verify_args};

use common::Sandbox;
use isms::{Client, GuardLimit, Status};

fn sqlite_url(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("isms-guard-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("otp.db");
    let _ = std::fs::remove_file(&path);
    (format!("sqlite:{}", path.display()), path)
}

fn each_store(test: impl Fn(&str)) {
    test("memory:");
    let (url, path) = sqlite_url(&format!("{:?}", std::thread::current().id()));
    test(&url);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn resend_cooldown_and_window() {
    let sandbox = Sandbox::start();
    each_store(|store| rules::resend_cooldown_and_window(&sandbox, store));
}

#[test]
fn attempts_lock_a_code_and_a_code_is_used_once() {
    let sandbox = Sandbox::start();
    each_store(|store| rules::attempts_lock_a_code_and_a_code_is_used_once(&sandbox, store));
}

#[test]
fn codes_are_bound_to_their_number_and_sms_id() {
    let sandbox = Sandbox::start();
    each_store(|store| rules::codes_are_bound_to_their_number_and_sms_id(&sandbox, store));
}

#[test]
fn lifetime_expires_codes_without_asking() {
    let sandbox = Sandbox::start();
    each_store(|store| rules::lifetime_expires_codes_without_asking(&sandbox, store));
}

#[test]
fn wrong_codes_per_number_per_hour() {
    let sandbox = Sandbox::start();
    each_store(|store| rules::wrong_codes_per_number_per_hour(&sandbox, store));
}

#[test]
fn unknown_codes_are_asked_about_then_bound() {
    let sandbox = Sandbox::start();
    each_store(|store| rules::unknown_codes_are_asked_about_then_bound(&sandbox, store));
}

#[test]
fn allowed_countries_apply_with_the_guard_on_or_off() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("countries");
    client.set_allowed_countries(Some("+65, 44")).unwrap();
    let err = client.send_otp(&send_args(&fresh_mobile())).unwrap_err();
    assert_eq!(err.status(), Status::NotAllowed);
    assert!(err.message().contains("+60"), "{}", err.message());
    assert_eq!(sandbox.requests("countries"), 0);
    client.set_guard(Some("memory:")).unwrap();
    let err = client.send_otp(&send_args(&fresh_mobile())).unwrap_err();
    assert_eq!(err.status(), Status::NotAllowed);
    assert_eq!(sandbox.requests("countries"), 0);
    // A refused list changes nothing.
    assert_eq!(
        client
            .set_allowed_countries(Some("60,,65"))
            .unwrap_err()
            .status(),
        Status::InvalidArgument
    );
    assert_eq!(
        client
            .send_otp(&send_args(&fresh_mobile()))
            .unwrap_err()
            .status(),
        Status::NotAllowed
    );
    client.set_allowed_countries(Some("60")).unwrap();
    client.send_otp(&send_args(&fresh_mobile())).unwrap();
    client.set_allowed_countries(None).unwrap();
    client.send_otp(&send_args(&fresh_mobile())).unwrap();
}

#[test]
fn a_store_that_fails_sends_nothing_and_balance_ignores_the_guard() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("store");
    client
        .set_guard(Some("sqlite:/nonexistent-dir/otp.db"))
        .unwrap();
    let err = client.send_otp(&send_args(&fresh_mobile())).unwrap_err();
    assert_eq!(err.status(), Status::GuardStore, "{err:?}");
    let err = client
        .verify_otp(&verify_args(
            &fresh_mobile(),
            "123456",
            "1171081025",
            "some-uuid",
        ))
        .unwrap_err();
    assert_eq!(err.status(), Status::GuardStore);
    assert_eq!(err.attempts_left(), -1);
    assert_eq!(sandbox.requests("store"), 0);
    client.balance().unwrap();
    // Settings are checked when set, and a refused one changes nothing.
    for bad in ["sqlite:", "mysql://x", "redis://h:0"] {
        let err = client.set_guard(Some(bad)).unwrap_err();
        assert_eq!(err.status(), Status::InvalidArgument, "{bad}");
        assert!(err.message().starts_with("guard:"));
    }
    assert_eq!(
        client
            .send_otp(&send_args(&fresh_mobile()))
            .unwrap_err()
            .status(),
        Status::GuardStore
    );
    for limit in [GuardLimit::CodeAttempts, GuardLimit::CodeLifetimeS] {
        assert_eq!(
            client.set_guard_limit(limit, 0).unwrap_err().status(),
            Status::InvalidArgument
        );
    }
    // Off again: version 1 behaviour.
    client.set_guard(None).unwrap();
    client.send_otp(&send_args(&fresh_mobile())).unwrap();
    let err = client
        .verify_otp(&verify_args(
            &fresh_mobile(),
            "123456",
            "1171081025",
            "some-uuid",
        ))
        .unwrap_err();
    assert_eq!(err.attempts_left(), -1);
}

#[test]
fn the_sqlite_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::start();
    let (url, path) = sqlite_url("mode");
    let client = guarded(&sandbox, "mode", &url);
    client.send_otp(&send_args(&fresh_mobile())).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn accounts_do_not_share_limits() {
    let sandbox = Sandbox::start();
    let client = guarded(&sandbox, "accounts", "memory:");
    let mobile = fresh_mobile();
    client.send_otp(&send_args(&mobile)).unwrap();
    // Another username: its own namespace (the sandbox refuses it, so the
    // send reaches the gateway and fails as AUTH, not RATE_LIMITED).
    let other = Client::new("another-account", &sandbox.password()).unwrap();
    other
        .set_endpoint(Some(&sandbox.endpoint("accounts", None)))
        .unwrap();
    other.set_ca_file(Some(&sandbox.ca_file())).unwrap();
    other.set_proxy(Some("")).unwrap();
    other.set_guard(Some("memory:")).unwrap();
    assert_eq!(
        other.send_otp(&send_args(&mobile)).unwrap_err().status(),
        Status::Auth
    );
}

/// 16 threads on one code and one number: exactly CODE_ATTEMPTS wrong
/// verifies and exactly one send reach the gateway.
#[test]
fn limits_hold_across_threads() {
    let sandbox = Sandbox::start();
    each_store(|store| rules::limits_hold_across_threads(&sandbox, store));
}

/// 8 processes x 4 threads on one SQLite file.
#[test]
fn limits_hold_across_processes() {
    if std::env::var("ISMS_CHILD_OP").is_ok() {
        return rules::child_main();
    }
    let sandbox = Sandbox::start();
    let (store, path) = sqlite_url("processes");
    rules::limits_hold_across_processes(&sandbox, &store, "limits_hold_across_processes");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
