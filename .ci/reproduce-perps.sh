#!/usr/bin/env bash
# The perpetuals validation runs of docs/validation.md: dydx-yfi-2023, its sensitivity
# variants and its counterfactual over seeds 1..SEEDS, summarised as percentiles of the
# figures the documented outcome is about (HISTORY.md §6: about $38M liquidated, the
# insurance fund paying about $9M). Rewrites the table between the `reproduce-perps:`
# markers of docs/validation.md (progress on stderr).
# Usage: .ci/reproduce-perps.sh [SEEDS] [JOBS]   (make reproduce runs it after .ci/reproduce.sh)
# Each variant is one `cascade sweep` (docs/sweeps.md): its points.csv gives the
# percentiles (nearest rank, exact), its runs.csv the per-seed figures.
set -euo pipefail
source "$(dirname "$0")/reproduce-common.sh"
reproduce_begin reproduce-perps "$@"

# The documented band, ±25% around each reported figure (our tolerance, not a source's).
liquidated_low=28500000
liquidated_high=47500000
paid_low=6750000
paid_high=11250000

# name | world | overrides (space-separated --set values, no spaces inside one)
variants=(
  "as documented|dydx-yfi-2023|"
  "book depth ×4 (\$1M within 1%)|dydx-yfi-2023|protocol.perps.markets[0].venue.depth=1000000"
  "book depth ×0.5|dydx-yfi-2023|protocol.perps.markets[0].venue.depth=125000"
  "fill bound ×10 (spread 100% of MMF)|dydx-yfi-2023|protocol.perps.fillable_price.spread_to_maintenance_margin=\"100%\""
  "no fill bound (any book price)|dydx-yfi-2023|protocol.perps.fillable_price.spread_to_maintenance_margin=\"10000%\""
  "mark read from the book|dydx-yfi-2023|protocol.perps.oracle.mark_source=\"venue\""
  "leverage 2–5× drawn|dydx-yfi-2023|protocol.perps.traders.leverage_min=2"
  "10 liquidators|dydx-yfi-2023|protocol.perps.liquidators.count=10"
  "backstop vault below ⅔ MM|dydx-yfi-2023|protocol.perps.backstop.calls_backstop=true"
  "OI cap 1,000 YFI (dydx-yfi-2023-oi-cap)|dydx-yfi-2023-oi-cap|"
)

millions() { awk '{ printf "%.2f", $1 / 1e6 }'; }

{
echo "| variant | overrides | liquidated p50 (M USDC) | 5–95% | fund paid p50 (M USDC) | 5–95% | seeds in both bands | backstopped p50 (M USDC) | open deficit at end p50 (M USDC) | ADL fills p50 |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sweep_variant "$index" "$name" "$world" "$overrides"
  liquidated=$(column perp_liquidated_notional_p50 "$points" | millions)
  liquidated_range="$(column perp_liquidated_notional_p5 "$points" | millions) – $(column perp_liquidated_notional_p95 "$points" | millions)"
  paid=$(column perp_insurance_paid_p50 "$points" | millions)
  paid_range="$(column perp_insurance_paid_p5 "$points" | millions) – $(column perp_insurance_paid_p95 "$points" | millions)"
  inside=$(paste -d, <(column perp_liquidated_notional "$runs") <(column perp_insurance_paid "$runs") |
    awk -F, -v a="$liquidated_low" -v b="$liquidated_high" -v c="$paid_low" -v d="$paid_high" \
      '$1 >= a && $1 <= b && $2 >= c && $2 <= d { n++ } END { print n + 0 }')
  backstopped=$(column perp_backstop_notional_p50 "$points" | millions)
  open=$(column perp_open_deficit_end_p50 "$points" | millions)
  adl=$(column perp_adl_fills_p50 "$points")
  shown=$(overrides_shown "$overrides")
  echo "| $name | $shown | $liquidated | $liquidated_range | $paid | $paid_range | $inside / $seeds | $backstopped | $open | $adl |"
done
} >"$table"
splice_table
