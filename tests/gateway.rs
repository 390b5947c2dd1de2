//! The safe Rust API against the sandbox gateway over real HTTP(S) on loopback.

mod common;

use std::time::{Duration, Instant};

use common::Sandbox;
use isms::{Client, Error, MessageType, SendOtp, Status, VerifyOtp};

const MOBILE: &str = "012-345 6789";
const MARKER: &str = "Pw-Marker&%=9 +x";

fn send_args(message: &str) -> SendOtp<'_> {
    SendOtp {
        mobile: MOBILE,
        country_code: "60",
        message,
        message_type: MessageType::Auto,
        sender_id: None,
    }
}

fn verify_args<'a>(code: &'a str, sent: &'a isms::Sent, interval: u32) -> VerifyOtp<'a> {
    VerifyOtp {
        mobile: MOBILE,
        country_code: "+60",
        code,
        sms_id: &sent.sms_id,
        uuid: &sent.uuid,
        interval_minutes: interval,
        sender_id: None,
    }
}

/// A send made earlier, as an application would have stored it.
fn earlier_send(uuid: &str, sms_id: &str) -> isms::Sent {
    isms::Sent {
        http_status: 200,
        uuid: uuid.into(),
        sms_id: sms_id.into(),
        mobile: None,
        code: None,
    }
}

/// The password must not show in any form.
fn assert_no_secret(error: &Error, secret: &str) {
    let encoded = common::wire_form(secret);
    for shown in [
        error.message().to_owned(),
        format!("{error:?}"),
        error.to_string(),
    ] {
        assert!(!shown.contains(secret), "password in {shown}");
        assert!(!shown.contains(&encoded), "encoded password in {shown}");
    }
}

#[test]
fn whole_flow_over_https() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("flow");
    let before = client.balance().unwrap();
    assert_eq!(before.http_status, 200);
    assert!(before.expiration_iso.is_some(), "{before:?}");

    let sent = client
        .send_otp(&send_args("Your code is %OTP% & more"))
        .unwrap();
    assert_eq!(sent.http_status, 200);
    let outbox = sandbox.outbox("flow");
    assert_eq!(outbox.len(), 1);
    let code = outbox[0]["code"].as_str().unwrap().to_owned();
    assert_eq!(
        sent.code.as_deref().map(String::as_str),
        Some(code.as_str())
    );
    assert_eq!(outbox[0]["message"], format!("Your code is {code} & more"));
    assert_eq!(outbox[0]["mobile"], "123456789");
    assert!(!format!("{sent:?}").contains(&code), "Debug shows the code");

    let query = &sandbox.queries("flow")[1];
    assert!(
        query.contains("&message=Your%20code%20is%20%25OTP%25%20%26%20more&type=1"),
        "{query}"
    );
    assert!(
        query.contains("&mobile=123456789&country_code=60&"),
        "{query}"
    );

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = client
        .verify_otp(&verify_args(wrong, &sent, 5))
        .unwrap_err();
    assert_eq!(err.status(), Status::OtpIncorrect, "{err:?}");
    assert_eq!(err.http_status(), 200);
    assert!(err.message().contains("Incorrect OTP Code"));

    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let verified = client.verify_otp(&verify_args(&spaced, &sent, 5)).unwrap();
    assert_eq!(verified.sms_id.as_deref(), Some(sent.sms_id.as_str()));

    let after = client.balance().unwrap();
    assert!(after.balance < before.balance, "{before:?} -> {after:?}");
}

#[test]
fn unicode_message_travels_as_type_2() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("unicode");
    client.send_otp(&send_args("验证码 %OTP%")).unwrap();
    let query = &sandbox.queries("unicode")[0];
    assert!(
        query.contains("message=%E9%AA%8C%E8%AF%81%E7%A0%81%20%25OTP%25&type=2"),
        "{query}"
    );
    let err = client
        .send_otp(&SendOtp {
            message_type: MessageType::Ascii,
            ..send_args("验证码 %OTP%")
        })
        .unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert_eq!(sandbox.requests("unicode"), 1);
}

#[test]
fn expired_code() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("expiry");
    let sent = client.send_otp(&send_args("Code %OTP%")).unwrap();
    let code = sent.code.clone().unwrap();
    sandbox.admin("/_sandbox/advance?seconds=400");
    let err = client
        .verify_otp(&verify_args(&code, &sent, 5))
        .unwrap_err();
    assert_eq!(err.status(), Status::OtpExpired, "{err:?}");
    // Without an interval the gateway applies none.
    client.verify_otp(&verify_args(&code, &sent, 0)).unwrap();
}

