//! Settings the code takes from the target, so that no device builder has to pass a `--cfg`.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(no_long_multiply)");
    // ARMv6-M (Cortex-M0, M0+, M1) has no divide instruction and no 32 × 32 → 64-bit multiply,
    // so even `n / 10` calls compiler-builtins' division routine, 400 bytes of flash.
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv6m") {
        println!("cargo::rustc-cfg=no_long_multiply");
    }
}
