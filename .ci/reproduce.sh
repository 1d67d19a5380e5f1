#!/usr/bin/env bash
# The validation runs of docs/validation.md: each historical world and each sensitivity
# variant over seeds 1..SEEDS, summarised as percentiles of the figures the documented
# band is about. Rewrites the table between the `reproduce:` markers of
# docs/validation.md (progress on stderr).
# Usage: .ci/reproduce.sh [SEEDS] [JOBS]     (make reproduce SEEDS=100 JOBS=2)
# Until `cascade sweep` lands (issue #7) this is a plain loop over `cascade run`.
set -euo pipefail
seeds=${1:-100}
jobs=${2:-2}
cascade=${CASCADE:-.build/release/cascade}
work=$(mktemp -d "${TMPDIR:-/tmp}/cascade-validation.XXXXXX")
trap 'rm -rf "$work"' EXIT

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

# percentile P of the numbers on stdin (nearest rank on the sorted list)
percentile() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; print v[i] }'; }
field() { sed -n "s/^  \"$1\": \"*\([0-9.]*\)\"*,*$/\1/p" "$2"; }

page=${PAGE:-docs/validation.md}
table="$work/table.md"
{
echo "| variant | overrides | deficit p50 (M DAI) | 5–95% (M DAI) | seeds in 4–5.7 M | still under auction p50 (M DAI) | zero-bid auctions p50 | auctions p50 |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
index=0
for variant in "${variants[@]}"; do
  IFS='|' read -r name world overrides <<<"$variant"
  index=$((index + 1))
  sets=()
  for value in $overrides; do sets+=(--set "$value"); done
  echo "validation: $name ($seeds seeds)" >&2
  seq 1 "$seeds" | xargs -P "$jobs" -I{} "$cascade" run "$world" --seed {} "${sets[@]}" \
    --quiet --out "$work/$index/{}" 2>/dev/null
  : >"$work/$index.tsv"
  for seed in $(seq 1 "$seeds"); do
    summary="$work/$index/$seed/summary.json"
    printf '%s\t%s\t%s\t%s\n' "$(field bad_debt "$summary")" \
      "$(field zero_bid_auctions "$summary")" "$(field auctions "$summary")" \
      "$(field debt_under_auction_end "$summary")" >>"$work/$index.tsv"
  done
  millions() { awk '{ printf "%.2f", $1 / 1e6 }'; }
  p5=$(cut -f1 "$work/$index.tsv" | percentile 5 | millions)
  p50=$(cut -f1 "$work/$index.tsv" | percentile 50 | millions)
  p95=$(cut -f1 "$work/$index.tsv" | percentile 95 | millions)
  inside=$(awk '$1 >= 4000000 && $1 <= 5700000 { n++ } END { print n + 0 }' "$work/$index.tsv")
  zero=$(cut -f2 "$work/$index.tsv" | percentile 50)
  auctions=$(cut -f3 "$work/$index.tsv" | percentile 50)
  open=$(cut -f4 "$work/$index.tsv" | percentile 50 | millions)
  shown=${overrides:+\`${overrides// /\` \`}\`}
  echo "| $name ($world) | ${shown:-—} | $p50 | $p5 – $p95 | $inside / $seeds | $open | $zero | $auctions |"
done
} >"$table"
# Splice the table between the markers, keeping the page's prose.
awk -v table="$table" '
  /<!-- reproduce:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- reproduce:end -->/ { skip = 0 }
  !skip { print }' "$page" >"$work/page.md"
grep -q 'reproduce:begin' "$work/page.md" || { echo "reproduce: no markers in $page" >&2; exit 1; }
mv "$work/page.md" "$page"
echo "reproduce: wrote $page ($seeds seeds)" >&2
