//! HTTP transport: one process-wide pool of ureq agents keyed by transport
//! settings, one GET with a whole-call deadline, the retry rule, and the
//! mapping of transport failures to [`Status`].
//!
//! * Clients with the same trust anchors and proxy share one agent, hence one
//!   pool of kept-alive connections and one TLS session cache: a program that
//!   makes a client per request (a PHP-FPM worker) still reuses warm
//!   connections.
//! * Fork: the pool remembers the pid that built it. A child that sees a new
//!   pid sets the inherited agents aside without touching them (dropping one
//!   could write a TLS close_notify on a socket the parent still uses) and
//!   builds new ones.
//! * Retries: the outermost transport marks, per thread, whether any byte of
//!   the request was handed to the connection. A failure before that point
//!   (DNS, refused, lost during connect, proxy set-up or TLS handshake) never
//!   reached the gateway and is tried again; anything later is final, since a
//!   second send is a second SMS and a second charge. Through an HTTP proxy,
//!   the CONNECT exchange and the TLS handshake inside the tunnel count as
//!   connecting; the request written into the tunnel is final.
//! * TLS: each agent caches one rustls configuration, so new connections
//!   reuse the parsed roots and resume TLS sessions.

use std::cell::Cell;
use std::io;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector,
    SocksConnector, TcpConnector, Transport,
};
use ureq::Agent;
use zeroize::Zeroizing;

use crate::error::{Error, Status};

/// Replies larger than this are refused without being read.
pub const MAX_REPLY_BYTES: u64 = 1024 * 1024;
/// Tries after the first for failures that provably never reached the gateway.
pub const MAX_RETRIES: u32 = 2;
/// Pause before the first retry; doubled for the next.
const RETRY_BACKOFF: Duration = Duration::from_millis(100);
/// Idle connections are dropped before a typical server keep-alive (Apache's
/// default is 5 s) would close them under our feet.
const MAX_IDLE_AGE: Duration = Duration::from_secs(4);
/// Many threads on one client each keep their connection.
const MAX_IDLE_PER_HOST: usize = 64;
const MAX_IDLE: usize = 128;

/// Trust anchors added to the bundled web PKI roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraRoots {
    /// DER certificates, in file order.
    pub certs: Vec<Vec<u8>>,
}

/// What an agent is built from; equal keys share one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportKey {
    pub extra_roots: Option<Arc<ExtraRoots>>,
    pub proxy: Option<String>,
}

/// Distinct transport settings kept at once; beyond that the least recently
/// used pool is dropped (its idle connections close), so a program cycling
/// through CA files or proxies does not grow without bound.
const MAX_POOLS: usize = 16;

struct Pools {
    pid: u32,
    /// Most recently used last.
    agents: Vec<(TransportKey, Agent)>,
    /// Agents inherited across fork(): kept, never dropped nor used.
    inherited: Vec<ManuallyDrop<Agent>>,
}

static POOLS: Mutex<Option<Pools>> = Mutex::new(None);

/// Runs `f` on the pools of this process, after setting aside those a
/// parent process left behind.
fn with_pools<T>(f: impl FnOnce(&mut Pools) -> T) -> T {
    let mut guard = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    let pools = guard.get_or_insert_with(|| Pools {
        pid,
        agents: Vec::new(),
        inherited: Vec::new(),
    });
    if pools.pid != pid {
        let parent_agents: Vec<Agent> = pools.agents.drain(..).map(|(_, agent)| agent).collect();
        pools
            .inherited
            .extend(parent_agents.into_iter().map(ManuallyDrop::new));
        pools.pid = pid;
    }
    f(pools)
}

/// The shared agent for these settings, built on first use. The lock is
/// never held while an agent is built, so a fork() from another thread
/// finds it free in all but a very short window.
pub fn agent_for(key: &TransportKey) -> Result<Agent, Error> {
    if let Some(agent) = with_pools(|pools| pools.get(key)) {
        return Ok(agent);
    }
    let built = build_agent(key)?;
    Ok(with_pools(|pools| match pools.get(key) {
        Some(raced) => raced,
        None => {
            if pools.agents.len() >= MAX_POOLS {
                pools.agents.remove(0);
            }
            pools.agents.push((key.clone(), built.clone()));
            built
        }
    }))
}

impl Pools {
    /// The agent for `key`, marked most recently used.
    fn get(&mut self, key: &TransportKey) -> Option<Agent> {
        let index = self.agents.iter().position(|(k, _)| k == key)?;
        let entry = self.agents.remove(index);
        let agent = entry.1.clone();
        self.agents.push(entry);
        Some(agent)
    }
}

