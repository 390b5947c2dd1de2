//! isms-sandbox: a local fake of the iSMS 2FA gateway for tests and demos,
//! as a library (start one in-process on free loopback ports) and as the
//! `isms-sandbox` command. See README.md for the interface.
//!
//! ```no_run
//! let sandbox = isms_sandbox::Sandbox::start(isms_sandbox::Options::default()).unwrap();
//! println!("{} with CA {}", sandbox.endpoint(), sandbox.ca_file().display());
//! // ... point a client at it, read /_sandbox/outbox ...
//! sandbox.shutdown(); // or drop it
//! ```

mod faults;
mod gateway;
mod http;
mod proxy;
pub mod shell;
mod tls;
mod util;

use std::collections::VecDeque;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::{json, Value};

use gateway::{Config, Gateway, Listener};

pub use gateway::Ports;
pub use util::{
    civil_from_days, format_date, param, parse_query, try_url_decode, url_decode, BadEncoding,
};

/// Bound on how long a write may block (a client that stops reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// How a sandbox starts. `Options::default()`: a fresh temporary state dir
/// (removed when the sandbox stops), account `demo` / `demo-secret`, 100
/// credits, expiration today + 1 year, every port picked free, no SMS lines
/// on stdout.
#[derive(Clone)]
pub struct Options {
    /// Where `ca.pem`, `other-ca.pem`, `sandbox.json` and `outbox.jsonl` go
    /// (created if missing, kept). `None`: a new temporary directory, removed
    /// when the sandbox stops.
    pub state_dir: Option<PathBuf>,
    pub username: String,
    pub password: String,
    pub balance: f64,
    /// Shown by `method=balance`, e.g. `29 Apr 2027`; `None`: today + 1 year (UTC).
    pub expiration: Option<String>,
    /// `0` = any free port.
    pub ports: Ports,
    /// How long a keep-alive connection may sit idle (and any read may block).
    pub idle_timeout: Duration,
    /// Offer only the ChaCha20-Poly1305 cipher suites (clients under Valgrind).
    pub chacha20_only: bool,
    /// No `SMS to ...` line on stdout per delivered SMS.
    pub quiet: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            state_dir: None,
            username: "demo".into(),
            password: "demo-secret".into(),
            balance: 100.0,
            expiration: None,
            ports: Ports::default(),
            idle_timeout: Duration::from_secs(30),
            chacha20_only: false,
            quiet: true,
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("state_dir", &self.state_dir)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("balance", &self.balance)
            .field("expiration", &self.expiration)
            .field("ports", &self.ports)
            .field("idle_timeout", &self.idle_timeout)
            .field("chacha20_only", &self.chacha20_only)
            .field("quiet", &self.quiet)
            .finish()
    }
}

pub const USAGE: &str = "usage: isms-sandbox [--state-dir DIR] [--username U] [--password P] \
[--balance N] [--expiration \"29 Apr 2027\"] [--https-port N] [--http-port N] \
[--proxy-port N] [--socks-port N] [--drop-port N] [--idle-timeout SECS] [--chacha20-only] [--quiet] \
[--env-file FILE] [--args-from-env VAR]";

/// Options that take a value.
const VALUE_FLAGS: [&str; 13] = [
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
    "--env-file",
    "--args-from-env",
];

/// A parsed command line.
#[derive(Debug)]
pub struct Cli {
    pub options: Options,
    /// `--env-file FILE`: where to write `export NAME='value'` lines once ready.
    pub env_file: Option<PathBuf>,
    /// `-h` / `--help`.
    pub help: bool,
}

/// Parses the command line (without the program name). The state dir
/// defaults to `./sandbox-state` and SMS lines are printed unless `--quiet`.
/// `--args-from-env VAR` inserts the options held in the environment
/// variable VAR (split with `sh` quoting rules, see [`shell::split`]; unset
/// or empty: none) where it stands.
pub fn parse_args<I, S>(args: I) -> Result<Cli, String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    parse_args_with_env(args, |name| std::env::var(name).ok())
}

