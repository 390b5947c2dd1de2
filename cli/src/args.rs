//! The command line: commands, options and help text (clap derive), plus the
//! two checks clap cannot make: refusing a password option without echoing
//! it, and telling whether a usage error belongs to a Nagios check.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

macro_rules! settings_help {
    () => {
        "\
Settings (an option beats its environment variable):
  ISMS_USERNAME       --username NAME       the API sub-account (not the portal e-mail)
  ISMS_PASSWORD_FILE  --password-file FILE  a file holding the password (its trailing newline is dropped)
  ISMS_PASSWORD                             the password itself; ISMS_PASSWORD_FILE wins when both are set
  ISMS_ENDPOINT       --endpoint URL        default https://www.isms.com.my/2FA/request.php
  ISMS_CA_FILE        --ca-file FILE        extra trusted CA certificates (PEM), on top of the bundled ones
  ISMS_PROXY          --proxy URL           http:// or socks5:// proxy; \"\" = direct; unset = follow
                                            HTTPS_PROXY / ALL_PROXY / NO_PROXY as curl does
  ISMS_TIMEOUT        --timeout SECONDS     whole-call deadline, decimal seconds (default 30)
No option takes the password itself: a command line is visible to every user of the machine (ps)."
    };
}

macro_rules! exit_help {
    () => {
        "\
Exit codes:
  balance  0 read, 1 failure; with --format nagios 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (any error)
  send     0 sent, 1 failure
  verify   0 verified, 1 code wrong, expired or locked, 2 any other failure
  usage errors exit 2 (3 for balance --format nagios); a value refused after reading it
  (a bad number, a bad phone number) is a failure of the command, not a usage error."
    };
}

macro_rules! main_examples {
    () => {
        "\
Examples:
  export ISMS_USERNAME=myapi ISMS_PASSWORD_FILE=/etc/isms/password
  isms balance
  isms balance --format nagios --warn-below 100 --critical-below 20 --warn-days 30 --critical-days 7
  isms send 012-3456789 --country 60
  isms verify 012-3456789 --country 60 --code 123456 --sms-id 1171081025 --uuid 6d1f...

Run `isms help COMMAND` for a command's options and output."
    };
}

macro_rules! balance_help {
    () => {
        "\
Formats:
  text        balance and expiry date; a `state:` line when a threshold is given
  json        {\"balance\",\"expiration\",\"expiration_iso\",\"days_left\",\"status\"}, or {\"status\",\"message\"}
  nagios      ISMS OK|WARNING|CRITICAL|UNKNOWN - ... | balance=81.0;W:;C: expiry_days=148;W:;C:
  prometheus  isms_up, isms_balance_credits, isms_credit_expiry_timestamp_seconds (for node_exporter's
              textfile collector; thresholds are ignored: alert in Prometheus)
\"Below\" is strictly less than, for credits and days alike; days count from today (UTC) to the
expiry date. Critical wins over warning.

Exit codes: 0, or 1 on any failure (prometheus still prints isms_up 0); with --format nagios
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (any error, usage errors included).

Examples:
  isms balance --format json
  isms balance --format nagios --warn-below 100 --critical-below 20 --warn-days 30 --critical-days 7
  isms balance --format prometheus > isms.prom.tmp; mv isms.prom.tmp isms.prom   # textfile collector dir"
    };
}

macro_rules! send_help {
    () => {
        "\
Prints the uuid and sms_id that `isms verify` needs (and the mobile as the gateway formats it);
the code only with --show-code. JSON: {\"status\",\"uuid\",\"sms_id\",\"mobile\"} (+ \"code\"), or
{\"status\",\"message\"} on failure.

Exit codes: 0 sent, 1 any failure (usage errors 2).

Examples:
  isms send 012-3456789 --country 60
  isms send '+65 9123 4567' --country 65 --message 'Code: %OTP%' --sender-id MyShop --format json"
    };
}

macro_rules! verify_help {
    () => {
        "\
Prints `verified`, or the status and the reason on stderr. JSON: {\"status\",\"verified\",\"message\",
\"attempts_left\"} when the gateway judged the code (attempts_left is null while no attempt limit is
set), {\"status\",\"message\"} on any other failure.

Exit codes: 0 verified, 1 code wrong, expired or locked, 2 any other failure (usage errors too).

Example:
  isms verify 012-3456789 --country 60 --code 123456 --sms-id 1171081025 --uuid 6d1f... --interval 5"
    };
}

/// Send and verify iSMS one-time passwords, check the account's credit.
#[derive(Debug, Parser)]
#[command(
    name = "isms",
    about = "Send and verify iSMS one-time passwords (2FA SMS), check the account's credit",
    after_help = concat!(settings_help!(), "\n\n", exit_help!(), "\n\n", main_examples!()),
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// Connection and account settings, shared by every command.
#[derive(Debug, Args)]
pub struct GlobalOptions {
    /// The API sub-account [env: ISMS_USERNAME]
    #[arg(long, global = true, help_heading = "Settings", value_name = "NAME")]
    pub username: Option<String>,
    /// A file holding the password [env: ISMS_PASSWORD_FILE, or ISMS_PASSWORD]
    #[arg(long, global = true, help_heading = "Settings", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The gateway URL [env: ISMS_ENDPOINT]
    #[arg(long, global = true, help_heading = "Settings", value_name = "URL")]
    pub endpoint: Option<String>,
    /// Extra trusted CA certificates, PEM [env: ISMS_CA_FILE]
    #[arg(long, global = true, help_heading = "Settings", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// http:// or socks5:// proxy, "" for a direct connection [env: ISMS_PROXY]
    #[arg(long, global = true, help_heading = "Settings", value_name = "URL")]
    pub proxy: Option<String>,
    /// Whole-call deadline in seconds, decimal [env: ISMS_TIMEOUT]
    #[arg(
        long,
        global = true,
        help_heading = "Settings",
        value_name = "SECONDS",
        allow_hyphen_values = true
    )]
    pub timeout: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The account's credit and its expiry date; a Nagios check; Prometheus metrics
    #[command(after_help = concat!(balance_help!(), "\n\n", settings_help!()))]
    Balance(BalanceArgs),
    /// Send a one-time password by SMS (the gateway makes the 6-digit code)
    #[command(after_help = concat!(send_help!(), "\n\n", settings_help!()))]
    Send(SendArgs),
    /// Check a code the user typed against the one sent
    #[command(after_help = concat!(verify_help!(), "\n\n", settings_help!()))]
    Verify(VerifyArgs),
    /// Print the versions of this tool and of libisms
    Version,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BalanceFormat {
    Text,
    Json,
    Nagios,
    Prometheus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsType {
    /// ASCII when every character is ASCII, else Unicode
    Auto,
    /// type 1, about 153 characters per credit
    Ascii,
    /// type 2, about 63 characters per credit
    Unicode,
}

#[derive(Debug, Args)]
pub struct BalanceArgs {
    /// Warning when the credit is below N
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub warn_below: Option<String>,
    /// Critical when the credit is below N
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub critical_below: Option<String>,
    /// Warning when fewer than D days are left before the credit expires
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub warn_days: Option<String>,
    /// Critical when fewer than D days are left before the credit expires
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub critical_days: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = BalanceFormat::Text)]
    pub format: BalanceFormat,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The phone number, national or international (spaces, -, ., ( ) are ignored)
    #[arg(value_name = "MOBILE", allow_hyphen_values = true)]
    pub mobile: String,
    /// The country calling code, e.g. 60 for Malaysia
    #[arg(long, value_name = "CC")]
    pub country: String,
    /// The SMS text; %OTP% is replaced by the code
    #[arg(
        long,
        value_name = "TEXT",
        default_value = "Your verification code is %OTP%",
        allow_hyphen_values = true
    )]
    pub message: String,
    /// Sender ID, 1 to 11 letters and digits (not supported for Malaysian numbers)
    #[arg(long, value_name = "ID")]
    pub sender_id: Option<String>,
    /// SMS encoding
    #[arg(long = "type", value_enum, default_value_t = SmsType::Auto)]
    pub sms_type: SmsType,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also print the code (a secret: never show it to the person who must type it)
    #[arg(long)]
    pub show_code: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The phone number the code was sent to
    #[arg(value_name = "MOBILE", allow_hyphen_values = true)]
    pub mobile: String,
    /// The country calling code it was sent with
    #[arg(long, value_name = "CC")]
    pub country: String,
    /// The code the user typed
    #[arg(long, value_name = "CODE")]
    pub code: String,
    /// The sms_id `isms send` printed
    #[arg(long, value_name = "ID")]
    pub sms_id: String,
    /// The uuid `isms send` printed
    #[arg(long, value_name = "UUID")]
    pub uuid: String,
    /// Minutes after which the code counts as expired (1 to 1440; default: no limit)
    #[arg(long, value_name = "MIN", allow_hyphen_values = true)]
    pub interval: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Why a password option is refused; the value given is never repeated.
