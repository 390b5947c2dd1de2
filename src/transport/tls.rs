//! The TLS step of the connector chain: one rustls configuration per agent,
//! built from pre-parsed trust anchors, and buffers sized for this API.
//!
//! * Trust: the bundled web PKI roots come pre-parsed (`webpki-roots`'
//!   trust anchors, copied by reference), a private CA file's certificates are
//!   parsed once when the client reads the file, and the configuration
//!   holding both is built once per agent, not per connection; its session
//!   cache lets a new connection resume an earlier TLS session.
//! * Buffers: a request is at most [`MAX_REQUEST_BYTES`] and a reply's head a
//!   few hundred bytes, so each connection gets [`INPUT_BUFFER_BYTES`] and
//!   [`OUTPUT_BUFFER_BYTES`] instead of ureq's two 128 KiB buffers, which are
//!   zero-filled for every new connection. A reply's body streams through
//!   the input buffer, so the 1 MiB reply limit is independent of it.
//! * Each handshake is logged at debug: full, or resumed.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::pki_types::{ServerName, TrustAnchor};
use rustls::{ClientConfig, ClientConnection, HandshakeKind, RootCertStore, StreamOwned};
use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::log::{self, LogLevel};

/// Room for a reply's status line and headers, read in pieces as they come.
pub(super) const INPUT_BUFFER_BYTES: usize = 16 * 1024;
/// Room for a whole request head: the request line with its query, and the
/// few headers ureq adds.
pub(super) const OUTPUT_BUFFER_BYTES: usize = 16 * 1024;
/// The longest request URL sent, leaving room in the output buffer for the
/// request line's method and version and for the headers.
pub const MAX_REQUEST_BYTES: usize = OUTPUT_BUFFER_BYTES - 1024;

/// The rustls configuration of one agent: the bundled roots and `extra`.
pub(super) fn client_config(extra: &[TrustAnchor<'static>]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    roots.roots.extend(extra.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("ring supports every protocol version rustls offers")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Wraps the chained connection in TLS when the URI is `https` and the
/// connection is not TLS already (a tunnel through a proxy is plain TCP
/// until here).
#[derive(Debug)]
pub(super) struct TlsConnector {
    pub(super) config: Arc<ClientConfig>,
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let authority = details
            .uri
            .authority()
            .ok_or(ureq::Error::Tls("the URL names no host"))?;
        let host = authority.host();
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let name = ServerName::try_from(bare)
            .map_err(|_| ureq::Error::Tls("the host is not a valid TLS server name"))?
            .to_owned();
        let mut conn = ClientConnection::new(self.config.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        // The handshake has what is left of the connection's deadline.
        sock.set_timeout(remaining(details));
        conn.complete_io(&mut sock)?;
        log::log(LogLevel::Debug, || {
            let kind = match conn.handshake_kind() {
                Some(HandshakeKind::Resumed) => "resumed session",
                Some(HandshakeKind::FullWithHelloRetryRequest) => "full handshake (retried hello)",
                _ => "full handshake",
            };
            let version = match conn.protocol_version() {
                Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
                Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
                _ => "TLS",
            };
            format!("{version} with {}: {kind}", authority.as_str())
        });
        Ok(Some(Either::B(TlsTransport {
            // The agent's sizes (INPUT/OUTPUT_BUFFER_BYTES), as the TCP layer's.
            buffers: LazyBuffers::new(
                details.config.input_buffer_size(),
                details.config.output_buffer_size(),
            ),
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// The connection's timeout less the time spent since it was set (the TCP
/// connect, a proxy's tunnel).
fn remaining(details: &ConnectionDetails) -> NextTimeout {
    let mut timeout = details.timeout;
    if let (UreqDuration::Exact(after), UreqInstant::Exact(start), UreqInstant::Exact(now)) =
        (timeout.after, details.now, (details.current_time)())
    {
        timeout.after =
            UreqDuration::Exact(after.saturating_sub(now.saturating_duration_since(start)));
    }
    timeout
}

/// A TLS connection over the chained transport.
pub(super) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}