#[test]
fn wrong_password_on_every_call() {
    let sandbox = Sandbox::start();
    let client = sandbox.client_with_password("auth", MARKER);
    let err = client.send_otp(&send_args("Code %OTP%")).unwrap_err();
    assert_eq!(err.status(), Status::Auth, "{err:?}");
    assert!(
        err.ids().uuid.is_some(),
        "a Failed send keeps the gateway's uuid"
    );
    assert_no_secret(&err, MARKER);
    let err = client
        .verify_otp(&verify_args("123456", &earlier_send("u-1", "1"), 0))
        .unwrap_err();
    assert_eq!(err.status(), Status::Auth);
    assert_no_secret(&err, MARKER);
    let err = client.balance().unwrap_err();
    assert_eq!(err.status(), Status::Auth, "-1001 balance");
    assert_no_secret(&err, MARKER);
    assert!(!format!("{client:?}").contains(MARKER));
    let wire = sandbox.queries("auth");
    assert!(wire[0].contains(&format!("pass={}", common::wire_form(MARKER))));
    assert_eq!(sandbox.outbox("auth").len(), 0);
}

#[test]
fn faults_map_to_statuses_and_are_never_repeated() {
    let sandbox = Sandbox::start();
    let cases = [
        ("http500", Status::HttpStatus, 500),
        ("http503", Status::HttpStatus, 503),
        ("http404", Status::HttpStatus, 404),
        ("redirect", Status::HttpStatus, 302),
        ("html", Status::BadResponse, 200),
        ("truncated", Status::BadResponse, 200),
        ("empty", Status::BadResponse, 200),
        ("oversize", Status::BadResponse, 200),
        ("oversize-chunked", Status::BadResponse, 200),
        ("no-uuid", Status::BadResponse, 200),
        ("classic-1001", Status::Auth, 200),
        ("classic-1004", Status::InsufficientCredit, 200),
        ("classic-1003", Status::Rejected, 200),
        ("failed-Invalid-Request", Status::Rejected, 200),
        ("reset", Status::Connect, 0),
        ("close", Status::Connect, 0),
    ];
    for (fault, want, http_status) in cases {
        let tag = format!("f-{fault}");
        let client = sandbox.client(&tag);
        client
            .set_endpoint(Some(&sandbox.endpoint(&tag, Some(fault))))
            .unwrap();
        let err = client.send_otp(&send_args("Code %OTP%")).unwrap_err();
        assert_eq!(err.status(), want, "{fault}: {err:?}");
        assert_eq!(err.http_status(), http_status, "{fault}");
        assert_no_secret(&err, common::PASSWORD);
        assert_eq!(
            sandbox.requests(&tag),
            1,
            "{fault}: the send went out more than once"
        );
    }
}

#[test]
fn deadline_covers_slow_and_trickling_replies() {
    let sandbox = Sandbox::start();
    for fault in ["slow-3000", "trickle-200"] {
        let tag = format!("t-{fault}");
        let client = sandbox.client(&tag);
        client
            .set_endpoint(Some(&sandbox.endpoint(&tag, Some(fault))))
            .unwrap();
        client.set_timeout(Duration::from_millis(700)).unwrap();
        let started = Instant::now();
        let err = client.balance().unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.status(), Status::Timeout, "{fault}: {err:?}");
        assert!(took >= Duration::from_millis(650), "{fault}: {took:?}");
        assert!(took < Duration::from_millis(2500), "{fault}: {took:?}");
        assert_eq!(sandbox.requests(&tag), 1);
    }
}

/// Sends once, expecting ISMS_ERR_CONNECT; how many connections (or
/// tunnels) each named sandbox listener saw meanwhile.
fn failed_send_attempts(sandbox: &Sandbox, client: &Client, listeners: &[&str]) -> Vec<u64> {
    let before: Vec<u64> = listeners.iter().map(|l| sandbox.listener(l)).collect();
    let err = client.send_otp(&send_args("Code %OTP%")).unwrap_err();
    assert_eq!(err.status(), Status::Connect, "{err:?}");
    listeners
        .iter()
        .zip(before)
        .map(|(l, before)| sandbox.listener(l) - before)
        .collect()
}

