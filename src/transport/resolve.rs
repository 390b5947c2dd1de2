//! Name resolution without a thread whenever the answer is at hand.
//!
//! ureq's default resolver starts a thread for every call once a deadline is
//! set, even for an IP literal. Here an IP literal is answered in place, and
//! a name looked up in the last [`TTL`] is answered from a process-wide
//! cache; only a real lookup runs on a thread, bounded by the call's
//! deadline (a resolver that never answers ends in a timeout). A lookup that
//! fails is reported as `HostNotFound`, whatever the system's text says.
//! The cache belongs to the process that filled it: a forked child starts
//! with an empty one.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::fork::section;

/// How long a looked-up name is trusted.
pub(super) const TTL: Duration = Duration::from_secs(60);
/// Names kept at once; the cache is emptied when it is full.
const MAX_NAMES: usize = 256;

struct Cache {
    pid: u32,
    names: HashMap<String, (Instant, ResolvedSocketAddrs)>,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

fn with_cache<T>(f: impl FnOnce(&mut HashMap<String, (Instant, ResolvedSocketAddrs)>) -> T) -> T {
    section(|| {
        let mut guard = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        let cache = guard.get_or_insert_with(|| Cache {
            pid,
            names: HashMap::new(),
        });
        if cache.pid != pid {
            cache.pid = pid;
            cache.names.clear();
        }
        f(&mut cache.names)
    })
}

#[derive(Debug)]
pub(super) struct CachingResolver;

/// The port a URI names, or its scheme's default.
fn port_of(uri: &Uri) -> Option<u16> {
    let authority = uri.authority()?;
    authority
        .port_u16()
        .or_else(|| match uri.scheme_str()?.to_ascii_lowercase().as_str() {
            "https" => Some(443),
            "http" => Some(80),
            "socks5" | "socks5h" | "socks4" | "socks4a" => Some(1080),
            _ => None,
        })
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(authority), Some(port)) = (uri.authority(), port_of(uri)) else {
            return DefaultResolver::default().resolve(uri, config, timeout);
        };
        let host = authority.host();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{}:{port}", host.to_ascii_lowercase());
        let now = Instant::now();
        let cached = with_cache(|names| match names.get(&key) {
            Some((at, addrs)) if now.duration_since(*at) < TTL => Some(addrs.clone()),
            _ => None,
        });
        if let Some(addrs) = cached {
            return Ok(addrs);
        }
        let addrs = DefaultResolver::default()
            .resolve(uri, config, timeout)
            .map_err(|e| match e {
                ureq::Error::Io(_) => ureq::Error::HostNotFound,
                other => other,
            })?;
        with_cache(|names| {
            if names.len() >= MAX_NAMES {
                names.clear();
            }
            names.insert(key, (now, addrs.clone()));
        });
        Ok(addrs)
    }
}
