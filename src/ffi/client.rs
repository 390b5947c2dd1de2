//! `IsmsClient`: creation, settings, free.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::path::Path;
use std::time::Duration;

use super::macros::ffi_panic_boundary;
use super::{optional_str, required_str, IsmsStatus};
use crate::client::Client;
use crate::error::Error;
use crate::guard::GuardLimit;

/// A client for one iSMS account (opaque). Create with `isms_client_new`,
/// free with `isms_client_free`. One client may be used from many threads at
/// once, settings included.
pub struct IsmsClient {
    pub(crate) inner: Client,
}

/// The client behind a pointer, or the error for NULL.
///
/// # Safety
/// `client` is NULL or a live pointer from `isms_client_new`.
pub(crate) unsafe fn client_ref<'a>(client: *const IsmsClient) -> Result<&'a Client, Error> {
    // SAFETY: per this function's contract.
    unsafe { client.as_ref() }
        .map(|c| &c.inner)
        .ok_or_else(|| Error::invalid("client: must not be NULL"))
}

thread_local! {
    /// Why the last `isms_client_new` or `isms_client_set_*` call on this
    /// thread failed; `None` after a success.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn remember(outcome: &Result<(), Error>) {
    let message = outcome
        .as_ref()
        .err()
        .map(|e| CString::new(e.message().replace('\0', "")).unwrap_or_default());
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
}

fn status_of(outcome: Result<(), Error>) -> IsmsStatus {
    remember(&outcome);
    match outcome {
        Ok(()) => IsmsStatus::ISMS_OK,
        Err(e) => e.status().into(),
    }
}

/// Why the last `isms_client_new` or `isms_client_set_*` call made on this
/// thread failed, naming the argument or setting (e.g. `"ca_file: no PEM
/// certificate could be read from /etc/x.pem"`); NULL when it succeeded.
/// Owned by the library and valid until the next such call on this thread;
/// never contains the password.
#[no_mangle]
pub extern "C" fn isms_last_error_message() -> *const c_char {
    ffi_panic_boundary!(std::ptr::null(), {
        LAST_ERROR.with(|last| {
            last.borrow()
                .as_ref()
                .map_or(std::ptr::null(), |m| m.as_ptr())
        })
    })
}

/// A new client, or NULL when an argument is NULL, empty or not UTF-8.
///
/// The library keeps its own copies of both strings (the password's is
/// zeroed by `isms_client_free`); the caller's may be freed at once.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn isms_client_new(
    username: *const c_char,
    password: *const c_char,
) -> *mut IsmsClient {
    ffi_panic_boundary!(std::ptr::null_mut(), {
        let made = (|| {
            // SAFETY: the caller passes NULL or NUL-terminated strings.
            let username = unsafe { required_str(username, "username") }?;
            // SAFETY: as above.
            let password = unsafe { required_str(password, "password") }?;
            Client::new(username, password)
        })();
        match made {
            Ok(inner) => {
                remember(&Ok(()));
                super::into_raw(IsmsClient { inner })
            }
            Err(e) => {
                remember(&Err(e));
                std::ptr::null_mut()
            }
        }
    })
}

/// Frees a client and zeroes the library's copies of its credentials. NULL
/// is a no-op. The client must not be in use by another thread.
///
/// # Safety
/// `client` is NULL or came from `isms_client_new` and is freed once.
#[no_mangle]
pub unsafe extern "C" fn isms_client_free(client: *mut IsmsClient) {
    ffi_panic_boundary!((), {
        // SAFETY: per this function's contract.
        drop(unsafe { super::from_raw(client) });
    })
}

/// Sets the full endpoint URL; NULL restores
/// `https://www.isms.com.my/2FA/request.php`. `http://` is accepted only for
/// loopback hosts (127.0.0.0/8, ::1, localhost), is always reached directly
/// (never through a proxy, whatever the environment says), and is refused
/// while an explicit proxy is set. No query string; a port must be 1 to 65535.
///
/// # Safety
/// `client` is NULL or live; `url` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn isms_client_set_endpoint(
    client: *mut IsmsClient,
    url: *const c_char,
) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        status_of((|| {
            // SAFETY: the caller passes NULL or a live client.
            let c = unsafe { client_ref(client) }?;
            // SAFETY: the caller passes NULL or a NUL-terminated string.
            let url = unsafe { optional_str(url, "endpoint") }?;
            c.set_endpoint(url)
        })())
    })
}

/// Sets the whole-call deadline in milliseconds (DNS to the last byte of
/// the reply, retries included); default 30000; 0 is invalid.
///
/// # Safety
/// `client` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn isms_client_set_timeout_ms(
    client: *mut IsmsClient,
    timeout_ms: u32,
) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        // SAFETY: per this function's contract.
        status_of(
            unsafe { client_ref(client) }
                .and_then(|c| c.set_timeout(Duration::from_millis(u64::from(timeout_ms)))),
        )
    })
}