#[test]
fn retries_only_what_never_reached_the_gateway() {
    let sandbox = Sandbox::start();
    let drop_port = sandbox.port("drop_port");
    let proxy = format!("http://127.0.0.1:{}", sandbox.port("proxy_port"));
    let client = sandbox.client("retry");
    let all_tries = 1 + u64::from(isms::MAX_RETRIES);

    // TLS: the connection is lost during the handshake, before the request.
    client
        .set_endpoint(Some(
            &sandbox.endpoint_on("https", drop_port, "retry", None),
        ))
        .unwrap();
    assert_eq!(
        failed_send_attempts(&sandbox, &client, &["drop"]),
        [all_tries]
    );

    // The same through an HTTP CONNECT proxy: the tunnel opens, the TLS
    // handshake inside it is lost; the CONNECT request is not the request.
    client.set_proxy(Some(&proxy)).unwrap();
    assert_eq!(
        failed_send_attempts(&sandbox, &client, &["drop", "proxy"]),
        [all_tries, all_tries]
    );
    client.set_proxy(Some("")).unwrap();

    // Plain HTTP: the request was written before the connection closed.
    client
        .set_endpoint(Some(&sandbox.endpoint_on("http", drop_port, "retry", None)))
        .unwrap();
    assert_eq!(
        failed_send_attempts(&sandbox, &client, &["drop"]),
        [1],
        "a written send was repeated"
    );

    // Plain HTTP never goes through a proxy (1.1): the password would cross
    // it in clear. (tests/http_direct.rs checks the environment's proxies.)
    assert_eq!(
        client.set_proxy(Some(&proxy)).unwrap_err().status(),
        Status::InvalidArgument
    );

    // Nothing listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    client
        .set_endpoint(Some(&format!("https://127.0.0.1:{port}/2FA/request.php")))
        .unwrap();
    let started = Instant::now();
    let err = client.balance().unwrap_err();
    assert_eq!(err.status(), Status::Connect, "{err:?}");
    // Two backoff pauses (100 ms + 200 ms) prove the retries happened.
    assert!(
        started.elapsed() >= Duration::from_millis(290),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn certificates_are_verified_and_not_retried() {
    let sandbox = Sandbox::start();
    let client = Client::new(&sandbox.username(), &sandbox.password()).unwrap();
    client
        .set_endpoint(Some(&sandbox.endpoint("tls", None)))
        .unwrap();
    client.set_proxy(Some("")).unwrap();
    let before = sandbox.listener("https");
    let err = client.balance().unwrap_err();
    assert_eq!(err.status(), Status::Tls, "{err:?}");
    assert_eq!(
        sandbox.listener("https") - before,
        1,
        "a certificate error was retried"
    );

    let other = std::path::PathBuf::from(sandbox.str("other_ca_file"));
    client.set_ca_file(Some(&other)).unwrap();
    assert_eq!(client.balance().unwrap_err().status(), Status::Tls);

    client.set_ca_file(Some(&sandbox.ca_file())).unwrap();
    client.balance().unwrap();
    assert_eq!(sandbox.requests("tls"), 1);
}

#[test]
fn plain_http_only_on_loopback() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("http");
    client
        .set_endpoint(Some(&sandbox.http_endpoint("http", None)))
        .unwrap();
    client.balance().unwrap();
    let err = client
        .set_endpoint(Some("http://www.isms.com.my/2FA/request.php"))
        .unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
}

#[test]
fn proxies_http_connect_and_socks5() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("proxy");
    for (proxy, listener) in [
        (
            format!("http://127.0.0.1:{}", sandbox.port("proxy_port")),
            "proxy",
        ),
        (
            format!("socks5://127.0.0.1:{}", sandbox.port("socks_port")),
            "socks",
        ),
    ] {
        client.set_proxy(Some(&proxy)).unwrap();
        let before = sandbox.listener(listener);
        client.balance().unwrap();
        assert_eq!(sandbox.listener(listener) - before, 1, "{proxy}");
    }
    client.set_proxy(Some("")).unwrap();
    let (proxy_before, socks_before) = (sandbox.listener("proxy"), sandbox.listener("socks"));
    client.balance().unwrap();
    assert_eq!(sandbox.listener("proxy"), proxy_before);
    assert_eq!(sandbox.listener("socks"), socks_before);
    assert_eq!(
        client.set_proxy(Some("ftp://x")).unwrap_err().status(),
        Status::InvalidArgument
    );
}

#[test]
fn connections_are_reused_and_shared_between_clients() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("reuse");
    for _ in 0..10 {
        client.balance().unwrap();
    }
    assert_eq!(sandbox.requests("reuse"), 10);
    assert_eq!(sandbox.connections("reuse"), 1);

    // A new client per request (the PHP-FPM pattern) shares the pool.
    for _ in 0..10 {
        sandbox.client("fresh").balance().unwrap();
    }
    assert_eq!(sandbox.requests("fresh"), 10);
    assert_eq!(sandbox.connections("fresh"), 1);
}

