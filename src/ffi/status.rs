//! `IsmsMessageType`, and the static strings (`IsmsStatus` is generated
//! in `status.rs` from the one status table).

use std::ffi::c_char;

use super::macros::ffi_panic_boundary;
pub use crate::guard::IsmsGuardLimit;
pub use crate::status::IsmsStatus;
use crate::status::Status;

/// Message types for `isms_send_otp`'s `type` argument (passed as `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsmsMessageType {
    /// ASCII when every character is ASCII, else Unicode.
    ISMS_TYPE_AUTO = 0,
    /// Gateway type 1: ASCII only (about 153 characters per credit).
    ISMS_TYPE_ASCII = 1,
    /// Gateway type 2: Unicode (about 63 characters per credit).
    ISMS_TYPE_UNICODE = 2,
}

/// The C name of a status, e.g. `"ISMS_ERR_AUTH"`; `"ISMS_UNKNOWN"` for any
/// other value. Static: never free it.
#[no_mangle]
pub extern "C" fn isms_status_name(status: i32) -> *const c_char {
    ffi_panic_boundary!(c"ISMS_UNKNOWN".as_ptr(), {
        Status::from_code(status)
            .map_or(c"ISMS_UNKNOWN", Status::c_name)
            .as_ptr()
    })
}

/// The library's version, e.g. `"1.1.0"`. Static: never free it.
#[no_mangle]
pub extern "C" fn isms_version() -> *const c_char {
    ffi_panic_boundary!(c"".as_ptr(), {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn c_enum_matches_core_values() {
        for status in Status::ALL {
            // SAFETY: static NUL-terminated strings.
            let name = unsafe { CStr::from_ptr(isms_status_name(status as i32)) };
            assert_eq!(
                name.to_str().unwrap(),
                format!("{:?}", IsmsStatus::from(status))
            );
        }
        for other in [-1, Status::COUNT as i32, i32::MAX, i32::MIN] {
            // SAFETY: static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(isms_status_name(other)) };
            assert_eq!(name.to_str().unwrap(), "ISMS_UNKNOWN");
        }
    }

    #[test]
    fn panics_become_the_fallback() {
        let value: i32 = ffi_panic_boundary!(-1, {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            1
        });
        assert_eq!(value, -1);
    }
}
