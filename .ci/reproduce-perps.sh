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
seeds=${1:-100}
jobs=${2:-2}
cascade=${CASCADE:-.build/release/cascade}
work=$(mktemp -d "${TMPDIR:-/tmp}/cascade-validation-perps.XXXXXX")
trap 'rm -rf "$work"' EXIT

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

# The values of column NAME of a sweep's CSV file (no field of these sweeps holds a comma).
column() { awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } { print $c }' "$2"; }
millions() { awk '{ printf "%.2f", $1 / 1e6 }'; }

page=${PAGE:-docs/validation.md}
table="$work/table.md"
{
echo "| variant | overrides | liquidated p50 (M USDC) | 5–95% | fund paid p50 (M USDC) | 5–95% | seeds in both bands | backstopped p50 (M USDC) | open deficit at end p50 (M USDC) | ADL fills p50 |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sets=()
  for value in $overrides; do sets+=(--set "$value"); done
  echo "validation (perps): $name ($seeds seeds)" >&2
  "$cascade" sweep "$world" "${sets[@]}" --seeds "1..$seeds" --jobs "$jobs" \
    --out "$work/$index" >/dev/null
  points="$work/$index/points.csv"
  runs="$work/$index/runs.csv"
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
  shown=${overrides:+\`${overrides// /\` \`}\`}
  echo "| $name | ${shown:-—} | $liquidated | $liquidated_range | $paid | $paid_range | $inside / $seeds | $backstopped | $open | $adl |"
done
} >"$table"
# Splice the table between the markers, keeping the page's prose.
awk -v table="$table" '
  /<!-- reproduce-perps:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- reproduce-perps:end -->/ { skip = 0 }
  !skip { print }' "$page" >"$work/page.md"
grep -q 'reproduce-perps:begin' "$work/page.md" || { echo "reproduce-perps: no markers in $page" >&2; exit 1; }
mv "$work/page.md" "$page"
echo "reproduce-perps: wrote $page ($seeds seeds)" >&2