fn parse_args_with_env<I, S>(args: I, env: impl Fn(&str) -> Option<String>) -> Result<Cli, String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut o = Options {
        state_dir: Some(PathBuf::from("sandbox-state")),
        quiet: false,
        ..Options::default()
    };
    let mut env_file = None;
    let mut args: VecDeque<String> = args.into_iter().map(Into::into).collect();
    let mut expanded = false;
    while let Some(arg) = args.pop_front() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "--quiet" => {
                o.quiet = true;
                continue;
            }
            "--chacha20-only" => {
                o.chacha20_only = true;
                continue;
            }
            "-h" | "--help" => {
                return Ok(Cli {
                    options: o,
                    env_file,
                    help: true,
                })
            }
            f if VALUE_FLAGS.contains(&f) => {}
            _ => return Err(format!("unknown option {flag}")),
        }
        let value = inline
            .or_else(|| args.pop_front())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let port = |v: &str| -> Result<u16, String> {
            v.parse().map_err(|_| format!("{flag}: not a port: {v}"))
        };
        match flag.as_str() {
            "--state-dir" => o.state_dir = Some(PathBuf::from(value)),
            "--username" => o.username = value,
            "--password" => o.password = value,
            "--expiration" => o.expiration = Some(value),
            "--balance" => {
                o.balance = value
                    .parse()
                    .ok()
                    .filter(|b: &f64| b.is_finite())
                    .ok_or_else(|| format!("--balance: not a number: {value}"))?
            }
            "--idle-timeout" => {
                let secs: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("--idle-timeout: not a count: {value}"))?;
                o.idle_timeout = Duration::from_secs(secs);
            }
            "--https-port" => o.ports.https = port(&value)?,
            "--http-port" => o.ports.http = port(&value)?,
            "--proxy-port" => o.ports.proxy = port(&value)?,
            "--socks-port" => o.ports.socks = port(&value)?,
            "--drop-port" => o.ports.drop = port(&value)?,
            "--env-file" => env_file = Some(PathBuf::from(value)),
            "--args-from-env" => {
                if expanded {
                    return Err("--args-from-env: only once, and not inside its own words".into());
                }
                expanded = true;
                let text = env(&value).unwrap_or_default();
                let words = shell::split(&text).map_err(|e| format!("${value}: {e}"))?;
                for w in words.into_iter().rev() {
                    args.push_front(w);
                }
            }
            _ => unreachable!("checked against VALUE_FLAGS"),
        }
    }
    Ok(Cli {
        options: o,
        env_file,
        help: false,
    })
}

/// Why a sandbox could not start.
#[derive(Debug)]
pub struct StartError(String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Entry point: [`Sandbox::start`].
pub struct Sandbox;

impl Sandbox {
    /// Starts a sandbox in this process: certificates made, state files
    /// written, every listener bound on 127.0.0.1 and served by its own
    /// threads. Ready when this returns.
    pub fn start(options: Options) -> Result<Running, StartError> {
        Running::start(options)
    }
}

/// A running sandbox. Dropping it (or [`Running::shutdown`]) stops it:
/// listeners closed, open connections cut, a temporary state dir removed.
pub struct Running {
    gw: Arc<Gateway>,
    threads: Vec<JoinHandle<()>>,
    ca_file: PathBuf,
    other_ca_file: PathBuf,
    /// The state dir is ours to remove.
    owned_dir: bool,
}

fn err(what: impl std::fmt::Display) -> StartError {
    StartError(what.to_string())
}

/// Writes `path` through a temporary file and a rename, so readers never see half a file.
fn write_atomic(path: &Path, data: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path)
}

/// A new, empty directory under the system's temporary directory.
fn fresh_temp_dir() -> Result<PathBuf, StartError> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = std::env::temp_dir();
    for _ in 0..100 {
        let mut r = [0u8; 8];
        util::random_bytes(&mut r);
        let dir = base.join(format!(
            "isms-sandbox-{}-{}-{:016x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            u64::from_le_bytes(r)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(err(format!("cannot create {}: {e}", dir.display()))),
        }
    }
    Err(err("cannot create a temporary state dir"))
}

fn bind(port: u16, what: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| err(format!("cannot bind {what} port {port}: {e}")))
}

fn port_of(l: &TcpListener) -> u16 {
    l.local_addr().map(|a| a.port()).unwrap_or(0)
}

