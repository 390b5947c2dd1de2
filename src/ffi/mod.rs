//! The C ABI: one file per C type. Nothing here parses a reply or checks a
//! phone number; it converts pointers to Rust values, calls the core, and
//! converts the outcome back into structs the caller frees.
//!
//! Every exported function stands behind [`macros::ffi_panic_boundary`].

mod balance_result;
mod client;
mod log;
mod macros;
mod send_result;
mod status;
mod verify_result;

pub use balance_result::*;
pub use client::*;
pub use log::*;
pub use send_result::*;
pub use status::*;
pub use verify_result::*;

use std::ffi::{c_char, CStr, CString};

use crate::error::Error;
use crate::status::Status;

/// A required string argument: NULL, empty or not UTF-8 is refused, and the
/// message names the argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn required_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    match optional_str(ptr, name)? {
        None => Err(Error::invalid(format!("{name}: must not be NULL"))),
        Some("") => Err(Error::invalid(format!("{name}: must not be empty"))),
        Some(s) => Ok(s),
    }
}

/// An optional string argument: NULL is `None`; not UTF-8 is refused.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn optional_str<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let c_str = unsafe { CStr::from_ptr(ptr) };
    c_str
        .to_str()
        .map(Some)
        .map_err(|_| Error::invalid(format!("{name}: not valid UTF-8")))
}

/// A new C string owned by the library (interior NULs, which C cannot
/// represent, are dropped). Freed with [`free_c_string`].
pub(crate) fn c_string(s: &str) -> *const c_char {
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != 0).collect();
    CString::new(bytes).map_or(std::ptr::null(), |c| c.into_raw().cast_const())
}

/// [`c_string`], or NULL for `None`.
pub(crate) fn optional_c_string(s: Option<&str>) -> *const c_char {
    s.map_or(std::ptr::null(), c_string)
}

/// Frees a string made by [`c_string`]; NULL is a no-op. With `secret`, the
/// bytes are zeroed first.
///
/// # Safety
/// `ptr` is NULL or came from [`c_string`] and is freed once.
pub(crate) unsafe fn free_c_string(ptr: *const c_char, secret: bool) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: made by CString::into_raw in c_string, freed exactly once.
    let owned = unsafe { CString::from_raw(ptr.cast_mut()) };
    if secret {
        zeroize::Zeroize::zeroize(&mut owned.into_bytes_with_nul());
    }
}

/// The part every result shares: status, HTTP status and message (NULL on
/// success).
pub(crate) struct Head {
    pub status: IsmsStatus,
    pub http_status: i32,
    pub message: *const c_char,
}

impl Head {
    pub(crate) fn ok(http_status: u16) -> Head {
        Head {
            status: IsmsStatus::ISMS_OK,
            http_status: i32::from(http_status),
            message: std::ptr::null(),
        }
    }

    pub(crate) fn error(e: &Error) -> Head {
        Head {
            status: e.status().into(),
            http_status: i32::from(e.http_status()),
            message: c_string(e.message()),
        }
    }
}

/// The error a result carries when `function` panicked (a bug).
pub(crate) fn panic_error(function: &str) -> Error {
    crate::log::log(crate::log::LogLevel::Error, || {
        format!("internal error: a panic was caught in {function}")
    });
    Error::new(
        Status::Internal,
        format!("internal error: a panic was caught in {function}"),
    )
}

/// Puts a result struct on the heap for C.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes a result struct back from C; `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or came from [`into_raw`] with the same `T`, and is taken once.
pub(crate) unsafe fn from_raw<T>(ptr: *mut T) -> Option<Box<T>> {
    // SAFETY: per this function's contract.
    (!ptr.is_null()).then(|| unsafe { Box::from_raw(ptr) })
}
