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
//! * TLS: each agent builds one rustls configuration from pre-parsed trust
//!   anchors, so new connections reuse it and resume TLS sessions; buffers
//!   are sized for this API's small requests and replies (`tls.rs`).
//!
//! Files: `pool.rs` (the shared agents, fork-aware), `connect.rs` (the
//! connector chain and the write tracker), `resolve.rs` (name resolution),
//! `retry.rs` (one GET with its deadline and the retry rule), `classify.rs`
//! (transport failures to statuses), `tls.rs` (the TLS step and buffer sizes).

mod classify;
mod connect;
mod pool;
mod resolve;
mod retry;
mod tls;

use std::time::Duration;

use zeroize::Zeroizing;

pub use connect::connection_report;
pub use pool::{agent_for, hold_proxy, release_proxy, ExtraRoots, TransportKey};
pub use retry::get;
pub use tls::MAX_REQUEST_BYTES;

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

/// A reply that arrived: its HTTP status and body (zeroed when dropped, in
/// case a gateway or proxy echoed the request, password included).
pub struct Reply {
    pub http_status: u16,
    pub body: Zeroizing<String>,
}