impl Running {
    fn start(o: Options) -> Result<Running, StartError> {
        let (state_dir, owned_dir) = match o.state_dir {
            Some(dir) => {
                std::fs::create_dir_all(&dir)
                    .map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
                (std::fs::canonicalize(&dir).unwrap_or(dir), false)
            }
            None => (fresh_temp_dir()?, true),
        };
        // From here on, a failure removes a directory we made.
        let cleanup = |e: StartError| {
            if owned_dir {
                let _ = std::fs::remove_dir_all(&state_dir);
            }
            e
        };
        let certs = tls::generate(o.chacha20_only)
            .map_err(|e| cleanup(err(format!("certificates: {e}"))))?;
        let ca_file = state_dir.join("ca.pem");
        let other_ca_file = state_dir.join("other-ca.pem");
        for (path, pem) in [
            (&ca_file, &certs.ca_pem),
            (&other_ca_file, &certs.other_ca_pem),
        ] {
            write_atomic(path, pem)
                .map_err(|e| cleanup(err(format!("cannot write {}: {e}", path.display()))))?;
        }
        let p = o.ports;
        let bound = (|| {
            Ok::<_, StartError>([
                (Listener::Https, bind(p.https, "https")?),
                (Listener::Http, bind(p.http, "http")?),
                (Listener::Proxy, bind(p.proxy, "proxy")?),
                (Listener::Socks, bind(p.socks, "socks")?),
                (Listener::Drop, bind(p.drop, "drop")?),
            ])
        })();
        let listeners = bound.map_err(cleanup)?;
        let ports = Ports {
            https: port_of(&listeners[0].1),
            http: port_of(&listeners[1].1),
            proxy: port_of(&listeners[2].1),
            socks: port_of(&listeners[3].1),
            drop: port_of(&listeners[4].1),
        };
        let cfg = Config {
            state_dir,
            username: o.username,
            password: o.password,
            balance: o.balance,
            expiration: o.expiration.unwrap_or_else(util::default_expiration),
            quiet: o.quiet,
            idle_timeout: o.idle_timeout,
        };
        let gw = Arc::new(Gateway::new(cfg, ports));
        let mut running = Running {
            gw: gw.clone(),
            threads: Vec::new(),
            ca_file,
            other_ca_file,
            owned_dir,
        };
        for (l, listener) in listeners {
            let tls = certs.server.clone();
            let gw = gw.clone();
            let t = thread::Builder::new()
                .name(format!("accept-{}", l.name()))
                .spawn(move || accept_loop(listener, &gw, tls, l))
                .map_err(|e| err(format!("cannot start a thread: {e}")))?;
            running.threads.push(t);
        }
        let info_path = running.info_file();
        write_atomic(&info_path, &format!("{:#}\n", running.info()))
            .map_err(|e| err(format!("cannot write {}: {e}", info_path.display())))?;
        Ok(running)
    }

    pub fn ports(&self) -> Ports {
        self.gw.ports
    }

    pub fn state_dir(&self) -> &Path {
        &self.gw.cfg.state_dir
    }

    /// The test CA that signed the server certificate (PEM; new on every start).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// A valid CA that signed nothing served here.
    pub fn other_ca_file(&self) -> &Path {
        &self.other_ca_file
    }

    /// `sandbox.json` in the state dir.
    pub fn info_file(&self) -> PathBuf {
        self.state_dir().join("sandbox.json")
    }

    /// `outbox.jsonl` in the state dir: one JSON line per delivered SMS.
    pub fn outbox_file(&self) -> PathBuf {
        self.state_dir().join("outbox.jsonl")
    }

    pub fn username(&self) -> &str {
        &self.gw.cfg.username
    }

    pub fn password(&self) -> &str {
        &self.gw.cfg.password
    }

    /// `https://127.0.0.1:PORT/2FA/request.php`
    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}/2FA/request.php", self.gw.ports.https)
    }

    /// `http://127.0.0.1:PORT/2FA/request.php`
    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/2FA/request.php", self.gw.ports.http)
    }

    /// What `sandbox.json` holds.
    pub fn info(&self) -> Value {
        let p = self.gw.ports;
        json!({
            "pid": std::process::id(),
            "https_port": p.https,
            "http_port": p.http,
            "proxy_port": p.proxy,
            "socks_port": p.socks,
            "drop_port": p.drop,
            "ca_file": self.ca_file.to_string_lossy(),
            "other_ca_file": self.other_ca_file.to_string_lossy(),
            "username": self.gw.cfg.username,
            "password": self.gw.cfg.password,
        })
    }

    /// The environment a client under test gets: ISMS_SANDBOX_STATE,
    /// ISMS_ENDPOINT, ISMS_HTTP_ENDPOINT, ISMS_CA_FILE, ISMS_USERNAME,
    /// ISMS_PASSWORD, ISMS_OUTBOX.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let path = |p: &Path| p.to_string_lossy().into_owned();
        vec![
            ("ISMS_SANDBOX_STATE", path(&self.info_file())),
            ("ISMS_ENDPOINT", self.endpoint()),
            ("ISMS_HTTP_ENDPOINT", self.http_endpoint()),
            ("ISMS_CA_FILE", path(&self.ca_file)),
            ("ISMS_USERNAME", self.gw.cfg.username.clone()),
            ("ISMS_PASSWORD", self.gw.cfg.password.clone()),
            ("ISMS_OUTBOX", path(&self.outbox_file())),
        ]
    }

    /// [`Running::env`] as `export NAME='value'` lines for `sh` to source.
    pub fn env_script(&self) -> String {
        self.env()
            .iter()
            .map(|(k, v)| format!("export {k}={}\n", shell::quote(v)))
            .collect()
    }

    /// Writes [`Running::env_script`] to `path` (atomically, mode 0600).
    pub fn write_env_file(&self, path: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        std::io::Write::write_all(&mut f, self.env_script().as_bytes())?;
        drop(f);
        std::fs::rename(&tmp, path)
    }

    /// Blocks until the sandbox stops (`GET /_sandbox/shutdown`).
    pub fn wait(&self) {
        self.gw.wait_stopped();
    }

    /// Whether `GET /_sandbox/shutdown` (or a shutdown) stopped it.
    pub fn is_stopped(&self) -> bool {
        self.gw.stopping()
    }

    /// Stops it now; the same as dropping it.
    pub fn shutdown(self) {}

    fn stop(&mut self) {
        self.gw.stop();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        if self.owned_dir {
            let _ = std::fs::remove_dir_all(&self.gw.cfg.state_dir);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("ports", &self.gw.ports)
            .field("state_dir", &self.gw.cfg.state_dir)
            .finish_non_exhaustive()
    }
}

