//! `isms`: send and verify iSMS one-time passwords and check the account's
//! credit from a shell, a script, Nagios/Icinga or Prometheus. A thin layer
//! over the `isms` crate: every rule on numbers, codes and replies is the
//! library's.
//!
//! - `args`: the command line and its help.
//! - `settings`: options and environment to a configured client.
//! - `balance`: the four balance formats and the thresholds.
//! - `otp`: send and verify.
//! - `failure`: how a failure is printed.
//! - `days`: calendar arithmetic for the expiry date.

mod args;
mod balance;
mod days;
mod failure;
mod otp;
mod settings;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// Exit code of a usage error, and of one in a Nagios check (UNKNOWN).
const USAGE_EXIT: u8 = 2;
const NAGIOS_USAGE_EXIT: u8 = 3;

fn usage_exit(nagios: bool) -> u8 {
    if nagios {
        NAGIOS_USAGE_EXIT
    } else {
        USAGE_EXIT
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let nagios = args::wants_nagios(&argv);
    if args::passes_password(&argv) {
        if nagios {
            println!("ISMS UNKNOWN - usage error: no password option");
        }
        eprintln!(
            "error: {}\n\nFor more information, try '--help'.",
            args::PASSWORD_OPTION_REFUSED
        );
        return ExitCode::from(usage_exit(nagios));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            if !error.use_stderr() {
                // --help: not an error.
                let _ = error.print();
                return ExitCode::SUCCESS;
            }
            if nagios {
                let rendered = error.to_string();
                let first = rendered.lines().next().unwrap_or("usage error");
                let first = first.strip_prefix("error: ").unwrap_or(first);
                println!("ISMS UNKNOWN - usage error: {first}");
            }
            let _ = error.print();
            return ExitCode::from(usage_exit(nagios));
        }
    };
    let code = match &cli.command {
        Command::Balance(args) => balance::run(&cli.global, args),
        Command::Send(args) => otp::send(&cli.global, args),
        Command::Verify(args) => otp::verify(&cli.global, args),
        Command::Version => {
            println!(
                "isms {} (libisms {})",
                env!("CARGO_PKG_VERSION"),
                env!("LIBISMS_VERSION")
            );
            0
        }
    };
    ExitCode::from(code)
}
