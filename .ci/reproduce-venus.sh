#!/usr/bin/env bash
# The Venus/LUNA validation runs of docs/validation.md: venus-luna-2022 (HISTORY.md §3),
# its sensitivity variants and its counterfactual over seeds 1..SEEDS, summarised as
# percentiles of the pool's shortfall at the end (`pool_shortfall_end`: debt left with no
# collateral plus open positions' debt beyond their collateral at the market price).
# Rewrites the table between the `reproduce-venus:` markers of docs/validation.md
# (progress on stderr). Mirrors .ci/reproduce-lending.sh.
# Usage: .ci/reproduce-venus.sh [SEEDS] [JOBS]     (make reproduce SEEDS=100 JOBS=2)
set -euo pipefail
source "$(dirname "$0")/reproduce-common.sh"
reproduce_begin reproduce-venus "$@"

# The documented outcome: an $11.2M shortfall covered by the risk fund (M); another source
# gives $13.5M (what was borrowed). The band is the two sources, in BUSD (= USD here).
low=11200000
high=13500000

# name | world | overrides (space-separated --set values, no spaces inside one)
variants=(
  "as documented|venus-luna-2022|"
  "exploiters' capital ×0.5|venus-luna-2022|protocol.lending.exploiters.capital=385000"
  "exploiters' capital ×2|venus-luna-2022|protocol.lending.exploiters.capital=1540000"
  "one exploiter with all the capital|venus-luna-2022|protocol.lending.exploiters.count=1 protocol.lending.exploiters.capital=2310000"
  "ten exploiters, same total|venus-luna-2022|protocol.lending.exploiters.count=10 protocol.lending.exploiters.capital=231000"
  "patient exploiters (edge 400%)|venus-luna-2022|protocol.lending.exploiters.min_edge=\"400%\""
  "exploiters reinvest what they borrow|venus-luna-2022|protocol.lending.exploiters.reinvest=true"
  "LUNA book ×0.25 (250k at 2%)|venus-luna-2022|protocol.lending.assets[1].venue.depth=250000"
  "LUNA book ×4 (4M at 2%)|venus-luna-2022|protocol.lending.assets[1].venue.depth=4000000"
  "no liquidators|venus-luna-2022|protocol.lending.keepers.count=0"
  "20 liquidators|venus-luna-2022|protocol.lending.keepers.count=20"
  "no exploiters|venus-luna-2022|protocol.lending.exploiters.count=0"
  "feed without a floor (counterfactual)|venus-luna-2022-no-floor|"
)


{
echo "| variant | overrides | shortfall p50 (M USD) | 5–95% (M USD) | seeds in 11.2–13.5 M | exploiters' debt p50 (M BUSD) | LUNA supplied p50 (M) | LUNA bought for p50 (M USD) | reports withheld p50 | liquidation calls p50 |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sweep_variant "$index" "$name" "$world" "$overrides"
  millions() { awk '{ if ($1 == "") printf "–"; else printf "%.2f", $1 / 1e6 }'; }
  p5=$(column pool_shortfall_end_p5 "$points" | millions)
  p50=$(column pool_shortfall_end_p50 "$points" | millions)
  p95=$(column pool_shortfall_end_p95 "$points" | millions)
  inside=$(column pool_shortfall_end "$runs" |
    awk -v low="$low" -v high="$high" '$1 >= low && $1 <= high { n++ } END { print n + 0 }')
  debt=$(column exploiter_debt_p50 "$points" | millions)
  luna=$(column exploiter_collateral_p50 "$points" | millions)
  spent=$(column exploiter_spent_p50 "$points" | millions)
  withheld=$(column oracle_reports_out_of_range_p50 "$points")
  calls=$(column liquidations_p50 "$points")
  shown=$(overrides_shown "$overrides")
  echo "| $name ($world) | $shown | $p50 | $p5 – $p95 | $inside / $seeds | $debt | $luna | $spent | ${withheld:-–} | $calls |"
done
} >"$table"
splice_table
