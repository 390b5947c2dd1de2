//! The account and connection settings: an option beats its environment
//! variable, `ISMS_PASSWORD_FILE` beats `ISMS_PASSWORD`, and the result is a
//! configured [`isms::Client`]. Messages name variables and files, never a
//! password.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use isms::Client;
use zeroize::Zeroizing;

use crate::args::GlobalOptions;
use crate::failure::Failure;

/// An environment variable; `Ok(None)` when unset.
fn env_var(name: &str) -> Result<Option<String>, Failure> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(value) => value
            .into_string()
            .map(Some)
            .map_err(|_| Failure::invalid(format!("{name} is not valid UTF-8"))),
    }
}

/// An environment variable, empty counting as unset.
fn env_nonempty(name: &str) -> Result<Option<String>, Failure> {
    Ok(env_var(name)?.filter(|v| !v.is_empty()))
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The option if given, else the variable (non-empty).
fn setting(option: &Option<String>, name: &str) -> Result<Option<String>, Failure> {
    match option {
        Some(value) => Ok(Some(value.clone())),
        None => env_nonempty(name),
    }
}

/// Reads a password file, dropping one trailing `\n` or `\r\n`.
pub fn read_password_file(path: &Path, source: &str) -> Result<Zeroizing<String>, Failure> {
    let shown = path.display();
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
        Failure::invalid(format!(
            "cannot read the password file {shown} ({source}): {e}"
        ))
    })?);
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        Failure::invalid(format!(
            "the password file {shown} ({source}) is not valid UTF-8"
        ))
    })?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    if text.is_empty() {
        return Err(Failure::invalid(format!(
            "the password file {shown} ({source}) is empty"
        )));
    }
    Ok(Zeroizing::new(text.to_owned()))
}

fn password(options: &GlobalOptions) -> Result<Zeroizing<String>, Failure> {
    if let Some(path) = &options.password_file {
        return read_password_file(path, "--password-file");
    }
    if let Some(path) = env_path("ISMS_PASSWORD_FILE") {
        return read_password_file(&path, "ISMS_PASSWORD_FILE");
    }
    match std::env::var_os("ISMS_PASSWORD") {
        Some(value) if !value.is_empty() => value
            .into_string()
            .map(Zeroizing::new)
            .map_err(|value: OsString| {
                drop(Zeroizing::new(value.into_encoded_bytes()));
                Failure::invalid("ISMS_PASSWORD is not valid UTF-8")
            }),
        _ => Err(Failure::invalid(
            "no password: set ISMS_PASSWORD_FILE (a file holding it) or ISMS_PASSWORD, or pass --password-file FILE",
        )),
    }
}

/// Decimal seconds, above zero: `10`, `2.5`.
pub fn parse_timeout(text: &str, source: &str) -> Result<Duration, Failure> {
    let refused = || {
        Failure::invalid(format!(
            "{source}: `{text}` is not a number of seconds above 0 (e.g. 10 or 2.5)"
        ))
    };
    let seconds: f64 = text.trim().parse().map_err(|_| refused())?;
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(refused());
    }
    let timeout = Duration::try_from_secs_f64(seconds).map_err(|_| refused())?;
    if timeout.is_zero() {
        return Err(refused());
    }
    Ok(timeout)
}

/// The client the options and the environment describe. Nothing goes to the
/// network here.
pub fn client(options: &GlobalOptions) -> Result<Client, Failure> {
    let username = setting(&options.username, "ISMS_USERNAME")?.ok_or_else(|| {
        Failure::invalid("no username: set ISMS_USERNAME or pass --username NAME")
    })?;
    let timeout = match &options.timeout {
        Some(text) => Some(parse_timeout(text, "--timeout")?),
        None => env_nonempty("ISMS_TIMEOUT")?
            .map(|text| parse_timeout(&text, "ISMS_TIMEOUT"))
            .transpose()?,
    };
    let password = password(options)?;
    let client = Client::new(&username, &password)?;
    if let Some(endpoint) = setting(&options.endpoint, "ISMS_ENDPOINT")? {
        client.set_endpoint(Some(&endpoint))?;
    }
    let ca_file = options.ca_file.clone().or_else(|| env_path("ISMS_CA_FILE"));
    if let Some(ca_file) = ca_file {
        client.set_ca_file(Some(&ca_file))?;
    }
    // An empty ISMS_PROXY means a direct connection, as --proxy "" does.
    let proxy = match &options.proxy {
        Some(proxy) => Some(proxy.clone()),
        None => env_var("ISMS_PROXY")?,
    };
    client.set_proxy(proxy.as_deref())?;
    if let Some(timeout) = timeout {
        client.set_timeout(timeout)?;
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(
            parse_timeout("2.5", "t").unwrap(),
            Duration::from_millis(2500)
        );
        assert_eq!(parse_timeout(" 10 ", "t").unwrap(), Duration::from_secs(10));
        for bad in ["", "abc", "0", "-1", "NaN", "inf", "1e300", "1e-12"] {
            let failure = parse_timeout(bad, "--timeout").unwrap_err();
            assert!(failure.message.starts_with("--timeout: "), "{bad}");
        }
    }
}
