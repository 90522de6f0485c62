use std::env;
use std::fs;

fn main() {
    // Migrations are embedded in the binary: a new or changed one must trigger a rebuild.
    println!("cargo:rerun-if-changed=migrations");
    packed_relocations();
}

/// Where glibc's shared library lives on the common distributions.
const LIBC: [&str; 4] = [
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/aarch64-linux-gnu/libc.so.6",
    "/usr/lib64/libc.so.6",
    "/lib64/libc.so.6",
];

/// Links the server with its relative relocations packed (`DT_RELR`) where the C library can
/// load such a binary (glibc 2.36 and later, which defines `GLIBC_ABI_DT_RELR`). The binary is
/// position-independent, so the loader fixes up about 110,000 pointers at start; as a table of
/// 24-byte entries that took 2.6 MB, all of it read at start and resident for good, and as a
/// bitmap it takes 35 KB (bench/RESULTS.md, memory). Elsewhere nothing changes.
fn packed_relocations() {
    let target = env::var("TARGET").unwrap_or_default();
    // The C library looked at is the build machine's, so only for a native build.
    if !target.ends_with("-linux-gnu") || env::var("HOST").ok() != Some(target) {
        return;
    }
    let loads_relr = LIBC.iter().any(|path| {
        fs::read(path).is_ok_and(|bytes| {
            bytes
                .windows(b"GLIBC_ABI_DT_RELR".len())
                .any(|w| w == b"GLIBC_ABI_DT_RELR")
        })
    });
    if loads_relr {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
