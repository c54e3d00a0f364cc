#!/usr/bin/env bash
# The link-time proof that no panic path is left in what the firmware uses: with the
# no-panic-check feature, the panic handler calls a symbol defined nowhere, so the link fails if
# anything that can panic survives optimisation. Checked for append + iterate + report, then with
# the Merkle root, the corrections and settled pledges leaving memory, on the Cortex-M4, the
# Cortex-M0 and RISC-V. (With Ed25519 verification it does not
# link: the panic paths left are inside ed25519-compact, listed in docs/EMBEDDED.md.)
#   bash tests/firmware/no-panic.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

for target in thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imac-unknown-none-elf; do
  for features in no-panic-check merkle,no-panic-check corrections,merkle,no-panic-check \
    corrections,merkle,settle,no-panic-check; do
    if ! log=$(CARGO_TARGET_DIR="$here/target/no-panic" cargo build --quiet --release \
      --target "$target" --no-default-features --features "$features" 2>&1); then
      echo "$log" | grep -E "undefined symbol|referenced by" | head -20 >&2
      echo "no-panic: $target --features $features has a panic path (or failed to build)" >&2
      exit 1
    fi
    echo "no-panic: $target --features $features links: no panic path"
  done
done
