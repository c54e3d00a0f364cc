#!/usr/bin/env bash
# Runs the firmware on an emulated Cortex-M4 (mps2-an386), Cortex-M0 (microbit) and RISC-V
# (virt, riscv32imac) and checks
# what it leaves behind: the flash dump must audit clean with the Merkle root the desktop
# `pledge` computes for the same records and with the test key trusted, and hold the CLI's
# frames byte for byte.
# Needs qemu-system-arm, qemu-system-riscv32 (Debian's qemu-system-misc) and the three targets
# (.ci/run installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# The example ledger and its checkpoint signed by the test key (docs/FORMAT.md): what the
# firmware is given to record, and what its dump must hold.
input="$top/tests/golden/us-japan-2025-signed.pledge"
trusted="pledge.example/test-key+c473978b+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c"

cargo build --quiet --manifest-path "$top/Cargo.toml" -p ledger-cli
pledge="$top/target/debug/pledge"
root=$("$pledge" --file "$input" head | awk '/^root/ { print $2 }')

run() {
  local name=$1 target=$2 qemu=$3
  # From the firmware directory, so its .cargo/config.toml (the link script flag) applies.
  (cd "$here" && cargo build --quiet --release --target "$target")
  local dir
  dir=$(mktemp -d)
  echo "--- firmware on $name ($qemu)"
  # timeout: QEMU never exits if the firmware never reaches semihosting's exit.
  cp "$input" "$dir/firmware-input.pledge"
  # shellcheck disable=SC2086 # $qemu is the emulator and its machine options, split on purpose
  (cd "$dir" && timeout 120 $qemu -nographic -semihosting-config enable=on,target=native \
    -kernel "$here/target/$target/release/pledge-firmware")
  "$pledge" audit "$dir/firmware-dump.pledge" --expect-root "$root" --trust "$trusted" > /dev/null
  python3 - "$dir/firmware-dump.pledge" "$input" <<'PY'
import sys
def frames(path):
    data = open(path, "rb").read()
    return data[:16], [f for f in data[16:].split(b"\x00") if f and set(f) != {0xFF}]
dump, cli = frames(sys.argv[1]), frames(sys.argv[2])
assert dump == cli, "the device's records differ from the CLI's"
print(f"device dump: {len(dump[1])} records, byte-identical to the CLI's; audit clean, checkpoint signed by the trusted key")
PY
  rm -rf "$dir"
}

run "Cortex-M4" thumbv7em-none-eabihf "qemu-system-arm -machine mps2-an386 -cpu cortex-m4"
run "Cortex-M0" thumbv6m-none-eabi "qemu-system-arm -machine microbit -cpu cortex-m0"
# -bios none: no OpenSBI; the hart starts at 0x80000000, where memory-riscv.x puts the code.
run "RISC-V (riscv32imac)" riscv32imac-unknown-none-elf "qemu-system-riscv32 -machine virt -bios none"

# The device builder's example (examples/kiosk.rs) on a board of its own: QEMU's lm3s6965evb
# (Cortex-M3). It builds its entries from text, records 100 gifts through a fold that holds 4
# pledges (settled ones leave memory) and past the end of its first region (sealed, the ledger
# goes on in the second), reboots twice, and prints the goal report and its Merkle root; its
# dump (both regions) must audit clean, give the same report, and have the root it printed.
echo "--- example firmware on the lm3s6965evb (Cortex-M3)"
(cd "$here" && cargo build --quiet --release --example kiosk --target thumbv7m-none-eabi)
dir=$(mktemp -d)
out=$(cd "$dir" && timeout 120 qemu-system-arm -machine lm3s6965evb -cpu cortex-m3 -nographic \
  -semihosting-config enable=on,target=native \
  -kernel "$here/target/thumbv7m-none-eabi/release/examples/kiosk")
echo "$out"
if ! grep -q '^kiosk: region full; sealed, the ledger goes on at ' <<< "$out"; then
  echo "run.sh: the example did not continue into its second region" >&2
  exit 1
fi
printed=$(sed -n 's/^kiosk: .* Merkle root \([0-9a-f]*\)$/\1/p' <<< "$out")
"$pledge" audit "$dir/kiosk-dump.pledge" > /dev/null
desktop=$("$pledge" --file "$dir/kiosk-dump.pledge" head 2> /dev/null | awk '/^root/ { print $2 }')
if [ -z "$printed" ] || [ "$printed" != "$desktop" ]; then
  echo "run.sh: the example printed root '$printed', the desktop computes '$desktop'" >&2
  exit 1
fi
# Committed, fulfilled and the number of pledges, as `pledge report --format csv` gives them.
committed=$("$pledge" --file "$dir/kiosk-dump.pledge" report --format csv 2> /dev/null | awk -F, 'NR == 2 { print $4 " " $6 " " $10 }')
device=$(sed -n 's/^kiosk: .*: committed \([0-9,.]*\) USD of .*, fulfilled \([0-9,.]*\) USD, \([0-9]*\) pledges$/\1 \2 \3/p' <<< "$out" | tail -n 1 | tr -d ,)
if [ -z "$committed" ] || [ "$device" != "$committed" ]; then
  echo "run.sh: the example reports '$device' (committed, fulfilled, pledges), the desktop '$committed'" >&2
  exit 1
fi
echo "example dump: audit clean, Merkle root, committed, fulfilled and pledges as the desktop computes them"
rm -rf "$dir"
