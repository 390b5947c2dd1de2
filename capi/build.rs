//! Linux (glibc and musl): sets the shared library's SONAME to
//! `libisms.so.<ABI major>`, and marks the library never-unloaded
//! (`-z nodelete`): PHP's FFI and Python's ctypes may dlclose it while a
//! resolver thread or a thread-local destructor of ours is still pending,
//! which would jump into unmapped code. With glibc, a version script also
//! binds the exports to the `LIBISMS_1` version node and keeps everything
//! else local.
//!
//! musl: no version script of ours. rustc's own (anonymous) version script
//! already limits the exports to the `isms_*` C API, and GNU ld, the musl
//! build's linker, refuses a second, named one next to it (rust-lld, the
//! glibc build's linker, merges them); musl's loader ignores symbol
//! versions anyway.
//!
//! Windows (windows-gnu, mingw-w64): nothing beyond Rust's defaults. The dll
//! exports only the `#[no_mangle]` functions (the `isms_*` C API), and the
//! link writes the import library `libisms.dll.a` beside `isms.dll`.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libisms.so.{major}");
        if target_env != "musl" {
            let script = format!(
                "{}/libisms.map",
                std::env::var("CARGO_MANIFEST_DIR").unwrap()
            );
            println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={script}");
        }
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
        println!("cargo:rerun-if-changed=libisms.map");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
