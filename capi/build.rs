//! Sets the shared library's SONAME to `libisms.so.<ABI major>`, limits the
//! exported symbols to the `isms_*` C API, and marks the library
//! never-unloaded (`-z nodelete`): PHP's FFI and Python's ctypes may dlclose
//! it while a resolver thread or a thread-local destructor of ours is still
//! pending, which would jump into unmapped code.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libisms.so.{major}");
        let script = format!(
            "{}/libisms.map",
            std::env::var("CARGO_MANIFEST_DIR").unwrap()
        );
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={script}");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
        println!("cargo:rerun-if-changed=libisms.map");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
