//! Gives the linker the memory map of the machine being built for, and the interrupt handlers'
//! default (device.x).
fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let target = std::env::var("TARGET").unwrap_or_default();
    let map = if target.starts_with("thumbv6m") {
        "memory-m0.x"
    } else if target.starts_with("thumbv7m") {
        "memory-m3.x"
    } else if target.starts_with("riscv32") {
        "memory-riscv.x"
    } else {
        "memory-m4.x"
    };
    std::fs::copy(map, out.join("memory.x")).unwrap();
    // The Cortex-M vector table's default handlers; riscv-rt has its own.
    if !target.starts_with("riscv32") {
        std::fs::copy("device.x", out.join("device.x")).unwrap();
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-m0.x");
    println!("cargo:rerun-if-changed=memory-m3.x");
    println!("cargo:rerun-if-changed=memory-m4.x");
    println!("cargo:rerun-if-changed=memory-riscv.x");
    println!("cargo:rerun-if-changed=device.x");
}
