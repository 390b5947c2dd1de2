//! # libisms
//!
//! SMS one-time passwords (2FA) through the iSMS gateway (iSMS, Malaysia),
//! for Rust and, through a C ABI, for C/C++, Python (ctypes) and PHP (FFI).
//!
//! Three calls: [`Client::send_otp`] asks the gateway to generate a 6-digit
//! code and text it to a phone; [`Client::verify_otp`] checks the code the
//! user typed against it; [`Client::balance`] reads the account's credit.
//! Every argument is normalized and checked before a byte goes to the
//! network, every reply is classified into one [`Status`], and the password
//! never appears in an error, a log line or `Debug` output.
//!
//! ```no_run
//! use isms::{Client, MessageType, SendOtp, VerifyOtp};
//!
//! let client = Client::new("api-user", "api-password")?;
//! let sent = client.send_otp(&SendOtp {
//!     mobile: "012-345 6789",
//!     country_code: "60",
//!     message: "Your login code is %OTP%",
//!     message_type: MessageType::Auto,
//!     sender_id: None,
//! })?;
//! // Keep sent.uuid, sent.sms_id (and sent.code) on the server, then:
//! client.verify_otp(&VerifyOtp {
//!     mobile: "012-345 6789",
//!     country_code: "60",
//!     code: "123456", // what the user typed
//!     sms_id: &sent.sms_id,
//!     uuid: &sent.uuid,
//!     interval_minutes: 5,
//!     sender_id: None,
//! })?;
//! # Ok::<(), isms::Error>(())
//! ```
//!
//! The C API, its ownership rules and its thread-safety are described at the
//! top of `include/isms.h` (generated from `cbindgen.toml` and `src/ffi/`).
//!
//! ## Modules
//! - `client`: the [`Client`], its settings and the three calls.
//! - `request`: input normalization and validation, query building (pure).
//! - `response`: reply parsing and classification (pure).
//! - `proxy`: which proxy a request uses (pure).
//! - `transport`: the shared connection pools, deadline, retry rule.
//! - `error`: [`Status`] and [`Error`].
//! - `ffi`: the C ABI, and nothing else.

#[cfg(not(test))]
mod alloc;
mod client;
mod error;
pub mod ffi;
mod fork;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod guard;
mod log;
mod proxy;
mod request;
mod response;
mod status;
mod transport;
mod url;

pub use client::{Client, DEFAULT_ENDPOINT, DEFAULT_TIMEOUT, MAX_TIMEOUT};
pub use error::{Error, ReplyIds};
pub use guard::GuardLimit;
pub use log::{set_log_hook, LogHook, LogLevel};
pub use request::{MessageType, SendOtp, VerifyOtp, MAX_MESSAGE_CHARS};
pub use response::{Balance, Sent, Verified};
pub use status::Status;
pub use transport::{MAX_REPLY_BYTES, MAX_REQUEST_BYTES, MAX_RETRIES};

#[cfg(test)]
mod zeroize_tests;

/// Every block zeroed before it is freed (see `alloc.rs`); the unit tests
/// use their own scanning allocator instead.
#[cfg(not(test))]
#[global_allocator]
static ALLOCATOR: alloc::ZeroingAllocator = alloc::ZeroingAllocator;
