#!/usr/bin/env bash
# The cross-margin ADL validation runs of docs/validation.md: perp-adl-2025, its sensitivity
# variants and its counterfactual over seeds 1..SEEDS, summarised as percentiles of the
# figures the documented outcome is about (HISTORY.md §7: ADL fills across 162 markets, 302
# accounts ending with negative equity, −$23.2M in all). Rewrites the table between the
# `reproduce-adl:` markers of docs/validation.md (progress on stderr).
# Usage: .ci/reproduce-adl.sh [SEEDS] [JOBS]   (make reproduce runs it after the others)
# Each variant is one `cascade sweep` (docs/sweeps.md): its points.csv gives the
# percentiles (nearest rank, exact), its runs.csv the per-seed figures.
set -euo pipefail
source "$(dirname "$0")/reproduce-common.sh"
reproduce_begin reproduce-adl "$@"

# The documented band: traders' negative equity as a share of the open interest at the
# start, $23.2M / $13.8B = 0.168%, within a factor of two either way (our tolerance), and
# deleveraging in more than one market.
share_low=0.00084
share_high=0.00336

alts="3 4 5 6 7 8 9 10 11"
depth() { # every market's book depth times $1
  local out="" index=0
  for base in 500000 300000 100000 30000 30000 30000 15000 15000 15000 10000 10000 10000; do
    out="$out protocol.perps.markets[$index].venue.depth=$(awk -v b="$base" -v f="$1" 'BEGIN { print b * f }')"
    index=$((index + 1))
  done
  echo "$out"
}
fast_alts=""
for asset in $alts; do fast_alts="$fast_alts protocol.market.assets[$asset].shocks[1].over=\"20s\""; done

# name | world | overrides (space-separated --set values, no spaces inside one)
variants=(
  "as assumed|perp-adl-2025|"
  "max leverage halved (perp-adl-2025-half-leverage)|perp-adl-2025-half-leverage|"
  "insurance fund \$1M (\$100M at the venue's scale)|perp-adl-2025|protocol.perps.insurance_fund=1000000"
  "insurance fund \$10M (\$1B)|perp-adl-2025|protocol.perps.insurance_fund=10000000"
  "books ×4 deeper|perp-adl-2025|$(depth 4)"
  "books ×0.25|perp-adl-2025|$(depth 0.25)"
  "traders' leverage 2–10×|perp-adl-2025|protocol.perps.traders.leverage_max=10"
  "no correlation between the assets' noise|perp-adl-2025|protocol.market.correlation=0"
  "alts' second leg in 20 s, not 2 min|perp-adl-2025|$fast_alts"
  "ADL at the bankruptcy price (BitMEX)|perp-adl-2025|protocol.perps.deleveraging_price=\"bankruptcy\""
  "vault not deleveraged|perp-adl-2025|protocol.perps.backstop.deleverages_vault=false"
  "one market per account|perp-adl-2025|protocol.perps.traders.markets_per_account=1"
)

thousands() { awk '{ printf "%.0f", $1 / 1e3 }'; }
millions() { awk '{ printf "%.1f", $1 / 1e6 }'; }

{
echo "| variant | negative equity p50 (k USDC) | 5–95% | share of OI p50 | negative accounts p50 | 5–95% | seeds in band | ADL fills p50 | ADL markets p50 | ADL notional p50 (M USDC) | vault deficit p50 (M USDC) | fund paid p50 (M USDC) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sweep_variant "$index" "$name" "$world" "$overrides"
  negative=$(column perp_negative_equity_p50 "$points" | thousands)
  negative_range="$(column perp_negative_equity_p5 "$points" | thousands) – $(column perp_negative_equity_p95 "$points" | thousands)"
  shares="$work/$index/shares"
  paste -d, <(column perp_negative_equity "$runs") <(column perp_open_interest_start "$runs") \
    <(column perp_adl_markets "$runs") >"$shares"
  share=$(awk -F, '{ print $1 / $2 }' "$shares" | sort -g |
    awk '{ v[NR] = $1 } END { r = int((NR + 1) / 2); printf "%.3f%%", v[r] * 100 }')
  accounts=$(column perp_negative_accounts_p50 "$points")
  accounts_range="$(column perp_negative_accounts_p5 "$points") – $(column perp_negative_accounts_p95 "$points")"
  inside=$(awk -F, -v a="$share_low" -v b="$share_high" \
    '$1 / $2 >= a && $1 / $2 <= b && $3 > 1 { n++ } END { print n + 0 }' "$shares")
  fills=$(column perp_adl_fills_p50 "$points")
  markets=$(column perp_adl_markets_p50 "$points")
  notional=$(column perp_adl_notional_p50 "$points" | millions)
  vault=$(column perp_backstop_vault_deficit_p50 "$points" | millions)
  paid=$(column perp_insurance_paid_p50 "$points" | millions)
  echo "| $name | $negative | $negative_range | $share | $accounts | $accounts_range | $inside / $seeds | $fills | $markets | $notional | $vault | $paid |"
done
} >"$table"
splice_table
