//! The panic boundary every exported function stands behind.

/// Runs `$body`; if it panics, returns `$fallback` instead of unwinding into C.
///
/// The panic's text still goes to the panic hook (stderr by default); no
/// message the library builds contains the password.
macro_rules! ffi_panic_boundary {
    ($fallback:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(_) => $fallback,
        }
    };
}

pub(crate) use ffi_panic_boundary;
