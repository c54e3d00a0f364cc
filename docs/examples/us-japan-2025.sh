#!/usr/bin/env bash
# Rebuilds docs/examples/us-japan-2025.pledge byte for byte from the facts of the source
# article (US–Japan framework signed in Tokyo on 2025-10-28).
#
#   docs/examples/us-japan-2025.sh [OUT]
#
# OUT defaults to docs/examples/us-japan-2025.pledge and must not exist yet. The pledge binary
# is $PLEDGE if set, else `pledge` on PATH, e.g.:
#   PLEDGE=target/release/pledge docs/examples/us-japan-2025.sh /tmp/us-japan.pledge
set -euo pipefail

out=${1:-"$(dirname "$0")/us-japan-2025.pledge"}
pledge() { "${PLEDGE:-pledge}" --file "$out" "$@"; }
day=2025-10-28
goal="Japanese investment in the US"

pledge init --origin pledge.example/us-japan-2025

pledge goal "$goal" --target "550bn USD" --beneficiary "United States" --date $day \
  --memo "US-Japan framework signed at Akasaka Palace, Tokyo: Japan to invest USD 550 billion in the US"

# USD 490 billion announced as committed that evening by Commerce Secretary Howard Lutnick.
pledge add 100bn USD --from Japan --to "United States" --goal "$goal" --date $day \
  --project "Westinghouse AP1000 nuclear" --sector "nuclear energy" --tag framework-2025 \
  --memo "Westinghouse nuclear project (AP1000 reactors)"
pledge add 100bn USD --from Japan --to "United States" --goal "$goal" --date $day \
  --project "GE Vernova nuclear" --sector "nuclear energy" --tag framework-2025 \
  --memo "GE Vernova nuclear project"
pledge add 290bn USD --from Japan --to "United States" --goal "$goal" --date $day \
  --tag framework-2025 \
  --memo "The other commitments announced that evening, as one entry"

# Financial support for selected critical-mineral projects within six months; no amount was
# stated, so the commitment is counted as one programme.
pledge commodity programme --decimals 0
pledge add 1 programme --from "United States and Japan" --to "Critical-mineral projects" \
  --date $day --due 2026-04-28 --sector "critical minerals" --tag framework-2025 \
  --memo "Financial support for selected critical-mineral projects; amount not stated"

# 250 cherry trees and fireworks to Washington in 2026, for the 250th anniversary of the US.
pledge commodity trees --decimals 0
pledge add 250 trees --from Japan --to "United States" --date $day --due 2026-12-31 \
  --sector "gifts" --memo "Cherry trees for Washington, for the 250th anniversary of the United States"
pledge commodity fireworks --decimals 0
pledge add 1 fireworks --from Japan --to "United States" --date $day --due 2026-12-31 \
  --sector "gifts" --memo "Fireworks for Washington in 2026; quantity not stated, counted as one gift"

pledge note --date $day "Source: Cryptopolitan, 'US secures \$490 billion from Japan, inches toward goal of \$550 billion'"
