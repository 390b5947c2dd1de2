//! The safe Rust client: credentials, settings, and the three calls.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::error::Error;
use crate::fork::section;
use crate::guard::policy::{Limits, VerifyAnswer, VerifyRefusal};
use crate::guard::store::{Store, StoreError};
use crate::guard::{self, GuardLimit, StoreUrl};
use crate::log::{self, LogLevel};
use crate::proxy::ProxySetting;
use crate::request::{self, SendOtp, VerifyOtp};
use crate::response::{self, Balance, Sent, Verified};
use crate::status::Status;
use crate::transport::{self, ExtraRoots, TransportKey};
use crate::url::UrlParts;

/// The gateway's 2FA endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://www.isms.com.my/2FA/request.php";
/// Whole-call deadline unless set otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(30_000);
/// The longest deadline accepted: what the C API can express (`u32`
/// milliseconds, about 49.7 days). Longer ones are refused rather than left
/// to overflow the clock.
pub const MAX_TIMEOUT: Duration = Duration::from_millis(u32::MAX as u64);

/// A checked endpoint URL (no query: the library adds the parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    url: String,
    host: String,
    https: bool,
}

impl Endpoint {
    fn parse(url: &str) -> Result<Endpoint, Error> {
        let bad = |why: &str| Error::invalid(format!("endpoint: {why}"));
        let uri: ureq::http::Uri = url.parse().map_err(|_| bad("not a valid URL"))?;
        let https = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            _ => {
                return Err(bad(
                    "must start with https:// (or http:// for a loopback host)",
                ))
            }
        };
        let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("must not carry credentials"));
        }
        let host = authority.host().to_owned();
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        // The URI parser reads any digits as a port and ureq would then
        // connect to the scheme's default: refuse what is not a TCP port.
        if let Some(port) = authority
            .as_str()
            .rsplit_once(':')
            .and_then(|(_, p)| (!p.is_empty() && !p.ends_with(']')).then_some(p))
        {
            if !matches!(port.parse::<u16>(), Ok(1..)) {
                return Err(bad("the port must be a number from 1 to 65535"));
            }
        }
        if uri.query().is_some() || url.contains('#') {
            return Err(bad(
                "must not have a query or fragment: the library adds the parameters",
            ));
        }
        if !https && !is_loopback(&host) {
            return Err(bad(
                "http:// is accepted only for loopback hosts (127.0.0.0/8, ::1, localhost); use https://",
            ));
        }
        Ok(Endpoint {
            url: url.to_owned(),
            host,
            https,
        })
    }
}

