#!/usr/bin/env bash
# The Mango Markets validation runs of docs/validation.md: mango-2022, its sensitivity
# variants (venue depth, pump budget, pool size, book recovery, pump speed) and its
# counterfactual over seeds 1..SEEDS, summarised as percentiles of `drained` (HISTORY.md §4:
# $114–117M borrowed and withdrawn). Rewrites the table between the `reproduce-mango:`
# markers of docs/validation.md (progress on stderr).
# Usage: .ci/reproduce-mango.sh [SEEDS] [JOBS]   (make reproduce runs it after the others)
# Each variant is one `cascade sweep` (docs/sweeps.md): its points.csv gives the
# percentiles (nearest rank, exact), its runs.csv the per-seed figures.
set -euo pipefail
source "$(dirname "$0")/reproduce-common.sh"
reproduce_begin reproduce-mango "$@"

# The documented band: $114–117M (HISTORY.md §4, M).
drained_low=114000000
drained_high=117000000

# Overrides of every spot venue's key at once, and of every venue's budget.
spot() { echo "protocol.perps.markets[0].spot_venues[0].$1=$2 protocol.perps.markets[0].spot_venues[1].$1=$2 protocol.perps.markets[0].spot_venues[2].$1=$2"; }
budgets() { echo "protocol.perps.attacker.pump.budgets[0]=$1 protocol.perps.attacker.pump.budgets[1]=$2 protocol.perps.attacker.pump.budgets[2]=$3"; }

# name | world | overrides (space-separated --set values, no spaces inside one)
variants=(
  "as documented (\$25k within 2% a venue)|mango-2022|"
  "venue depth ×0.5 (\$12.5k)|mango-2022|$(spot depth 12500)"
  "venue depth ×0.25 (\$6.25k)|mango-2022|$(spot depth 6250)"
  "venue depth ×2 (\$50k)|mango-2022|$(spot depth 50000)"
  "pump budget ×2 (\$8.1M)|mango-2022|$(budgets 2880000 2000000 3200000)"
  "pump budget ×0.5 (\$2.0M)|mango-2022|$(budgets 720000 500000 800000)"
  "pump over 1 minute|mango-2022|protocol.perps.attacker.pump.duration=\"1m\""
  "books recover in 5 min (half-life)|mango-2022|$(spot recovery_half_life '"5m"')"
  "pool \$200M|mango-2022|protocol.perps.depositors.capital=200000000"
  "pool \$60M, depth ×0.25|mango-2022|protocol.perps.depositors.capital=60000000 $(spot depth 6250)"
  "pool \$200M, depth ×0.25|mango-2022|protocol.perps.depositors.capital=200000000 $(spot depth 6250)"
  "no unrealised profit for withdrawals (mango-2022-no-upnl-borrow)|mango-2022-no-upnl-borrow|"
  "no unrealised profit, depth ×0.25|mango-2022-no-upnl-borrow|$(spot depth 6250)"
)

millions() { awk '{ printf "%.2f", $1 / 1e6 }'; }
cents() { awk '{ printf "%.3f", $1 }'; }

{
echo "| variant | drained p50 (M USD) | 5–95% | seeds in band | withdrawn p50 (M USD) | mark high p50 (\$) | 5–95% | withdrawals p50 | last withdrawal p50 (s) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sweep_variant "$index" "$name" "$world" "$overrides"
  drained=$(column drained_p50 "$points" | millions)
  drained_range="$(column drained_p5 "$points" | millions) – $(column drained_p95 "$points" | millions)"
  inside=$(column drained "$runs" |
    awk -v a="$drained_low" -v b="$drained_high" '$1 >= a && $1 <= b { n++ } END { print n + 0 }')
  withdrawn=$(column attack_withdrawn_p50 "$points" | millions)
  mark=$(column attack_mark_max_p50 "$points" | cents)
  mark_range="$(column attack_mark_max_p5 "$points" | cents) – $(column attack_mark_max_p95 "$points" | cents)"
  borrows=$(column attack_borrows_p50 "$points")
  last=$(column attack_last_borrow_s_p50 "$points")
  echo "| $name | $drained | $drained_range | $inside / $seeds | $withdrawn | $mark | $mark_range | $borrows | ${last:-—} |"
done
} >"$table"
splice_table
