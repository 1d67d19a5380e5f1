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
seeds=${1:-100}
jobs=${2:-2}
cascade=${CASCADE:-.build/release/cascade}
work=$(mktemp -d "${TMPDIR:-/tmp}/cascade-compound-validation.XXXXXX")
trap 'rm -rf "$work"' EXIT

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

# The values of column NAME of a sweep's CSV file (no field of these sweeps holds a comma).
column() { awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } { print $c }' "$2"; }

page=${PAGE:-docs/validation.md}
table="$work/table.md"
{
echo "| variant | overrides | DAI liquidated p50 (M DAI) | 5–95% (M DAI) | seeds in 80–90 M | refused reports p50 | liquidation calls p50 | bad debt p50 (DAI) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sets=()
  for value in $overrides; do sets+=(--set "$value"); done
  echo "validation (compound): $name ($seeds seeds)" >&2
  "$cascade" sweep "$world" "${sets[@]}" --seeds "1..$seeds" --jobs "$jobs" \
    --out "$work/$index" >/dev/null
  points="$work/$index/points.csv"
  runs="$work/$index/runs.csv"
  millions() { awk '{ printf "%.2f", $1 / 1e6 }'; }
  p5=$(column liquidated_debt_p5 "$points" | millions)
  p50=$(column liquidated_debt_p50 "$points" | millions)
  p95=$(column liquidated_debt_p95 "$points" | millions)
  inside=$(column liquidated_debt "$runs" |
    awk -v low="$low" -v high="$high" '$1 >= low && $1 <= high { n++ } END { print n + 0 }')
  refused=$(column refused_price_reports_p50 "$points")
  calls=$(column liquidations_p50 "$points")
  bad=$(column bad_debt_p50 "$points" | awk '{ printf "%.0f", $1 }')
  shown=${overrides:+\`${overrides// /\` \`}\`}
  echo "| $name ($world) | ${shown:-—} | $p50 | $p5 – $p95 | $inside / $seeds | $refused | $calls | $bad |"
done
} >"$table"
# Splice the table between the markers, keeping the page's prose.
awk -v table="$table" '
  /<!-- reproduce-compound:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- reproduce-compound:end -->/ { skip = 0 }
  !skip { print }' "$page" >"$work/page.md"
grep -q 'reproduce-compound:begin' "$work/page.md" || { echo "reproduce-compound: no markers in $page" >&2; exit 1; }
mv "$work/page.md" "$page"
echo "reproduce-compound: wrote $page ($seeds seeds)" >&2
