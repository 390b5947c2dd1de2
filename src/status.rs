//! The one table of outcome statuses.
//!
//! Each row gives a status once: its numeric value (part of the C ABI, never
//! changed), its Rust name, its C name and its description. From that row
//! the macro generates the Rust [`Status`], [`Status::ALL`],
//! [`Status::from_code`], the C names, and the C enum `IsmsStatus` with its
//! conversions. cbindgen reads the macro's expansion (`[parse.expand]` in
//! `cbindgen.toml`), so the header's `IsmsStatus` comes from the same row.
//! The bindings' tables are checked against the header by their own tests.

use std::ffi::CStr;
use std::fmt;

/// The C name of a row as a `&'static CStr`, checked at compile time.
macro_rules! c_name_of {
    ($c_name:ident) => {
        match CStr::from_bytes_with_nul(concat!(stringify!($c_name), "\0").as_bytes()) {
            Ok(name) => name,
            Err(_) => panic!("a C name holds a NUL"),
        }
    };
}

macro_rules! status_table {
    ($(
        $(#[doc = $doc:literal])+
        $value:literal => $variant:ident, $c_name:ident;
    )+) => {
        /// Why a call did not succeed, or `Ok` when it did.
        ///
        /// The numeric values are part of the C ABI and never change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Status {
            $( $(#[doc = $doc])+ $variant = $value, )+
        }

        impl Status {
            /// How many statuses there are.
            pub const COUNT: usize = 0 $( + { let _ = $value; 1 } )+;

            /// Every status, in numeric order.
            pub const ALL: [Status; Status::COUNT] = [$( Status::$variant ),+];

            /// The status with this numeric value, if there is one.
            pub fn from_code(code: i32) -> Option<Status> {
                match code {
                    $( $value => Some(Status::$variant), )+
                    _ => None,
                }
            }

            /// The C name as a NUL-terminated string, for `isms_status_name`.
            pub fn c_name(self) -> &'static CStr {
                match self {
                    $( Status::$variant => const { c_name_of!($c_name) }, )+
                }
            }
        }

        /// The outcome of a call. `ISMS_OK` is 0; the values never change.
        #[repr(C)]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum IsmsStatus {
            $( $(#[doc = $doc])+ $c_name = $value, )+
        }

        impl From<Status> for IsmsStatus {
            fn from(status: Status) -> IsmsStatus {
                match status {
                    $( Status::$variant => IsmsStatus::$c_name, )+
                }
            }
        }

        impl From<IsmsStatus> for Status {
            fn from(status: IsmsStatus) -> Status {
                match status {
                    $( IsmsStatus::$c_name => Status::$variant, )+
                }
            }
        }
    };
}

status_table! {
    /// The call succeeded.
    0 => Ok, ISMS_OK;
    /// Refused before any byte went to the network.
    1 => InvalidArgument, ISMS_ERR_INVALID_ARGUMENT;
    /// Gateway: authentication failed (JSON or classic -1001).
    2 => Auth, ISMS_ERR_AUTH;
    /// Gateway: out of credit (classic -1004 or JSON message).
    3 => InsufficientCredit, ISMS_ERR_INSUFFICIENT_CREDIT;
    /// Verify: the code does not match.
    4 => OtpIncorrect, ISMS_ERR_OTP_INCORRECT;
    /// Verify: the code is past its interval.
    5 => OtpExpired, ISMS_ERR_OTP_EXPIRED;
    /// The gateway said Failed for any other reason; message says why.
    6 => Rejected, ISMS_ERR_REJECTED;
    /// No complete reply within the client's timeout.
    7 => Timeout, ISMS_ERR_TIMEOUT;
    /// DNS, refused, reset, proxy failure.
    8 => Connect, ISMS_ERR_CONNECT;
    /// Handshake or certificate verification failed.
    9 => Tls, ISMS_ERR_TLS;
    /// A non-2xx reply (redirects are never followed); http_status says which.
    10 => HttpStatus, ISMS_ERR_HTTP_STATUS;
    /// A reply that is not the documented JSON, too large, or missing fields.
    11 => BadResponse, ISMS_ERR_BAD_RESPONSE;
    /// A bug: a panic caught at the boundary.
    12 => Internal, ISMS_ERR_INTERNAL;
    /// A guard limit refused the call; nothing was sent; retry_after_s says when.
    13 => RateLimited, ISMS_ERR_RATE_LIMITED;
    /// Verify: this code took its allowed wrong attempts; send a new one.
    14 => TooManyAttempts, ISMS_ERR_TOO_MANY_ATTEMPTS;
    /// Policy refused it: country not allowed, or a verify for another number
    /// (or sms_id) than the code was sent with; nothing was sent.
    15 => NotAllowed, ISMS_ERR_NOT_ALLOWED;
    /// The guard's store could not be read or written; nothing was sent.
    16 => GuardStore, ISMS_ERR_GUARD_STORE;
}

impl Status {
    /// The C name, e.g. `"ISMS_ERR_AUTH"`.
    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("ISMS_UNKNOWN")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_in_order() {
        for (i, status) in Status::ALL.iter().enumerate() {
            assert_eq!(*status as i32, i as i32);
            assert_eq!(Status::from_code(i as i32), Some(*status));
            assert!(status.name().starts_with("ISMS_"));
            let c = IsmsStatus::from(*status);
            assert_eq!(c as i32, i as i32);
            assert_eq!(Status::from(c), *status);
            assert_eq!(format!("{c:?}"), status.name());
        }
        assert_eq!(Status::from_code(-1), None);
        assert_eq!(Status::from_code(Status::COUNT as i32), None);
        assert_eq!(Status::Auth.to_string(), "ISMS_ERR_AUTH");
    }
}