fn build_agent(key: &TransportKey) -> Result<Agent, Error> {
    let roots = match &key.extra_roots {
        None => RootCerts::WebPki,
        Some(extra) => {
            let bundled = webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|der| Certificate::from_der(der.as_ref()).to_owned());
            let added = extra
                .certs
                .iter()
                .map(|der| Certificate::from_der(der).to_owned());
            RootCerts::from(bundled.chain(added))
        }
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
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .max_idle_connections(MAX_IDLE)
        .max_idle_connections_per_host(MAX_IDLE_PER_HOST)
        .max_idle_age(MAX_IDLE_AGE)
        .user_agent(concat!("libisms/", env!("CARGO_PKG_VERSION")))
        .accept("application/json, text/plain;q=0.5, */*;q=0.1")
        .build();
    // ureq's default chain, with the TLS step made to cache its rustls
    // configuration per agent (see AgentTls) and the write tracker on top.
    let connector =
        ().chain(SocksConnector::default())
            .chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(AgentTls(RustlsConnector::default()))
            .chain(WriteTracker {
                agent_has_proxy: key.proxy.is_some(),
            });
    Ok(Agent::with_parts(
        config,
        connector,
        DefaultResolver::default(),
    ))
}

thread_local! {
    /// Whether the current attempt handed any request byte to a connection.
    static REQUEST_WRITTEN: Cell<bool> = const { Cell::new(false) };
}

/// The TLS step, told that the agent's TLS settings are in force.
///
/// Every call sets its own deadline, which makes its configuration
/// "request level", and ureq then builds a new rustls configuration (root
/// store, session cache) for each new connection instead of caching one per
/// agent. The TLS settings are never changed per request here, so the agent's
/// cached configuration is the right one: new connections reuse the parsed
/// roots and resume TLS sessions.
#[derive(Debug)]
struct AgentTls(RustlsConnector);

impl<In: Transport> Connector<In> for AgentTls {
    type Out = <RustlsConnector as Connector<In>>::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let agent_level = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: false,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        self.0.connect(&agent_level, chained)
    }
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
        }
        self.inner.transmit_output(amount, timeout)
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

/// A reply that arrived: its HTTP status and body (zeroed when dropped, in
/// case a gateway or proxy echoed the request, password included).
pub struct Reply {
    pub http_status: u16,
    pub body: Zeroizing<String>,
}

/// One GET of `url` (which holds the password: never put it in an error),
/// retried only while the request provably never left this process.
pub fn get(agent: &Agent, url: &str, timeout: Duration) -> Result<Reply, Error> {
    let deadline = Instant::now() + timeout;
    let mut retries = 0;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(timeout_error(timeout));
        }
        REQUEST_WRITTEN.with(|written| written.set(false));
        let failure = match attempt(agent, url, remaining, timeout) {
            Ok(reply) => return Ok(reply),
            Err(failure) => failure,
        };
        let written = REQUEST_WRITTEN.with(Cell::get);
        if !failure.retryable || written || retries >= MAX_RETRIES {
            return Err(failure.error);
        }
        let pause = RETRY_BACKOFF * 2u32.pow(retries);
        if Instant::now() + pause >= deadline {
            return Err(failure.error);
        }
        std::thread::sleep(pause);
        retries += 1;
    }
}

struct Failure {
    error: Error,
    /// The kind of failure that may pass (DNS, refused, lost connection);
    /// whether it happened before the request was written is checked apart.
    retryable: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            error,
            retryable: false,
        }
    }
}

fn attempt(
    agent: &Agent,
    url: &str,
    remaining: Duration,
    timeout: Duration,
) -> Result<Reply, Failure> {
    let mut response = agent
        .get(url)
        .config()
        .timeout_global(Some(remaining))
        .build()
        .call()
        .map_err(|e| classify(e, timeout))?;
    let http_status = response.status().as_u16();
    if !(200..300).contains(&http_status) {
        let error = Error::new(
            Status::HttpStatus,
            format!("the gateway answered HTTP {http_status}"),
        );
        return Err(error.with_http_status(http_status).into());
    }
    let too_large = || {
        Error::new(
            Status::BadResponse,
            format!("the gateway's reply is larger than {MAX_REPLY_BYTES} bytes"),
        )
        .with_http_status(http_status)
    };
    let body = response.body_mut();
    if body
        .content_length()
        .is_some_and(|len| len > MAX_REPLY_BYTES)
    {
        return Err(too_large().into());
    }
    let bytes = body
        .with_config()
        .limit(MAX_REPLY_BYTES)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(),
            other => classify(other, timeout).error.with_http_status(http_status),
        })?;
    let body = String::from_utf8(bytes).map_err(|_| {
        Error::new(Status::BadResponse, "the gateway's reply is not UTF-8 text")
            .with_http_status(http_status)
    })?;
    Ok(Reply {
        http_status,
        body: Zeroizing::new(body),
    })
}

fn timeout_error(timeout: Duration) -> Error {
    Error::new(
        Status::Timeout,
        format!("no complete reply within {} ms", timeout.as_millis()),
    )
}

/// Maps a ureq error to a status and a message. ureq's own texts are never
/// passed on: some print the whole URL, password included.
fn classify(error: ureq::Error, timeout: Duration) -> Failure {
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
        _ if e.to_string().contains("lookup address") => {
            ("the gateway's host name could not be resolved", true)
        }
        _ => ("the connection failed", false),
    };
    Failure {
        error: Error::new(Status::Connect, format!("{message}: {e}")),
        retryable,
    }
}
