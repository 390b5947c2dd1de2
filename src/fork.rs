//! fork() never leaves a child blocked on a lock of the library.
//!
//! Every lock the library takes (the shared pools, the name cache, a
//! client's settings) is taken inside a [`section`]: a short stretch of code
//! that never blocks on I/O and never calls back into the application. A
//! `pthread_atfork` handler, registered on first use, waits before `fork()`
//! until no thread is inside a section and keeps new ones out until the fork
//! is done, in the parent and in the child. So the child inherits every lock
//! of the library unlocked, whatever its parent's other threads were doing.
//! (What the child then does with inherited connections is the pools'
//! business: it sets them aside and opens its own.)
//!
//! A fork from inside a section (which only a bug of ours could do) is not
//! waited for: the handler sees the calling thread inside one and lets the
//! fork go on as before.

use std::cell::{Cell, RefCell};
use std::sync::{Once, PoisonError, RwLock, RwLockWriteGuard};

/// Readers: threads inside a section. The writer: a thread about to fork.
static GATE: RwLock<()> = RwLock::new(());
static REGISTER: Once = Once::new();

thread_local! {
    /// How deep the current thread is inside sections (they may nest).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The gate, held by the forking thread from `prepare` to `parent`/`child`.
    static HELD: RefCell<Option<RwLockWriteGuard<'static, ()>>> = const { RefCell::new(None) };
}

/// Runs `f`, which may take any lock of the library, so that no `fork()`
/// happens while it runs.
pub(crate) fn section<T>(f: impl FnOnce() -> T) -> T {
    REGISTER.call_once(register);
    let outermost = DEPTH.with(|d| d.get()) == 0;
    let _gate = outermost.then(|| GATE.read().unwrap_or_else(PoisonError::into_inner));
    DEPTH.with(|d| d.set(d.get() + 1));
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(d.get() - 1));
        }
    }
    let _leave = Leave;
    f()
}

#[cfg(unix)]
fn register() {
    // SAFETY: the three handlers are plain functions that live as long as
    // the process (the library is never unloaded: -z nodelete).
    let rc = unsafe { libc::pthread_atfork(Some(prepare), Some(release), Some(release)) };
    debug_assert_eq!(rc, 0, "pthread_atfork");
}

/// Windows has no fork(): nothing to register; the sections only nest.
#[cfg(not(unix))]
fn register() {}

#[cfg_attr(not(unix), allow(dead_code))]
extern "C" fn prepare() {
    if DEPTH.with(|d| d.get()) > 0 {
        return;
    }
    let held = GATE.write().unwrap_or_else(PoisonError::into_inner);
    HELD.with(|h| *h.borrow_mut() = Some(held));
}

#[cfg_attr(not(unix), allow(dead_code))]
extern "C" fn release() {
    // In the child the guard unlocks the gate this same thread locked.
    HELD.with(|h| h.borrow_mut().take());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_nest_and_return_their_value() {
        let v = section(|| section(|| 41) + 1);
        assert_eq!(v, 42);
        assert_eq!(DEPTH.with(|d| d.get()), 0);
    }
}
