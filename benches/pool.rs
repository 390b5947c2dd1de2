//! Connection reuse, measured: one shared client versus a new client per
//! request (the PHP-FPM pattern), against the local sandbox over HTTPS.
//! Prints numbers; asserts nothing. Run with `make bench`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::Sandbox;

const CALLS: u32 = 300;

fn report(name: &str, sandbox: &Sandbox, tag: &str, took: Duration) {
    println!(
        "{name:<34} {CALLS} calls  {:>8.1} calls/s  {:>7.0} us/call  {} connection(s)",
        f64::from(CALLS) / took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / f64::from(CALLS),
        sandbox.connections(tag)
    );
}

fn main() {
    let sandbox = Sandbox::start();

    // The first call pays for the TLS configuration and a cold TCP + TLS
    // handshake; later ones reuse the kept-alive connection.
    let started = Instant::now();
    sandbox.client("cold").balance().unwrap();
    println!(
        "first call (cold connection)       {:>7.0} us",
        started.elapsed().as_secs_f64() * 1e6
    );

    let shared = sandbox.client("shared");
    let started = Instant::now();
    for _ in 0..CALLS {
        shared.balance().unwrap();
    }
    report("shared client", &sandbox, "shared", started.elapsed());

    let started = Instant::now();
    for _ in 0..CALLS {
        sandbox.client("per-request").balance().unwrap();
    }
    report(
        "new client per request",
        &sandbox,
        "per-request",
        started.elapsed(),
    );
}
