//! The agent's connector chain: ureq's own steps, the TLS step made to keep
//! its configuration per agent, and the write tracker on top that tells the
//! retry rule whether any byte of the request left.

use std::cell::Cell;

use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, SocksConnector,
    TcpConnector, Transport,
};
use ureq::Agent;

use super::pool::TransportKey;
use super::resolve::CachingResolver;
use super::tls::{client_config, TlsConnector, INPUT_BUFFER_BYTES, OUTPUT_BUFFER_BYTES};
use super::{MAX_IDLE, MAX_IDLE_AGE, MAX_IDLE_PER_HOST};
use crate::error::Error;
use crate::log::{self, LogLevel};
use crate::status::Status;

pub(super) fn build_agent(key: &TransportKey) -> Result<Agent, Error> {
    let tls = TlsConnector {
        config: client_config(key.extra_roots.as_ref().map_or(&[], |r| &r.anchors)),
    };
    let proxy = match &key.proxy {
        None => None,
        Some(url) => Some(ureq::Proxy::new(url).map_err(|_| {
            // The URL may carry credentials: never echo it.
            Error::new(Status::Connect, "the proxy URL is not valid")
        })?),
    };
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(proxy)
        .input_buffer_size(INPUT_BUFFER_BYTES)
        .output_buffer_size(OUTPUT_BUFFER_BYTES)
        .max_idle_connections(MAX_IDLE)
        .max_idle_connections_per_host(MAX_IDLE_PER_HOST)
        .max_idle_age(MAX_IDLE_AGE)
        .user_agent(concat!("libisms/", env!("CARGO_PKG_VERSION")))
        .accept("application/json, text/plain;q=0.5, */*;q=0.1")
        .build();
    // ureq's default chain, with our TLS step (tls.rs) and the write tracker
    // on top.
    let connector =
        ().chain(SocksConnector::default())
            .chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(tls)
            .chain(WriteTracker {
                agent_has_proxy: key.proxy.is_some(),
            });
    Ok(Agent::with_parts(config, connector, CachingResolver))
}

/// Which connection a call used, as its log line tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionUse {
    new: bool,
    written: bool,
}

impl ConnectionUse {
    fn with_new(self) -> ConnectionUse {
        ConnectionUse { new: true, ..self }
    }

    fn with_written(self) -> ConnectionUse {
        ConnectionUse {
            written: true,
            ..self
        }
    }

    /// `new`, `reused`, or `none` when no request was written.
    pub fn name(self) -> &'static str {
        match (self.new, self.written) {
            (true, _) => "new",
            (false, true) => "reused",
            (false, false) => "none",
        }
    }
}

/// What the calling thread's current call did with connections, since the
/// last report; resets it.
pub fn connection_report() -> ConnectionUse {
    CALL_CONNECTION.with(|c| c.replace(ConnectionUse::default()))
}

thread_local! {
    /// The current call's connection use (see [`connection_report`]).
    static CALL_CONNECTION: Cell<ConnectionUse> = const {
        Cell::new(ConnectionUse {
            new: false,
            written: false,
        })
    };
    /// Whether the current attempt handed any request byte to a connection.
    pub(super) static REQUEST_WRITTEN: Cell<bool> = const { Cell::new(false) };
}

/// Outermost connector: wraps every connection so writes of the HTTP request
/// are seen (TLS and proxy handshakes happen below it).
#[derive(Debug)]
struct WriteTracker {
    agent_has_proxy: bool,
}

impl<In: Transport> Connector<In> for WriteTracker {
    type Out = TrackedTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<TrackedTransport>, ureq::Error> {
        // A CONNECT proxy opens its own connection to the proxy through the
        // whole chain, with the proxy taken out of the configuration; what is
        // written there (CONNECT, then the TLS handshake) is not the request.
        let tracked = !(self.agent_has_proxy && details.config.proxy().is_none());
        if tracked && chained.is_some() {
            CALL_CONNECTION.with(|c| c.set(c.get().with_new()));
            // The endpoint's host and port only: an endpoint never holds
            // credentials, and the proxy's URL is never shown.
            log::log(LogLevel::Debug, || {
                format!(
                    "new connection to {}{}",
                    details.uri.authority().map_or("?", |a| a.as_str()),
                    if self.agent_has_proxy {
                        " through a proxy"
                    } else {
                        ""
                    }
                )
            });
        }
        Ok(chained.map(|transport| TrackedTransport {
            inner: Box::new(transport),
            tracked,
        }))
    }
}

#[derive(Debug)]
struct TrackedTransport {
    inner: Box<dyn Transport>,
    tracked: bool,
}

impl Transport for TrackedTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.tracked {
            REQUEST_WRITTEN.with(|written| written.set(true));
            CALL_CONNECTION.with(|c| c.set(c.get().with_written()));
        }
        let sent = self.inner.transmit_output(amount, timeout);
        // What was written holds the password (the request line) or proxy
        // credentials (CONNECT): wipe it now rather than leave it in a
        // kept-alive connection's buffer until the next request.
        let output = self.inner.buffers().output();
        let written = amount.min(output.len());
        zeroize::Zeroize::zeroize(&mut output[..written]);
        sent
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
