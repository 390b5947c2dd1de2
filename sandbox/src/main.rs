//! isms-sandbox: a local fake of the iSMS 2FA gateway for tests and demos.
//! See README.md for the interface; the work is done by the library.

use std::process::exit;

use isms_sandbox::{parse_args, Sandbox, USAGE};

fn die(msg: &str) -> ! {
    eprintln!("isms-sandbox: {msg}");
    exit(2)
}

fn main() {
    let cli =
        parse_args(std::env::args().skip(1)).unwrap_or_else(|e| die(&format!("{e}\n{USAGE}")));
    if cli.help {
        println!("{USAGE}");
        return;
    }
    let sandbox = Sandbox::start(cli.options).unwrap_or_else(|e| die(&e.to_string()));
    if let Some(path) = &cli.env_file {
        if let Err(e) = sandbox.write_env_file(path) {
            die(&format!("cannot write {}: {e}", path.display()));
        }
    }
    let p = sandbox.ports();
    let line = format!(
        "isms-sandbox ready: {} (http {}, proxy {}, socks {})",
        sandbox.endpoint(),
        p.http,
        p.proxy,
        p.socks
    );
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    sandbox.wait();
    // Let the connection that asked for the shutdown see its reply through.
    drop(sandbox);
    exit(0);
}