pub const PASSWORD_OPTION_REFUSED: &str = "there is no option for the password: a command line is visible to every user of the machine (ps). Put it in a file and pass --password-file FILE, or set ISMS_PASSWORD_FILE or ISMS_PASSWORD";

/// True when the arguments try to pass the password as an option
/// (`--password`, `--password=…`, `--pass`, `--passwd`, …), looking only at
/// option names, never at the values of options that take one.
pub fn passes_password(args: &[String]) -> bool {
    let takes_value = value_options();
    let mut skip_next = false;
    for arg in args {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        if arg == "--" {
            break;
        }
        let Some(name) = arg.strip_prefix("--") else {
            continue;
        };
        let (name, inline_value) = match name.split_once('=') {
            Some((name, _)) => (name, true),
            None => (name, false),
        };
        if name.starts_with("pass") && name != "password-file" {
            return true;
        }
        skip_next = !inline_value && takes_value.iter().any(|o| o == name);
    }
    false
}

/// Long names of every option that takes a value, in any command.
fn value_options() -> Vec<String> {
    let command = Cli::command();
    let mut names = Vec::new();
    let mut collect = |cmd: &clap::Command| {
        for arg in cmd.get_arguments() {
            if arg.get_action().takes_values() {
                if let Some(long) = arg.get_long() {
                    names.push(long.to_owned());
                }
            }
        }
    };
    collect(&command);
    for sub in command.get_subcommands() {
        collect(sub);
    }
    names
}

/// True when the arguments ask for `balance --format nagios`: a usage error
/// there must exit 3 (UNKNOWN) with a status line, as Nagios expects.
pub fn wants_nagios(args: &[String]) -> bool {
    let balance = args.iter().any(|a| a == "balance");
    let nagios = args
        .windows(2)
        .any(|w| w[0] == "--format" && w[1] == "nagios")
        || args.iter().any(|a| a == "--format=nagios");
    balance && nagios
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn password_options_are_spotted_by_name_only() {
        for args in [
            &["balance", "--password", "x"][..],
            &["--password=x", "balance"],
            &["send", "1", "--pass", "x"],
            &["send", "1", "--passwd=x"],
        ] {
            assert!(passes_password(&strings(args)), "{args:?}");
        }
        for args in [
            &["balance", "--password-file", "/f"][..],
            &["send", "1", "--message", "--password"],
            &["send", "1", "--", "--password"],
            &["verify", "--uuid", "--pass"],
        ] {
            assert!(!passes_password(&strings(args)), "{args:?}");
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
