import CascadeAgents
import CascadeContracts
import CascadeCore

/// `auctions.csv`: one row per auction a run started, from the race ledger's races
/// (docs/outputs.md). A race can hold several auctions — a vault too large for one lot is
/// cut into several, as Black Thursday's 50-ETH Flipper lots — so this is the file for
/// per-auction questions: who won each, at what price against the market, with what
/// shortfall.
package enum AuctionTable {
    /// The columns, in order.
    package static let columns = [
        "auction", "ilk", "asset", "kind", "position", "kick_block", "end_block", "due", "tab",
        "lot", "sold", "raised", "shortfall", "incentive", "winner", "clearing_price",
        "market_price", "zero_bid", "outcome",
    ]

    /// What became of an auction (the `outcome` column).
    static func outcome(_ auction: Race.Auction) -> String {
        guard auction.ended else { return "open" }
        if auction.yanked { return "yanked" }
        return auction.shortfall.isZero ? "covered" : "bad_debt"
    }

    /// One row. `ilk` and `asset` name the auction's collateral type and its market asset.
    static func row(_ auction: Race.Auction, race: Race, ilk: String, asset: String)
        -> [OutputValue]
    {
        [
            .unsigned(auction.id.rawValue), .text(ilk), .text(asset),
            .text(auction.kind.rawValue), .text(race.position), .unsigned(auction.kickBlock),
            .optional(auction.endBlock, OutputValue.unsigned), RaceTable.dai(auction.due),
            RaceTable.dai(auction.tab), scaled(auction.lot, 18), scaled(auction.sold, 18),
            RaceTable.dai(auction.raised),
            auction.ended ? RaceTable.dai(auction.shortfall) : .absent,
            RaceTable.dai(auction.incentive),
            .optional(auction.winner) { .text($0.description) },
            .optional(auction.clearingPrice) { scaled($0, 27) },
            .optional(auction.endMarketPrice) { scaled($0, 18) },
            .boolean(auction.isZeroBid), .text(outcome(auction)),
        ]
    }

    /// Writes `auctions.csv` into `folder`, rows by auction id. `names(ilk)` gives the
    /// ilk's name and its market asset.
    package static func write(
        _ races: [Race], to folder: RunFolder,
        names: (MakerSystem.IlkID) -> (ilk: String, asset: String)
    ) throws(OutputError) {
        var rows: [(id: UInt64, values: [OutputValue])] = []
        for race in races {
            let (ilk, asset) = names(race.vault.ilk)
            for auction in race.auctions {
                rows.append((auction.id.rawValue, row(auction, race: race, ilk: ilk, asset: asset)))
            }
        }
        rows.sort { $0.id < $1.id }
        let writer = try folder.csv(named: "auctions.csv", header: columns)
        for row in rows {
            try writer.writeRow(row.values)
        }
    }

    /// `value / 10^scale`, exactly.
    static func scaled(_ value: UInt256, _ scale: Int) -> OutputValue {
        .decimal(DecimalText(value, scale: scale))
    }
}
