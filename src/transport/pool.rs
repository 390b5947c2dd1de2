//! The process-wide agents, one per set of transport settings, and what a
//! forked child does with its parent's.

use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex, PoisonError};

use ureq::Agent;

use super::connect::build_agent;
use crate::error::Error;
use crate::fork::section;

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
