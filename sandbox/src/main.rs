//! isms-sandbox: a local fake of the iSMS 2FA gateway for tests and demos.
//! See README.md for the interface.

mod faults;
mod gateway;
mod http;
mod proxy;
mod tls;
mod util;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::json;

use gateway::{Config, Listener, Ports, Sandbox};

const USAGE: &str = "usage: isms-sandbox [--state-dir DIR] [--username U] [--password P] \
[--balance N] [--expiration \"29 Apr 2027\"] [--https-port N] [--http-port N] \
[--proxy-port N] [--socks-port N] [--drop-port N] [--idle-timeout SECS] [--chacha20-only] [--quiet]";

/// Options that take a value.
const VALUE_FLAGS: [&str; 11] = [
    "--state-dir",
    "--username",
    "--password",
    "--expiration",
    "--balance",
    "--idle-timeout",
    "--https-port",
    "--http-port",
    "--proxy-port",
    "--socks-port",
    "--drop-port",
];

/// Bound on how long a write may block (a client that stops reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

struct Args {
    cfg: Config,
    ports: Ports,
    chacha20_only: bool,
}

fn die(msg: &str) -> ! {
    eprintln!("isms-sandbox: {msg}");
    exit(2)
}

fn parse_args() -> Args {
    let mut cfg = Config {
        state_dir: PathBuf::from("sandbox-state"),
        username: "demo".into(),
        password: "demo-secret".into(),
        balance: 100.0,
        expiration: String::new(),
        quiet: false,
        idle_timeout: Duration::from_secs(30),
    };
    let mut ports = Ports::default();
    let mut chacha20_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "--quiet" => {
                cfg.quiet = true;
                continue;
            }
            "--chacha20-only" => {
                chacha20_only = true;
                continue;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0);
            }
            f if VALUE_FLAGS.contains(&f) => {}
            _ => die(&format!("unknown option {flag}\n{USAGE}")),
        }
        let value = inline
            .or_else(|| args.next())
            .unwrap_or_else(|| die(&format!("{flag} needs a value\n{USAGE}")));
        let port = |v: &str| -> u16 {
            v.parse()
                .unwrap_or_else(|_| die(&format!("{flag}: not a port: {v}")))
        };
        match flag.as_str() {
            "--state-dir" => cfg.state_dir = PathBuf::from(value),
            "--username" => cfg.username = value,
            "--password" => cfg.password = value,
            "--expiration" => cfg.expiration = value,
            "--balance" => {
                cfg.balance = value
                    .parse()
                    .ok()
                    .filter(|b: &f64| b.is_finite())
                    .unwrap_or_else(|| die(&format!("--balance: not a number: {value}")))
            }
            "--idle-timeout" => {
                let secs: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .unwrap_or_else(|| die(&format!("--idle-timeout: not a count: {value}")));
                cfg.idle_timeout = Duration::from_secs(secs);
            }
            "--https-port" => ports.https = port(&value),
            "--http-port" => ports.http = port(&value),
            "--proxy-port" => ports.proxy = port(&value),
            "--socks-port" => ports.socks = port(&value),
            "--drop-port" => ports.drop = port(&value),
            _ => unreachable!("checked against VALUE_FLAGS"),
        }
    }
    if cfg.expiration.is_empty() {
        cfg.expiration = util::default_expiration();
    }
    Args {
        cfg,
        ports,
        chacha20_only,
    }
}

fn bind(port: u16, what: &str) -> TcpListener {
    TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| die(&format!("cannot bind {what} port {port}: {e}")))
}

fn port_of(l: &TcpListener) -> u16 {
    l.local_addr().map(|a| a.port()).unwrap_or(0)
}

/// Writes `path` through a temporary file and a rename, so readers never see half a file.
fn write_atomic(path: &Path, data: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path)
}