/// An explicit proxy and a plain-HTTP endpoint never go together, whichever
/// is set second.
fn check_no_proxy_for_http(
    endpoint: &Endpoint,
    proxy: &ProxySetting,
    setting: &str,
) -> Result<(), Error> {
    if !endpoint.https && matches!(proxy, ProxySetting::Url(_)) {
        return Err(Error::invalid(format!(
            "{setting}: an http:// endpoint is always reached directly (the password would cross \
             the proxy in clear); use an https:// endpoint or no proxy"
        )));
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Reads a PEM bundle; every certificate in it must be usable as a trust anchor.
fn read_ca_file(path: &Path) -> Result<ExtraRoots, Error> {
    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| Error::invalid(format!("ca_file: cannot read {shown}: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(_) => {
                return Err(Error::invalid(format!(
                    "ca_file: {shown} is not a valid PEM file"
                )))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid(format!(
            "ca_file: no PEM certificate could be read from {shown}"
        )));
    }
    // Parsed here once: every agent built for this file reuses the anchors.
    let mut store = rustls::RootCertStore::empty();
    for cert in &certs {
        store
            .add(rustls::pki_types::CertificateDer::from(cert.der()).into_owned())
            .map_err(|e| {
                Error::invalid(format!(
                    "ca_file: a certificate in {shown} cannot be a trust anchor: {e}"
                ))
            })?;
    }
    let anchors = store.roots;
    Ok(ExtraRoots { anchors })
}

#[derive(Debug, Clone)]
struct Settings {
    endpoint: Endpoint,
    timeout: Duration,
    extra_roots: Option<Arc<ExtraRoots>>,
    proxy: ProxySetting,
    /// The guard's store; `None`: off.
    guard: Option<StoreUrl>,
    limits: Limits,
    allowed_countries: Option<Arc<Vec<String>>>,
}

/// A client for one iSMS account. Cheap to create; all clients with the same
/// CA and proxy share one pool of kept-alive connections. Safe to share
/// between threads; settings may change while calls are running (a call uses
/// the settings in force when it starts).
pub struct Client {
    username: Zeroizing<String>,
    password: Zeroizing<String>,
    settings: RwLock<Settings>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = self.settings();
        f.debug_struct("Client")
            .field("username", &self.username.as_str())
            .field("password", &"<hidden>")
            .field("endpoint", &settings.endpoint.url)
            .field("timeout", &settings.timeout)
            .field("ca_file", &settings.extra_roots.is_some())
            .field("guard", &settings.guard)
            .field("allowed_countries", &settings.allowed_countries)
            // Whether a proxy is set, never its URL (it may hold credentials).
            .field(
                "proxy",
                &match settings.proxy {
                    ProxySetting::FromEnvironment => "from the environment",
                    ProxySetting::Direct => "none (direct)",
                    ProxySetting::Url(_) => "set",
                },
            )
            .finish()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let settings = self
            .settings
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let ProxySetting::Url(url) = &settings.proxy {
            transport::release_proxy(url);
        }
    }
}

impl Client {
    /// A client for the account `username` (the API sub-account, not the
    /// portal e-mail) with its `password`. Neither may be empty.
    pub fn new(username: &str, password: &str) -> Result<Client, Error> {
        if username.is_empty() {
            return Err(Error::invalid("username: must not be empty"));
        }
        if password.is_empty() {
            return Err(Error::invalid("password: must not be empty"));
        }
        Ok(Client {
            username: Zeroizing::new(username.to_owned()),
            password: Zeroizing::new(password.to_owned()),
            settings: RwLock::new(Settings {
                endpoint: Endpoint::parse(DEFAULT_ENDPOINT)?,
                timeout: DEFAULT_TIMEOUT,
                extra_roots: None,
                proxy: ProxySetting::FromEnvironment,
                guard: None,
                limits: Limits::default(),
                allowed_countries: None,
            }),
        })
    }

    fn settings(&self) -> Settings {
        section(|| {
            self.settings
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    }

    /// Applies `change` under the settings lock; a refused change changes
    /// nothing.
    fn update(&self, change: impl FnOnce(&mut Settings) -> Result<(), Error>) -> Result<(), Error> {
        section(|| {
            change(
                &mut self
                    .settings
                    .write()
                    .unwrap_or_else(PoisonError::into_inner),
            )
        })
    }

    /// The full endpoint URL; `None` restores the gateway's. `http://` is
    /// accepted only for loopback hosts.
    pub fn set_endpoint(&self, url: Option<&str>) -> Result<(), Error> {
        let endpoint = Endpoint::parse(url.unwrap_or(DEFAULT_ENDPOINT))?;
        self.update(|s| {
            check_no_proxy_for_http(&endpoint, &s.proxy, "endpoint")?;
            s.endpoint = endpoint;
            Ok(())
        })
    }

    /// The whole-call deadline, DNS to the last byte of the reply, retries
    /// included. Zero and anything above [`MAX_TIMEOUT`] are invalid.
    pub fn set_timeout(&self, timeout: Duration) -> Result<(), Error> {
        if timeout.is_zero() {
            return Err(Error::invalid("timeout: must be more than 0"));
        }
        if timeout > MAX_TIMEOUT {
            return Err(Error::invalid(format!(
                "timeout: must be at most {} ms",
                MAX_TIMEOUT.as_millis()
            )));
        }
        self.update(|s| {
            s.timeout = timeout;
            Ok(())
        })
    }

    /// Extra trust anchors (a PEM bundle) on top of the bundled web PKI
    /// roots; `None` restores the bundled roots alone. The file is read now.
    pub fn set_ca_file(&self, path: Option<&Path>) -> Result<(), Error> {
        let extra_roots = path.map(read_ca_file).transpose()?.map(Arc::new);
        self.update(|s| {
            s.extra_roots = extra_roots;
            Ok(())
        })
    }

    /// `None`: follow the proxy environment variables as curl does; `""`: a
    /// direct connection; else an `http://` or `socks5://` proxy URL.
    pub fn set_proxy(&self, proxy: Option<&str>) -> Result<(), Error> {
        let proxy = ProxySetting::parse(proxy)?;
        self.update(|s| {
            check_no_proxy_for_http(&s.endpoint, &proxy, "proxy")?;
            if let ProxySetting::Url(url) = &proxy {
                transport::hold_proxy(url);
            }
            if let ProxySetting::Url(old) = std::mem::replace(&mut s.proxy, proxy) {
                transport::release_proxy(&old);
            }
            Ok(())
        })
    }

    /// Turns the guard on with a store (`memory:`, `sqlite:PATH`,
    /// `redis://...`, `rediss://...`), or off with `None` or `""`. Checked
    /// now (scheme and syntax); the store is opened on first use.
    pub fn set_guard(&self, store_url: Option<&str>) -> Result<(), Error> {
        let guard = guard::parse_store_url(store_url)?;
        self.update(|s| {
            s.guard = guard;
            Ok(())
        })
    }

    /// Sets one of the guard's limits (they apply once the guard is on, and
    /// survive turning it off and on). 0 turns a limit off, except
    /// [`GuardLimit::CodeAttempts`] and [`GuardLimit::CodeLifetimeS`].
    pub fn set_guard_limit(&self, limit: GuardLimit, value: u32) -> Result<(), Error> {
        self.update(|s| guard::set_limit(&mut s.limits, limit, value))
    }

    /// The calling codes a send may go to (e.g. `"60,65"`); `None` or `""`
    /// allows every country. Applies with the guard on or off.
    pub fn set_allowed_countries(&self, country_codes: Option<&str>) -> Result<(), Error> {
        let allowed = guard::parse_allowed_countries(country_codes)?;
        self.update(|s| {
            s.allowed_countries = allowed;
            Ok(())
        })
    }

    /// Sends an OTP: the gateway generates a 6-digit code, puts it in place of
    /// `%OTP%` and sends the SMS. Keep the returned `uuid`, `sms_id` and `code`
    /// on the server; the code must never reach the end user's browser.
    ///
    /// With the guard on, a send to a number within its cooldown or over its
    /// window gives [`Status::RateLimited`] and sends nothing; a country not
    /// allowed gives [`Status::NotAllowed`].
    pub fn send_otp(&self, args: &SendOtp) -> Result<Sent, Error> {
        let mut number = None;
        self.logged(
            "send",
            &mut number,
            |number| self.send_otp_inner(args, number),
            |s| s.http_status,
        )
    }

    fn send_otp_inner(&self, args: &SendOtp, masked: &mut Option<String>) -> Result<Sent, Error> {
        let settings = self.settings();
        let deadline = Instant::now() + settings.timeout;
        let (destination, query) = request::prepare_send(&self.username, &self.password, args)?;
        check_request_size(&settings, &query)?;
        *masked = Some(log::mask_number(
            &destination.country_code,
            &destination.mobile,
        ));
        if let Some(allowed) = &settings.allowed_countries {
            if !allowed.contains(&destination.country_code) {
                return Err(Error::new(
                    Status::NotAllowed,
                    format!(
                        "country_code: +{} is not in the allowed countries; nothing was sent",
                        destination.country_code
                    ),
                ));
            }
        }
        let number = destination.number();
        let store = match &settings.guard {
            Some(url) => {
                let store = self.store(url, deadline)?;
                let decided = store
                    .reserve_send(&self.username, &number, &settings.limits, deadline)
                    .map_err(store_error)?;
                log::log(LogLevel::Debug, || match &decided {
                    Ok(()) => format!(
                        "guard: send to {} reserved",
                        masked.as_deref().unwrap_or("-")
                    ),
                    Err(limited) => format!(
                        "guard: send to {} refused, retry after {} s",
                        masked.as_deref().unwrap_or("-"),
                        limited.retry_after_s
                    ),
                });
                decided.map_err(|limited| {
                        Error::new(
                            Status::RateLimited,
                            format!(
                                "too many codes sent to this number: the next may be sent in {} s; nothing was sent",
                                limited.retry_after_s
                            ),
                        )
                        .with_retry_after(limited.retry_after_s)
                    })?;
                Some(store)
            }
            None => None,
        };
        let reply = self.call(&settings, &query, deadline)?;
        let sent = response::parse_send(&reply.body, reply.http_status)
            .map(|r| self.with_secrets(&settings, |s| r.redact_secrets(s)))
            .map_err(|e| self.finish(&settings, e, reply.http_status))?;
        if let Some(store) = store {
            // The SMS is out whatever happens here: a code the store missed
            // is bound to its number on its first verify.
            let recorded = store.record_sent(
                &self.username,
                &sent.uuid,
                &sent.sms_id,
                &number,
                &settings.limits,
                deadline.max(Instant::now() + STORE_GRACE),
            );
            if let Err(e) = recorded {
                log::log(LogLevel::Warn, || {
                    format!(
                        "guard: the code sent to {} was not recorded ({e}); it is bound on its first verify",
                        masked.as_deref().unwrap_or("-")
                    )
                });
            }
        }
        Ok(sent)
    }

    /// Checks a code the user typed. `Ok` exactly when the gateway said
    /// `Verified`; a wrong code is [`Status::OtpIncorrect`], an old one
    /// [`Status::OtpExpired`]. The gateway documents no attempt limit: turn
    /// the guard on ([`Client::set_guard`]) to limit tries, or limit them in
    /// the application.
    pub fn verify_otp(&self, args: &VerifyOtp) -> Result<Verified, Error> {
        let mut number = None;
        self.logged(
            "verify",
            &mut number,
            |number| self.verify_otp_inner(args, number),
            |v| v.http_status,
        )
    }

    fn verify_otp_inner(
        &self,
        args: &VerifyOtp,
        masked: &mut Option<String>,
    ) -> Result<Verified, Error> {
        let settings = self.settings();
        let deadline = Instant::now() + settings.timeout;
        let (destination, query) = request::prepare_verify(&self.username, &self.password, args)?;
        check_request_size(&settings, &query)?;
        *masked = Some(log::mask_number(
            &destination.country_code,
            &destination.mobile,
        ));
        let Some(url) = &settings.guard else {
            let reply = self.call(&settings, &query, deadline)?;
            return response::parse_verify(&reply.body, reply.http_status)
                .map(|r| self.with_secrets(&settings, |s| r.redact_secrets(s)))
                .map_err(|e| self.finish(&settings, e, reply.http_status));
        };
        let number = destination.number();
        let limits = &settings.limits;
        let store = self.store(url, deadline)?;
        let attempts_left = store
            .reserve_verify(
                &self.username,
                args.uuid,
                args.sms_id,
                &number,
                limits,
                deadline,
            )
            .map_err(store_error)?
            .map_err(refusal_error)?;
        let outcome = self.call(&settings, &query, deadline).and_then(|reply| {
            response::parse_verify(&reply.body, reply.http_status)
                .map(|r| self.with_secrets(&settings, |s| r.redact_secrets(s)))
                .map_err(|e| self.finish(&settings, e, reply.http_status))
        });
        let answer = match &outcome {
            Ok(_) => Some(VerifyAnswer::Verified),
            Err(e) if e.status() == Status::OtpIncorrect => Some(VerifyAnswer::Incorrect),
            Err(_) => None,
        };
        if let Some(answer) = answer {
            let _ = store.record_answer(
                &self.username,
                args.uuid,
                &number,
                answer,
                limits,
                deadline.max(Instant::now() + STORE_GRACE),
            );
        }
        match outcome {
            Ok(verified) => Ok(Verified {
                attempts_left: 0,
                ..verified
            }),
            Err(e) => {
                let left = match e.status() {
                    Status::OtpExpired => 0,
                    _ => attempts_left,
                };
                Err(e.with_attempts_left(left))
            }
        }
    }

    /// The account's credit and its expiry date. Never touches the guard.
    pub fn balance(&self) -> Result<Balance, Error> {
        let mut none = None;
        self.logged(
            "balance",
            &mut none,
            |_| self.balance_inner(),
            |b| b.http_status,
        )
    }

    fn balance_inner(&self) -> Result<Balance, Error> {
        let settings = self.settings();
        let deadline = Instant::now() + settings.timeout;
        let query = request::prepare_balance(&self.username, &self.password);
        check_request_size(&settings, &query)?;
        let reply = self.call(&settings, &query, deadline)?;
        let balance = response::parse_balance(&reply.body, reply.http_status)
            .map(|r| self.with_secrets(&settings, |s| r.redact_secrets(s)))
            .map_err(|e| self.finish(&settings, e, reply.http_status))?;
        Ok(balance)
    }

    /// Runs one call and logs its `info` line: operation, masked number,
    /// status, HTTP status, milliseconds, connection reused or new.
    fn logged<T>(
        &self,
        operation: &str,
        number: &mut Option<String>,
        call: impl FnOnce(&mut Option<String>) -> Result<T, Error>,
        http_status: impl Fn(&T) -> u16,
    ) -> Result<T, Error> {
        let started = Instant::now();
        transport::connection_report();
        let outcome = call(number);
        let connection = transport::connection_report();
        log::log(LogLevel::Info, || {
            let (status, http) = match &outcome {
                Ok(value) => (Status::Ok, http_status(value)),
                Err(e) => (e.status(), e.http_status()),
            };
            format!(
                "{operation} {} {} http={http} ms={} connection={}",
                number.as_deref().unwrap_or("-"),
                status.name(),
                started.elapsed().as_millis(),
                connection.name()
            )
        });
        outcome
    }

    /// Adds the HTTP status and takes the password out of a gateway-supplied message.
    fn finish(&self, settings: &Settings, error: Error, http_status: u16) -> Error {
        let error = error.with_http_status(http_status);
        self.with_secrets(settings, |secrets| error.redact_secrets(secrets))
    }

    /// Runs `f` with every secret a message must never show: the password,
    /// and the password of an explicit proxy or of the guard's store URL
    /// (each also percent-decoded, as it is sent).
    fn with_secrets<T>(&self, settings: &Settings, f: impl FnOnce(&[&str]) -> T) -> T {
        let mut owned: Vec<Zeroizing<String>> = Vec::new();
        if let ProxySetting::Url(url) = &settings.proxy {
            owned.extend(url_password(url));
        }
        if let Some(StoreUrl::Redis(url)) = &settings.guard {
            owned.extend(url_password(url));
        }
        let mut secrets: Vec<&str> = vec![self.password.as_str()];
        secrets.extend(owned.iter().map(|s| s.as_str()).filter(|s| !s.is_empty()));
        f(&secrets)
    }

    fn store(&self, url: &StoreUrl, deadline: Instant) -> Result<Arc<dyn Store>, Error> {
        guard::store_for(url, deadline).map_err(store_error)
    }

    fn call(
        &self,
        settings: &Settings,
        query: &str,
        deadline: Instant,
    ) -> Result<transport::Reply, Error> {
        let key = TransportKey {
            extra_roots: settings.extra_roots.clone(),
            // Plain HTTP (loopback only) is never proxied: the password
            // would cross to the proxy in clear.
            proxy: if settings.endpoint.https {
                settings
                    .proxy
                    .resolve(true, &settings.endpoint.host, |name| {
                        std::env::var(name).ok()
                    })
            } else {
                None
            },
        };
        let url = request::request_url(&settings.endpoint.url, query);
        let outcome = transport::agent_for(&key)
            .and_then(|agent| transport::get(&agent, &url, settings.timeout, deadline));
        outcome.map_err(|e| self.with_secrets(settings, |secrets| e.redact_secrets(secrets)))
    }
}

/// Refuses, before anything is counted or sent, a request too long for the
/// connection's output buffer (a very long username, password or endpoint:
/// the longest message fits with room to spare).
fn check_request_size(settings: &Settings, query: &str) -> Result<(), Error> {
    let size = settings.endpoint.url.len() + 1 + query.len();
    if size > transport::MAX_REQUEST_BYTES {
        return Err(Error::invalid(format!(
            "the request URL would be {size} bytes, over the limit of {} bytes: \
             the username, password or endpoint is too long; nothing was sent",
            transport::MAX_REQUEST_BYTES
        )));
    }
    Ok(())
}

/// The password of a `scheme://user:password@host` URL, as written and
/// percent-decoded.
fn url_password(url: &str) -> Vec<Zeroizing<String>> {
    let Some(password) = UrlParts::split(url).and_then(|parts| parts.password()) else {
        return Vec::new();
    };
    let mut decoded = Zeroizing::new(Vec::with_capacity(password.len()));
    let bytes = password.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                decoded.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    let decoded = Zeroizing::new(String::from_utf8_lossy(&decoded).into_owned());
    vec![Zeroizing::new(password.to_owned()), decoded]
}

/// Time a store is given to record what the gateway already answered, even
/// when the call's deadline has passed meanwhile.
const STORE_GRACE: Duration = Duration::from_millis(500);

fn store_error(e: StoreError) -> Error {
    Error::new(Status::GuardStore, format!("guard: {e}; nothing was sent"))
}

fn refusal_error(refusal: VerifyRefusal) -> Error {
    match refusal {
        VerifyRefusal::NotAllowed { attempts_left } => Error::new(
            Status::NotAllowed,
            "this code was sent to another number (or with another sms_id); nothing was sent",
        )
        .with_attempts_left(attempts_left),
        VerifyRefusal::Expired => Error::new(
            Status::OtpExpired,
            "this code was used already or is past its lifetime; send a new one",
        )
        .with_attempts_left(0),
        VerifyRefusal::TooManyAttempts => Error::new(
            Status::TooManyAttempts,
            "this code took its allowed wrong attempts; send a new one",
        )
        .with_attempts_left(0),
        VerifyRefusal::RateLimited {
            retry_after_s,
            attempts_left,
        } => Error::new(
            Status::RateLimited,
            format!(
                "too many wrong codes for this number in the last hour: try again in {retry_after_s} s; nothing was sent"
            ),
        )
        .with_retry_after(retry_after_s)
        .with_attempts_left(attempts_left),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Status;

    #[test]
    fn url_passwords_as_written_and_decoded() {
        let found = |url: &str| -> Vec<String> {
            url_password(url).iter().map(|s| s.to_string()).collect()
        };
        assert_eq!(found("http://u:p%40ss@h:3128"), ["p%40ss", "p@ss"]);
        assert_eq!(
            found("redis://:s3cret@127.0.0.1:6379/0"),
            ["s3cret", "s3cret"]
        );
        assert!(found("http://h:3128").is_empty());
        assert!(found("http://user@h").is_empty());
    }

    #[test]
    fn endpoints() {
        for ok in [
            DEFAULT_ENDPOINT,
            "https://127.0.0.1:8443/2FA/request.php",
            "http://127.0.0.1:8080/2FA/request.php",
            "http://127.1.2.3/x",
            "http://localhost:1/",
            "http://[::1]:8080/2FA/request.php",
            "HTTPS://gateway.example/2FA/request.php",
            "https://127.0.0.1:65535/x",
            "https://127.0.0.1:1/x",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "www.isms.com.my/2FA/request.php",
            "http://www.isms.com.my/2FA/request.php",
            "http://10.0.0.1/x",
            "http://localhost.evil.com/x",
            "ftp://127.0.0.1/x",
            "https://user:pw@host/x",
            "https://host/x?un=a",
            "https://host/x#f",
            "https:///x",
            "https://127.0.0.1:99999/x",
            "https://127.0.0.1:0/x",
            "https://127.0.0.1:65536/x",
            "http://[::1]:70000/x",
        ] {
            let err = Endpoint::parse(bad).unwrap_err();
            assert_eq!(err.status(), Status::InvalidArgument, "{bad}");
            assert!(err.message().starts_with("endpoint:"));
        }
    }

    #[test]
    fn settings_are_checked() {
        let client = Client::new("user", "secret-pw").unwrap();
        assert!(client.set_timeout(Duration::ZERO).is_err());
        assert!(client.set_timeout(Duration::from_millis(1)).is_ok());
        assert!(client.set_timeout(MAX_TIMEOUT).is_ok());
        for too_long in [MAX_TIMEOUT + Duration::from_millis(1), Duration::MAX] {
            let err = client.set_timeout(too_long).unwrap_err();
            assert!(err.message().starts_with("timeout:"), "{}", err.message());
        }
        let err = client
            .set_ca_file(Some(Path::new("/nonexistent/ca.pem")))
            .unwrap_err();
        assert!(err
            .message()
            .starts_with("ca_file: cannot read /nonexistent/ca.pem"));
        let not_pem = std::env::temp_dir().join(format!("isms-not-pem-{}", std::process::id()));
        std::fs::write(&not_pem, "hello").unwrap();
        let err = client.set_ca_file(Some(&not_pem)).unwrap_err();
        assert!(
            err.message()
                .contains("no PEM certificate could be read from"),
            "{}",
            err.message()
        );
        std::fs::remove_file(&not_pem).unwrap();
        assert!(client.set_ca_file(None).is_ok());
        assert!(Client::new("", "x").is_err());
        assert!(Client::new("x", "").is_err());
        let shown = format!("{client:?}");
        assert!(!shown.contains("secret-pw"), "{shown}");
        assert!(
            shown.contains(r#"proxy: "from the environment""#),
            "{shown}"
        );
        client
            .set_proxy(Some("http://proxy-user:proxy-pw@127.0.0.1:3128"))
            .unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains(r#"proxy: "set""#), "{shown}");
        assert!(
            !shown.contains("proxy-pw") && !shown.contains("proxy-user"),
            "{shown}"
        );
    }
}
