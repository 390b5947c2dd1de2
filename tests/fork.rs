//! fork() while other threads are inside the library never leaves the
//! child blocked: 8 threads call one client without pause while the main
//! thread forks again and again; every child makes a call of its own and
//! must finish it within 5 s. Its own test binary: it forks.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Sandbox;

/// Forks in one run; `ISMS_FORK_ROUNDS` may ask for more (or fewer, when
/// debugging).
fn rounds() -> u32 {
    std::env::var("ISMS_FORK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// Children running at once.
const BATCH: usize = 4;
const CHILD_DEADLINE: Duration = Duration::from_secs(5);

/// Waits for `pid` until `deadline`; true when it exited with status 0.
fn reap(pid: libc::pid_t, deadline: Instant) -> Option<bool> {
    loop {
        let mut status = 0;
        // SAFETY: plain waitpid on our own child.
        let got = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if got == pid {
            return Some(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        }
        if Instant::now() >= deadline {
            // SAFETY: our own child, which hangs: end it and reap it.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn forking_while_threads_call_never_hangs_the_child() {
    let sandbox = Sandbox::start();
    let client = Arc::new(sandbox.client("fork"));
    client.balance().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (client, stop, calls) = (client.clone(), stop.clone(), calls.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    // Settings and calls, so every lock of the library is busy.
                    if i % 4 == 0 {
                        client.set_timeout(Duration::from_secs(10)).unwrap();
                    }
                    client.balance().unwrap();
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    let (mut ok, mut failed, mut hung) = (0u32, 0u32, 0u32);
    let total = rounds();
    let mut started = 0;
    while started < total {
        let mut children = Vec::new();
        for _ in 0..BATCH.min((total - started) as usize) {
            // SAFETY: the child only calls the library and then _exit()s,
            // never returning into the test harness.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                let fine =
                    client.balance().is_ok() && client.set_timeout(Duration::from_secs(5)).is_ok();
                // SAFETY: ends the child without running the parent's atexit work.
                unsafe { libc::_exit(if fine { 0 } else { 1 }) };
            }
            children.push((pid, Instant::now() + CHILD_DEADLINE));
            started += 1;
        }
        for (pid, deadline) in children {
            match reap(pid, deadline) {
                Some(true) => ok += 1,
                Some(false) => failed += 1,
                None => hung += 1,
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().unwrap();
    }
    eprintln!(
        "fork stress: {total} forks, {ok} children ok, {failed} failed, {hung} hung; \
         {} calls by the 8 threads meanwhile",
        calls.load(Ordering::Relaxed)
    );
    assert_eq!(hung, 0, "children blocked for more than 5 s");
    assert_eq!(failed, 0, "children whose call failed");
    assert_eq!(ok, total);
    assert!(
        calls.load(Ordering::Relaxed) > u64::from(total),
        "the threads kept calling"
    );
}