fn handle(stream: TcpStream, sb: &Gateway, tls: &Arc<ServerConfig>, l: Listener, id: u64) {
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

fn accept_loop(listener: TcpListener, gw: &Arc<Gateway>, tls: Arc<ServerConfig>, l: Listener) {
    loop {
        let accepted = listener.accept();
        if gw.stopping() {
            return;
        }
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(_) => {
                // EMFILE and the like: back off instead of spinning.
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let id = gw.counters.accept(l);
        if l == Listener::Drop {
            drop(stream);
            continue;
        }
        let tls = tls.clone();
        let gw = gw.clone();
        let spawned = thread::Builder::new()
            .name(format!("{}-{id}", l.name()))
            .spawn(move || {
                gw.track(id, &stream);
                handle(stream, &gw, &tls, l, id);
                gw.untrack(id);
            });
        if spawned.is_err() {
            eprintln!("isms-sandbox: cannot start a thread; connection {id} dropped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], var: Option<&str>) -> Result<Cli, String> {
        let var = var.map(str::to_string);
        parse_args_with_env(args.iter().copied(), move |name| {
            assert_eq!(name, "ISMS_SANDBOX_ARGS");
            var.clone()
        })
    }

    #[test]
    fn command_line() {
        let cli = parse(&[], None).unwrap();
        assert_eq!(cli.options.state_dir, Some(PathBuf::from("sandbox-state")));
        assert!(!cli.options.quiet && !cli.help && cli.env_file.is_none());
        let cli = parse(
            &[
                "--quiet",
                "--balance=3",
                "--https-port",
                "0",
                "--env-file",
                "e",
            ],
            None,
        )
        .unwrap();
        assert!(cli.options.quiet);
        assert_eq!(cli.options.balance, 3.0);
        assert_eq!(cli.env_file, Some(PathBuf::from("e")));
        assert!(parse(&["--help"], None).unwrap().help);
        assert!(parse(&["--bogus"], None).is_err());
        assert!(parse(&["--balance"], None).is_err());
        assert!(parse(&["--balance", "inf"], None).is_err());
        assert!(parse(&["--idle-timeout", "0"], None).is_err());
        assert!(parse(&["--http-port", "70000"], None).is_err());
    }

    #[test]
    fn args_from_env_are_spliced_in_place() {
        let cli = parse(
            &[
                "--password",
                "first",
                "--args-from-env",
                "ISMS_SANDBOX_ARGS",
                "--balance",
                "9",
            ],
            Some(r#"--expiration "05 Dec 2026" --balance 3 --password 'demo&secret=1 %+'"#),
        )
        .unwrap();
        assert_eq!(cli.options.expiration.as_deref(), Some("05 Dec 2026"));
        assert_eq!(cli.options.password, "demo&secret=1 %+");
        // Later options win, as on a command line.
        assert_eq!(cli.options.balance, 9.0);
        let cli = parse(&["--args-from-env", "ISMS_SANDBOX_ARGS"], None).unwrap();
        assert_eq!(cli.options.balance, 100.0);
        let e = parse(
            &["--args-from-env", "ISMS_SANDBOX_ARGS"],
            Some("--balance $(id)"),
        );
        assert!(e.unwrap_err().contains("unsupported shell syntax"));
        let e = parse(
            &["--args-from-env", "ISMS_SANDBOX_ARGS"],
            Some("--args-from-env ISMS_SANDBOX_ARGS"),
        );
        assert!(e.is_err());
    }

    #[test]
    fn options_debug_hides_the_password() {
        let o = Options {
            password: "hunter2-secret".into(),
            ..Options::default()
        };
        assert!(!format!("{o:?}").contains("hunter2"));
    }
}
