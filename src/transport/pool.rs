//! The process-wide agents, one per set of transport settings, and what a
//! forked child does with its parent's.

use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::pki_types::TrustAnchor;
use ureq::Agent;

use super::connect::build_agent;
use crate::error::Error;
use crate::fork::section;

/// Trust anchors added to the bundled web PKI roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraRoots {
    /// The certificates' trust anchors, parsed once, in file order.
    pub anchors: Vec<TrustAnchor<'static>>,
}

/// What an agent is built from; equal keys share one agent.
#[derive(Clone, PartialEq, Eq)]
pub struct TransportKey {
    pub extra_roots: Option<Arc<ExtraRoots>>,
    /// May carry credentials: never shown.
    pub proxy: Option<String>,
}

impl std::fmt::Debug for TransportKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportKey")
            .field(
                "extra_roots",
                &self.extra_roots.as_ref().map(|r| r.anchors.len()),
            )
            .field("proxy", &self.proxy.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// How many live clients have each explicit proxy URL set. When the last one
/// lets go of a URL, the pools built for it are dropped, so its credentials
/// (in the key, the agent's settings and the connections' buffers) do not
/// outlive the clients that set them; the zeroing allocator wipes them.
static PROXY_USERS: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());

/// A client set `url` as its proxy.
pub fn hold_proxy(url: &str) {
    section(|| {
        let mut users = PROXY_USERS.lock().unwrap_or_else(PoisonError::into_inner);
        match users.iter_mut().find(|(u, _)| u == url) {
            Some((_, count)) => *count += 1,
            None => users.push((url.to_owned(), 1)),
        }
    });
}

/// A client dropped `url` (another proxy set, or the client freed).
pub fn release_proxy(url: &str) {
    let last = section(|| {
        let mut users = PROXY_USERS.lock().unwrap_or_else(PoisonError::into_inner);
        let index = users.iter().position(|(u, _)| u == url)?;
        users[index].1 -= 1;
        (users[index].1 == 0).then(|| users.swap_remove(index))
    });
    if last.is_some() {
        // Dropped outside the lock: closing connections writes to sockets.
        let unused: Vec<(TransportKey, Agent)> = with_pools(|pools| {
            let (unused, kept) = std::mem::take(&mut pools.agents)
                .into_iter()
                .partition(|(key, _)| key.proxy.as_deref() == Some(url));
            pools.agents = kept;
            unused
        });
        drop(unused);
    }
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
    section(|| with_pools_locked(f))
}

fn with_pools_locked<T>(f: impl FnOnce(&mut Pools) -> T) -> T {
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
