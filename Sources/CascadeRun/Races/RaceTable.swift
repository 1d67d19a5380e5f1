import CascadeAgents
import CascadeChain
import CascadeCore

/// `races.csv`, the race notes of `events.jsonl`, and the race figures of `summary.json`,
/// written from a `RaceLedger` (docs/races.md, docs/outputs.md).
package enum RaceTable {
    /// The columns of `races.csv`, in INTERFACE.md's order.
    package static let columns = [
        "position", "protocol", "unsafe_block", "liquidatable_block", "first_attempt_block",
        "liquidated_block", "attempts", "keepers", "winner", "winning_gas_price_wei",
        "failed_attempts", "failed_fees_wei", "outcome", "debt", "proceeds", "shortfall",
        "incentive",
    ]

    /// One row: blocks empty where the event never happened, DAI amounts as exact decimals
    /// (RAD divided by 10^45), wei as integers.
    package static func row(_ race: Race) -> [OutputValue] {
        [
            .text(race.position), .text(race.protocolName),
            .optional(race.unsafeBlock, OutputValue.unsigned),
            .optional(race.liquidatableBlock, OutputValue.unsigned),
            .optional(race.firstAttemptBlock, OutputValue.unsigned),
            .optional(race.liquidatedBlock, OutputValue.unsigned),
            .integer(race.attempts), .integer(race.keepers.count),
            .optional(race.winner) { .text($0.description) },
            .optional(race.winningGasPrice) { .decimal($0, scale: 0) },
            .integer(race.failedAttempts), .decimal(race.failedFees, scale: 0),
            .text(race.outcome.rawValue), dai(race.debt), dai(race.proceeds),
            .optional(race.shortfall, dai), dai(race.incentive),
        ]
    }

    /// A RAD amount in DAI, exactly.
    package static func dai(_ rad: UInt256) -> OutputValue {
        .decimal(DecimalText(rad, scale: 45))
    }

    /// Writes `races.csv` into `folder` (whole or not at all, at the folder's commit).
    package static func write(_ races: [Race], to folder: RunFolder) throws(OutputError) {
        let writer = try folder.csv(named: "races.csv", header: columns)
        for race in races {
            try writer.writeRow(row(race))
        }
    }

    /// The race figures of `summary.json`, in this order: `races`, `liquidations`,
    /// `auctions`, `zero_bid_auctions`, `bad_debt`, `bad_debt_unit`,
    /// `liquidation_delay_blocks`, `liquidation_delay_seconds`, `oracle_lag_seconds`,
    /// `failed_tx_fees`, `failed_tx_fees_unit`, `keeper_incentives`. Percentiles are
    /// nearest-rank; seconds are exact decimals of the simulated milliseconds. Failed fees are
    /// in the chain's gas token, `nativeUnit` (a lending world's `gas_asset`; ETH otherwise).
    package static func summary(
        races: [Race], totals: RaceLedger.Totals, nativeUnit: String = "ETH"
    ) -> JSONObject {
        var object = JSONObject()
        object.append("races", .integer(races.count))
        object.append("liquidations", .integer(totals.liquidations))
        object.append("auctions", .integer(totals.auctions))
        object.append("zero_bid_auctions", .integer(totals.zeroBidAuctions))
        let badDebt = races.filter { $0.outcome == .badDebt }
            .reduce(UInt256.zero) { $0 + ($1.shortfall ?? .zero) }
        object.append("bad_debt", OutputJSON(dai(badDebt)))
        object.append("bad_debt_unit", .string(totals.badDebtUnit))
        let delays = Percentiles(races.compactMap(\.delayBlocks))
        object.append(
            "liquidation_delay_blocks",
            .object(delays.jsonObject(percents: [50, 90, 99]) { .integer(Int($0)) }))
        let delaySeconds = Percentiles(races.compactMap(\.delayMs))
        object.append(
            "liquidation_delay_seconds",
            .object(delaySeconds.jsonObject(percents: [50, 90, 99], value: seconds)))
        let lags = Percentiles(races.compactMap(\.oracleLagMs))
        object.append(
            "oracle_lag_seconds", .object(lags.jsonObject(percents: [50, 90], value: seconds)))
        object.append("failed_tx_fees", .decimal(totals.failedTransactionFees, scale: 18))
        object.append("failed_tx_fees_unit", .string(nativeUnit))
        object.append("keeper_incentives", OutputJSON(dai(totals.keeperIncentives)))
        return object
    }

    static func seconds(_ milliseconds: Int64) -> OutputJSON {
        .decimal(DecimalText(signed: Int128(milliseconds), scale: 3))
    }

    /// The trace line of one race note (`race_open`, `race_attempt`, ...): `block`,
    /// `time_ms`, `type`, then the note's fields; prices and wei as JSON strings of
    /// base-unit digits, absent values as `null`.
    package static func traceLine(_ note: RaceLedger.Note) -> JSONObject {
        var line = JSONObject()
        line.append("block", .integer(Int(note.block)))
        line.append("time_ms", .integer(Int(note.timeMs)))
        line.append("type", .string(note.kind.rawValue))
        for (name, value) in note.traceFields {
            guard let value else {
                line.append(name, .null)
                continue
            }
            let isBaseUnits = name.hasSuffix("_wei") || name.hasSuffix("_price")
            line.append(name, isBaseUnits ? .baseUnits(text: value) : .string(value))
        }
        return line
    }
}