/// Adds trust anchors from a PEM bundle (e.g. a private CA) to the bundled
/// web PKI roots; NULL restores the bundled roots alone. The file is read
/// and checked now: a file with no usable certificate is refused.
///
/// # Safety
/// `client` is NULL or live; `pem_path` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn isms_client_set_ca_file(
    client: *mut IsmsClient,
    pem_path: *const c_char,
) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        status_of((|| {
            // SAFETY: the caller passes NULL or a live client.
            let c = unsafe { client_ref(client) }?;
            // SAFETY: the caller passes NULL or a NUL-terminated string.
            let path = unsafe { optional_str(pem_path, "ca_file") }?;
            c.set_ca_file(path.map(Path::new))
        })())
    })
}

/// Sets an `http://` (CONNECT) or `socks5://` proxy URL; `""` means a
/// direct connection whatever the environment says; NULL restores the
/// default, which follows HTTPS_PROXY, ALL_PROXY and NO_PROXY as curl does.
/// An explicit proxy is refused while the endpoint is `http://`: the password
/// must never cross a proxy unencrypted.
///
/// # Safety
/// `client` is NULL or live; `proxy_url` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn isms_client_set_proxy(
    client: *mut IsmsClient,
    proxy_url: *const c_char,
) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        status_of((|| {
            // SAFETY: the caller passes NULL or a live client.
            let c = unsafe { client_ref(client) }?;
            // SAFETY: the caller passes NULL or a NUL-terminated string.
            let proxy = unsafe { optional_str(proxy_url, "proxy") }?;
            c.set_proxy(proxy)
        })())
    })
}

/// Turns the guard on with a store, or off. Checked now (scheme and syntax);
/// the store itself is opened on first use, after fork() anew in the child.
///
/// - NULL or "": off (the default).
/// - "memory:": process-wide memory (shared by every client of the process).
/// - "sqlite:PATH": a SQLite file shared by the processes of one host (PHP-FPM
///   workers), created (mode 0600) when missing; PATH absolute or relative to
///   the working directory.
/// - "redis://[user:pass@]host[:port][/db]", "rediss://...": a Redis server
///   shared by many hosts; no host means 127.0.0.1:6379; the password in the
///   URL is a secret (never in a message, zeroed).
///
/// # Safety
/// `client` is NULL or live; `store_url` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn isms_client_set_guard(
    client: *mut IsmsClient,
    store_url: *const c_char,
) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        status_of((|| {
            // SAFETY: the caller passes NULL or a live client.
            let c = unsafe { client_ref(client) }?;
            // SAFETY: the caller passes NULL or a NUL-terminated string.
            let url = unsafe { optional_str(store_url, "guard") }?;
            c.set_guard(url)
        })())
    })
}

/// Sets one of the guard's limits (an `IsmsGuardLimit` value, passed as
/// `int32_t`). 0 turns that limit off, except ISMS_LIMIT_CODE_ATTEMPTS and
/// ISMS_LIMIT_CODE_LIFETIME_S (0 refused). Limits may be set before or after
/// isms_client_set_guard, and survive it.
///
/// # Safety
/// `client` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn isms_client_set_guard_limit(
    client: *mut IsmsClient,
    limit: i32,
    value: u32,
) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        status_of((|| {
            // SAFETY: the caller passes NULL or a live client.
            let c = unsafe { client_ref(client) }?;
            let limit = GuardLimit::from_code(limit).ok_or_else(|| {
                Error::invalid(format!(
                    "guard_limit: {limit} is not an IsmsGuardLimit (0 to {})",
                    GuardLimit::ALL.len() - 1
                ))
            })?;
            c.set_guard_limit(limit, value)
        })())
    })
}

/// The calling codes a send may go to: comma-separated, e.g. "60,65" or
/// "+60, 65" (spaces around items ignored, each item read by the
/// country_code input rule); NULL or "" = every country (the default). A
/// send to another country gives ISMS_ERR_NOT_ALLOWED and nothing is sent;
/// it applies whether or not the guard is on. An item that is not a calling
/// code gives ISMS_ERR_INVALID_ARGUMENT and changes nothing.
///
/// # Safety
/// `client` is NULL or live; `country_codes` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn isms_client_set_allowed_countries(
    client: *mut IsmsClient,
    country_codes: *const c_char,
) -> IsmsStatus {
    ffi_panic_boundary!(IsmsStatus::ISMS_ERR_INTERNAL, {
        status_of((|| {
            // SAFETY: the caller passes NULL or a live client.
            let c = unsafe { client_ref(client) }?;
            // SAFETY: the caller passes NULL or a NUL-terminated string.
            let list = unsafe { optional_str(country_codes, "allowed_countries") }?;
            c.set_allowed_countries(list)
        })())
    })
}
