//! Transport failures as statuses. ureq's own texts are never passed on:
//! some print the whole URL, password included.

use std::io;
use std::time::Duration;

use crate::error::Error;
use crate::status::Status;

pub(super) struct Failure {
    pub error: Error,
    /// The kind of failure that may pass (DNS, refused, lost connection);
    /// whether it happened before the request was written is checked apart.
    pub retryable: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            error,
            retryable: false,
        }
    }
}

pub(super) fn timeout_error(timeout: Duration) -> Error {
    Error::new(
        Status::Timeout,
        format!("no complete reply within {} ms", timeout.as_millis()),
    )
}

/// Maps a ureq error to a status and a message. ureq's own texts are never
/// passed on: some print the whole URL, password included.
pub(super) fn classify(error: ureq::Error, timeout: Duration) -> Failure {
    let connect = |message: String, retryable: bool| Failure {
        error: Error::new(Status::Connect, message),
        retryable,
    };
    let tls = |message: String| Failure::from(Error::new(Status::Tls, message));
    match error {
        ureq::Error::Timeout(_) => timeout_error(timeout).into(),
        ureq::Error::HostNotFound => {
            connect("the gateway's host name could not be resolved".into(), true)
        }
        ureq::Error::ConnectionFailed => connect("could not connect to the gateway".into(), true),
        ureq::Error::Io(e) => classify_io(e, timeout),
        ureq::Error::Rustls(e) => tls(format!("TLS failed: {e}")),
        ureq::Error::Tls(what) => tls(format!("TLS failed: {what}")),
        ureq::Error::Pem(_) => tls("TLS failed: a certificate could not be read".into()),
        ureq::Error::TlsRequired => tls("TLS is required".into()),
        ureq::Error::ConnectProxyFailed(_) => connect(
            "the proxy refused to open a tunnel to the gateway".into(),
            false,
        ),
        ureq::Error::InvalidProxyUrl => connect("the proxy URL is not valid".into(), false),
        ureq::Error::BodyExceedsLimit(_) | ureq::Error::LargeResponseHeader(..) => Error::new(
            Status::BadResponse,
            "the gateway's reply is larger than allowed",
        )
        .into(),
        ureq::Error::Protocol(_) | ureq::Error::BodyStalled => {
            Error::new(Status::BadResponse, "the gateway's reply is not valid HTTP").into()
        }
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            Error::new(Status::InvalidArgument, "endpoint: not a usable URL").into()
        }
        _ => connect("the request to the gateway failed".into(), false),
    }
}

fn classify_io(e: io::Error, timeout: Duration) -> Failure {
    use io::ErrorKind::*;
    if let Some(tls_error) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return Error::new(Status::Tls, format!("TLS failed: {tls_error}")).into();
    }
    let kind = e.kind();
    let (message, retryable) = match kind {
        TimedOut | WouldBlock => return timeout_error(timeout).into(),
        ConnectionRefused => ("connection refused", true),
        ConnectionReset | ConnectionAborted | UnexpectedEof | BrokenPipe => {
            ("the connection was lost", true)
        }
        NotConnected | AddrNotAvailable | NetworkUnreachable | HostUnreachable => {
            ("the gateway could not be reached", true)
        }
        _ => ("the connection failed", false),
    };
    Failure {
        error: Error::new(Status::Connect, format!("{message}: {e}")),
        retryable,
    }
}
