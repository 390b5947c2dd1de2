//! Passes the library's version (the `[package]` version of the workspace's
//! root manifest, the `isms` crate) to `isms version` as `LIBISMS_VERSION`:
//! the library exposes it only through the C function `isms_version`.

use std::path::Path;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let manifest = Path::new(&dir).join("../Cargo.toml");
    println!("cargo:rerun-if-changed={}", manifest.display());
    let text = std::fs::read_to_string(&manifest)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest.display()));
    let version = package_version(&text)
        .unwrap_or_else(|| panic!("no [package] version in {}", manifest.display()));
    println!("cargo:rustc-env=LIBISMS_VERSION={version}");
}

/// The `version = "..."` line of the `[package]` table.
fn package_version(manifest: &str) -> Option<&str> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            let Some(value) = line.strip_prefix("version") else {
                continue;
            };
            let value = value.trim_start().strip_prefix('=')?.trim();
            return value.strip_prefix('"')?.strip_suffix('"');
        }
    }
    None
}
