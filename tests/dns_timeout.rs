//! A name lookup that never gets an answer still ends in ISMS_ERR_TIMEOUT
//! when the call's deadline passes. A DNS server of our own on
//! 127.0.0.153:53 takes every query and never answers; a child process of
//! this test binary, in a mount namespace of its own whose
//! /etc/resolv.conf names only that server, makes the call. Needs root
//! (port 53, `unshare --mount`): as any other user it says so and passes,
//! unless LIBISMS_REQUIRE_ROOT_TESTS is set (as `make test` sets it).

use std::net::UdpSocket;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use isms::Status;

const STUB: &str = "127.0.0.153:53";
/// Not in /etc/hosts: only DNS could answer it.
const HOST: &str = "gateway.isms-hang.example.net";
const CALL_TIMEOUT: Duration = Duration::from_millis(1500);
/// The resolver waits this long for the stub, far past the call's deadline.
const RESOLVER_TIMEOUT_S: u32 = 30;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn a_lookup_that_never_answers_ends_in_timeout() {
    if !is_root() {
        assert!(
            std::env::var_os("LIBISMS_REQUIRE_ROOT_TESTS").is_none(),
            "this test needs root (a DNS server on port 53, unshare --mount)"
        );
        eprintln!("a_lookup_that_never_answers_ends_in_timeout: not run (needs root)");
        return;
    }
    let stub = UdpSocket::bind(STUB).expect("bind the DNS stub on 127.0.0.153:53");
    stub.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let queries = Arc::new(AtomicU32::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let listener = {
        let (queries, done) = (queries.clone(), done.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            // Bounded: ends when the test sets `done`, at the latest after
            // the child's own bound below.
            while !done.load(Ordering::SeqCst) {
                if stub.recv_from(&mut buf).is_ok() {
                    queries.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };
    let dir = std::env::temp_dir().join(format!("isms-dns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let resolv = dir.join("resolv.conf");
    std::fs::write(
        &resolv,
        format!("nameserver 127.0.0.153\noptions timeout:{RESOLVER_TIMEOUT_S} attempts:1\n"),
    )
    .unwrap();
    let mut child = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(r#"mount --bind "$1" /etc/resolv.conf && exec "$2" --exact child_call --include-ignored --nocapture"#)
        .args(["sh"])
        .arg(&resolv)
        .arg(std::env::current_exe().unwrap())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The child's call ends by its deadline; kill it if it hangs far past.
    let bound = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= bound {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    done.store(true, Ordering::SeqCst);
    listener.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    let status = status.expect("the call hung past its deadline");
    assert!(status.success(), "{out}");
    assert!(out.contains("child: ISMS_ERR_TIMEOUT"), "{out}");
    assert!(
        queries.load(Ordering::SeqCst) >= 1,
        "the stub saw no query: the lookup did not reach DNS\n{out}"
    );
}

#[test]
#[ignore = "run by a_lookup_that_never_answers_ends_in_timeout in a mount namespace"]
fn child_call() {
    let client = isms::Client::new("demo", "demo-secret").unwrap();
    client
        .set_endpoint(Some(&format!("https://{HOST}/2FA/request.php")))
        .unwrap();
    client.set_proxy(Some("")).unwrap();
    client.set_timeout(CALL_TIMEOUT).unwrap();
    let started = Instant::now();
    let error = client.balance().unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.status(), Status::Timeout, "{error:?}");
    // On time: the deadline, not the resolver's 30 s.
    assert!(took >= CALL_TIMEOUT, "{took:?}");
    assert!(took < CALL_TIMEOUT + Duration::from_secs(3), "{took:?}");
    println!("child: {} after {took:?}", error.status().name());
}
