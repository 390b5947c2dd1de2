//! `libisms.so`: the C ABI of the `isms` crate (`src/ffi/` there), as a
//! shared library with the SONAME, the export list and `-z nodelete` that
//! `build.rs` sets. Nothing else lives here.

pub use isms_core::ffi::*;
