#!/usr/bin/env bash
# The Compound validation runs of docs/validation.md: compound-dai-2020 (HISTORY.md §2), its
# counterfactual with a tighter anchor and sensitivity variants over seeds 1..SEEDS,
# summarised as percentiles of the DAI liquidated (summary.json's liquidated_debt, the
# figure the documented 85.2 M DAI is about). Rewrites the table between the
# `reproduce-compound:` markers of docs/validation.md (progress on stderr). Mirrors
# .ci/reproduce-lending.sh.
# Usage: .ci/reproduce-compound.sh [SEEDS] [JOBS]     (make reproduce SEEDS=100 JOBS=2)
# Each variant is one `cascade sweep` (docs/sweeps.md): its points.csv gives the
# percentiles (nearest rank, exact), its runs.csv the per-seed figures.
set -euo pipefail
source "$(dirname "$0")/reproduce-common.sh"
reproduce_begin reproduce-compound "$@"

# The documented outcome: 85.2M DAI liquidated (H, Compound governance). The band is
# 80–90M DAI: ±5M, about the spread between the sources' own totals for DAI (the
# governance post's 85.2M; 89M and 103M in the press count other assets as well).
low=80000000
high=90000000

# name | world | overrides (space-separated --set values, no spaces inside one)
flat='protocol.market.assets[3].shocks[0].change="0%" protocol.market.assets[3].shocks[1].change="0%"'
variants=(
  "as documented|compound-dai-2020|"
  "anchor ±10% (counterfactual)|compound-dai-2020-tolerance|"
  "anchor ±5%|compound-dai-2020-tolerance|protocol.lending.anchor_tolerance=\"5%\""
  "Uniswap DAI stays at \$1|compound-dai-2020|$flat"
  "Uniswap DAI stays at \$1, anchor ±10%|compound-dai-2020-tolerance|$flat"
  "DAI at \$1.30 for 30 min, not 60|compound-dai-2020|protocol.market.assets[2].shocks[1].at=\"120m\" protocol.market.assets[3].shocks[1].at=\"120m\""
  "farmer-3's line at \$1.28, not \$1.20|compound-dai-2020|protocol.lending.accounts[0].support_amount=39680000"
  "farmers ×2 (200)|compound-dai-2020|protocol.lending.borrowers[0].count=200"
  "farmers' health 1.02–1.2|compound-dai-2020|protocol.lending.borrowers[0].health_max=1.2"
  "ETH borrowers ×2 (2,000)|compound-dai-2020|protocol.lending.borrowers[1].count=2000"
  "liquidators' DAI ×0.1 (5M each)|compound-dai-2020|protocol.lending.keepers.capital.DAI=5000000"
)


{
echo "| variant | overrides | DAI liquidated p50 (M DAI) | 5–95% (M DAI) | seeds in 80–90 M | refused reports p50 | liquidation calls p50 | bad debt p50 (DAI) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sweep_variant "$index" "$name" "$world" "$overrides"
  millions() { awk '{ printf "%.2f", $1 / 1e6 }'; }
  p5=$(column liquidated_debt_p5 "$points" | millions)
  p50=$(column liquidated_debt_p50 "$points" | millions)
  p95=$(column liquidated_debt_p95 "$points" | millions)
  inside=$(column liquidated_debt "$runs" |
    awk -v low="$low" -v high="$high" '$1 >= low && $1 <= high { n++ } END { print n + 0 }')
  refused=$(column refused_price_reports_p50 "$points")
  calls=$(column liquidations_p50 "$points")
  bad=$(column bad_debt_p50 "$points" | awk '{ printf "%.0f", $1 }')
  shown=$(overrides_shown "$overrides")
  echo "| $name ($world) | $shown | $p50 | $p5 – $p95 | $inside / $seeds | $refused | $calls | $bad |"
done
} >"$table"
splice_table
