#!/usr/bin/env bash
# The validation runs of docs/validation.md: each historical world and each sensitivity
# variant over seeds 1..SEEDS, summarised as percentiles of the figures the documented
# band is about. Rewrites the table between the `reproduce:` markers of
# docs/validation.md (progress on stderr).
# Usage: .ci/reproduce.sh [SEEDS] [JOBS]     (make reproduce SEEDS=100 JOBS=2)
# Each variant is one `cascade sweep` (docs/sweeps.md): its points.csv gives the
# percentiles (nearest rank, exact), its runs.csv the per-seed deficits.
set -euo pipefail
source "$(dirname "$0")/reproduce-common.sh"
reproduce_begin reproduce "$@"

# name | world | overrides (space-separated --set values, no spaces inside one)
variants=(
  "as documented|black-thursday-2020|"
  "keepers' DAI ×0.5|black-thursday-2020|protocol.keepers[0].dai_capital=150000"
  "keepers' DAI ×3|black-thursday-2020|protocol.keepers[0].dai_capital=900000"
  "keepers' DAI ×10|black-thursday-2020|protocol.keepers[0].dai_capital=3000000"
  "no AMM recycling|black-thursday-2020|protocol.keepers[0].sell_on_amm=false"
  "AMM pool ×3 (30,000 ETH)|black-thursday-2020|protocol.collaterals[0].pool_collateral=30000"
  "vaults 155–450%|black-thursday-2020|protocol.borrowers.ratio_max=\"450%\""
  "vaults 155–450%, DAI ×3|black-thursday-2020|protocol.borrowers.ratio_max=\"450%\" protocol.keepers[0].dai_capital=900000"
  "10 bidders|black-thursday-2020|protocol.keepers[0].count=10"
  "no opportunist|black-thursday-2020|protocol.keepers[1].count=0"
  "emergency spell|black-thursday-2020-spell|"
  "Clipper (Liquidations 2.0)|black-thursday-2020-clipper|"
)


{
echo "| variant | overrides | deficit p50 (M DAI) | 5–95% (M DAI) | seeds in 4–5.7 M | still under auction p50 (M DAI) | loss at market p50 (M DAI) | zero-bid auctions p50 | auctions p50 |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sweep_variant "$index" "$name" "$world" "$overrides"
  millions() { awk '{ printf "%.2f", $1 / 1e6 }'; }
  p5=$(column bad_debt_p5 "$points" | millions)
  p50=$(column bad_debt_p50 "$points" | millions)
  p95=$(column bad_debt_p95 "$points" | millions)
  inside=$(column bad_debt "$runs" |
    awk '$1 >= 4000000 && $1 <= 5700000 { n++ } END { print n + 0 }')
  zero=$(column zero_bid_auctions_p50 "$points")
  auctions=$(column auctions_p50 "$points")
  open=$(column debt_under_auction_end_p50 "$points" | millions)
  at_market=$(column auction_loss_end_p50 "$points" | millions)
  shown=$(overrides_shown "$overrides")
  echo "| $name ($world) | $shown | $p50 | $p5 – $p95 | $inside / $seeds | $open | $at_market | $zero | $auctions |"
done
} >"$table"
splice_table