#[test]
fn threads_share_one_client_while_settings_change() {
    let sandbox = Sandbox::start();
    let client = std::sync::Arc::new(sandbox.client("threads"));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    client.balance().unwrap();
                }
            })
        })
        .collect();
    let ca = sandbox.ca_file();
    for i in 0..50 {
        client
            .set_timeout(Duration::from_millis(10_000 + i))
            .unwrap();
        client.set_ca_file(Some(&ca)).unwrap();
        client.set_proxy(Some("")).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sandbox.requests("threads"), 160);
    let connections = sandbox.connections("threads");
    assert!(
        connections <= 20,
        "{connections} connections for 16 threads"
    );
}

#[test]
fn invalid_input_never_reaches_the_network() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("invalid");
    let bad_sends = [
        send_args("no placeholder"),
        SendOtp {
            mobile: "12",
            ..send_args("Code %OTP%")
        },
        SendOtp {
            country_code: "060",
            ..send_args("Code %OTP%")
        },
        SendOtp {
            sender_id: Some("Not Valid!"),
            ..send_args("Code %OTP%")
        },
    ];
    for args in bad_sends {
        let err = client.send_otp(&args).unwrap_err();
        assert_eq!(err.status(), Status::InvalidArgument, "{args:?}");
        assert_eq!(err.http_status(), 0);
    }
    let err = client
        .verify_otp(&verify_args("123456", &earlier_send("u", "12x"), 0))
        .unwrap_err();
    assert!(err.message().starts_with("sms_id:"), "{}", err.message());
    assert_eq!(sandbox.requests("invalid"), 0);
}

#[test]
fn a_connection_closed_while_idle_is_replaced_and_the_tls_session_resumed() {
    let sandbox = Sandbox::start_with(&["--idle-timeout", "1"]);
    let client = sandbox.client("idle");
    client.balance().unwrap();
    // The sandbox closes the kept-alive connection after 1 s of silence; the
    // next call must notice and open a new one instead of failing, and a
    // client made afresh still resumes the TLS session of the shared pool.
    std::thread::sleep(Duration::from_millis(1500));
    let sent = sandbox
        .client("idle")
        .send_otp(&send_args("Code %OTP%"))
        .unwrap();
    assert!(!sent.uuid.is_empty());
    assert_eq!(sandbox.requests("idle"), 2);
    assert_eq!(sandbox.connections("idle"), 2);
    let handshakes = &sandbox.stats("*")["tls_handshakes"];
    assert_eq!(handshakes["full"], 1, "{handshakes}");
    assert_eq!(handshakes["resumed"], 1, "{handshakes}");
}

#[test]
fn plain_http_answer_to_a_tls_handshake_is_a_tls_error() {
    let sandbox = Sandbox::start();
    let client = sandbox.client("nontls");
    // https:// to the plain-HTTP port: the server answers the ClientHello
    // with HTTP, not TLS.
    client
        .set_endpoint(Some(&sandbox.endpoint_on(
            "https",
            sandbox.port("http_port"),
            "nontls",
            None,
        )))
        .unwrap();
    client.set_timeout(Duration::from_secs(8)).unwrap();
    let started = Instant::now();
    let err = client.balance().unwrap_err();
    assert_eq!(err.status(), Status::Tls, "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "reported after {:?}, not as soon as the answer came",
        started.elapsed()
    );
}

#[test]
fn requests_fit_the_connection_buffers() {
    let sandbox = Sandbox::start();
    // The longest message, every character four bytes in UTF-8 and twelve
    // on the wire, fits the output buffer with a usual password.
    let client = sandbox.client("sizes");
    let longest = format!("%OTP% {}", "\u{1D11E}".repeat(isms::MAX_MESSAGE_CHARS - 11));
    let sent = client.send_otp(&send_args(&longest)).unwrap();
    assert_eq!(sent.http_status, 200);
    assert_eq!(sandbox.requests("sizes"), 1);
    // A request that would not fit is refused before anything is sent.
    let password = format!("{MARKER}{}", "p".repeat(isms::MAX_REQUEST_BYTES));
    let client = sandbox.client_with_password("sizes-long", &password);
    for error in [
        client.balance().unwrap_err(),
        client.send_otp(&send_args("%OTP%")).unwrap_err(),
    ] {
        assert_eq!(error.status(), Status::InvalidArgument, "{error:?}");
        assert!(error.message().contains("too long"), "{}", error.message());
        assert!(
            error.message().contains("nothing was sent"),
            "{}",
            error.message()
        );
        assert_no_secret(&error, &password);
        assert_no_secret(&error, MARKER);
    }
    assert_eq!(sandbox.requests("sizes-long"), 0);
}