fn handle(stream: TcpStream, sb: &'static Sandbox, tls: &Arc<ServerConfig>, l: Listener, id: u64) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(sb.cfg.idle_timeout));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    match l {
        Listener::Https => {
            let Ok(conn) = ServerConnection::new(tls.clone()) else {
                return;
            };
            let mut s = StreamOwned::new(conn, stream);
            // Finish the handshake first, to count full and resumed ones.
            while s.conn.is_handshaking() {
                if s.conn.complete_io(&mut s.sock).is_err() {
                    return;
                }
            }
            let resumed = s.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
            sb.counters.handshake(resumed);
            http::serve(&mut s, sb, id, l);
        }
        Listener::Http => {
            let mut s = stream;
            http::serve(&mut s, sb, id, l);
        }
        Listener::Proxy => proxy::serve_http_proxy(stream, sb),
        Listener::Socks => proxy::serve_socks(stream, sb),
        // Closed at once, unread and unwritten.
        Listener::Drop => drop(stream),
    }
}

fn accept_loop(listener: TcpListener, sb: &'static Sandbox, tls: Arc<ServerConfig>, l: Listener) {
    loop {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(_) => {
                // EMFILE and the like: back off instead of spinning.
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let id = sb.counters.accept(l);
        if l == Listener::Drop {
            drop(stream);
            continue;
        }
        let tls = tls.clone();
        let spawned = thread::Builder::new()
            .name(format!("{}-{id}", l.name()))
            .spawn(move || handle(stream, sb, &tls, l, id));
        if spawned.is_err() {
            eprintln!("isms-sandbox: cannot start a thread; connection {id} dropped");
        }
    }
}

fn main() {
    let Args {
        mut cfg,
        ports,
        chacha20_only,
    } = parse_args();

    if let Err(e) = std::fs::create_dir_all(&cfg.state_dir) {
        die(&format!("cannot create {}: {e}", cfg.state_dir.display()));
    }
    cfg.state_dir = std::fs::canonicalize(&cfg.state_dir).unwrap_or(cfg.state_dir);

    let certs = tls::generate(chacha20_only).unwrap_or_else(|e| die(&format!("certificates: {e}")));
    let ca_file = cfg.state_dir.join("ca.pem");
    let other_ca_file = cfg.state_dir.join("other-ca.pem");
    for (path, pem) in [
        (&ca_file, &certs.ca_pem),
        (&other_ca_file, &certs.other_ca_pem),
    ] {
        if let Err(e) = write_atomic(path, pem) {
            die(&format!("cannot write {}: {e}", path.display()));
        }
    }

    let listeners = [
        (Listener::Https, bind(ports.https, "https")),
        (Listener::Http, bind(ports.http, "http")),
        (Listener::Proxy, bind(ports.proxy, "proxy")),
        (Listener::Socks, bind(ports.socks, "socks")),
        (Listener::Drop, bind(ports.drop, "drop")),
    ];
    let ports = Ports {
        https: port_of(&listeners[0].1),
        http: port_of(&listeners[1].1),
        proxy: port_of(&listeners[2].1),
        socks: port_of(&listeners[3].1),
        drop: port_of(&listeners[4].1),
    };
    let sb: &'static Sandbox = Box::leak(Box::new(Sandbox::new(cfg, ports)));

    let mut threads = Vec::new();
    for (l, listener) in listeners {
        let tls = certs.server.clone();
        let t = thread::Builder::new()
            .name(format!("accept-{}", l.name()))
            .spawn(move || accept_loop(listener, sb, tls, l))
            .unwrap_or_else(|e| die(&format!("cannot start a thread: {e}")));
        threads.push(t);
    }

    let info = json!({
        "pid": std::process::id(),
        "https_port": ports.https,
        "http_port": ports.http,
        "proxy_port": ports.proxy,
        "socks_port": ports.socks,
        "drop_port": ports.drop,
        "ca_file": ca_file.to_string_lossy(),
        "other_ca_file": other_ca_file.to_string_lossy(),
        "username": sb.cfg.username,
        "password": sb.cfg.password,
    });
    let info_path = sb.cfg.state_dir.join("sandbox.json");
    if let Err(e) = write_atomic(&info_path, &format!("{info:#}\n")) {
        die(&format!("cannot write {}: {e}", info_path.display()));
    }
    util::say(&format!(
        "isms-sandbox ready: https://127.0.0.1:{}/2FA/request.php (http {}, proxy {}, socks {})",
        ports.https, ports.http, ports.proxy, ports.socks
    ));

    for t in threads {
        let _ = t.join();
    }
}
