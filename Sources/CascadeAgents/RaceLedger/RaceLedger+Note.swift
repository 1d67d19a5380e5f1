import CascadeChain
import CascadeContracts
import CascadeCore

extension RaceLedger {
    /// Something that happened to a race in one block, for the trace (`events.jsonl`,
    /// types `race_open`, `race_unsafe`, `race_liquidatable`, `race_attempt`,
    /// `race_settle`) and for `cascade races --position`.
    ///
    /// Every note carries the race's market and oracle prices at the block, so a race's
    /// timeline can be read from the trace alone.
    public struct Note: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable {
            case open = "race_open"
            case unsafe = "race_unsafe"
            case liquidatable = "race_liquidatable"
            case attempt = "race_attempt"
            case settle = "race_settle"
        }

        /// One transaction naming the race's vault or auction.
        public struct Attempt: Hashable, Sendable {
            public let keeper: Address
            public let hash: TransactionHash
            /// The call's name: `bite`, `bark`, `tend`, `dent`, `deal`, `tick`, `take`, `redo`.
            public let action: String
            public let auction: MakerSystem.AuctionID?
            public let bid: GasBid
            public let effectiveGasPrice: Wei
            public let fee: Wei
            public let succeeded: Bool
            public let revertReason: String?
        }

        public let kind: Kind
        public let block: UInt64
        public let timeMs: Int64
        public let position: String
        /// The market price of the vault's collateral (WAD), when the caller gave one.
        public let marketPrice: UInt256?
        /// The price the Vat last took from the OSM (`feedPrice`, WAD), nil before a poke.
        public let oraclePrice: UInt256?
        /// For `.attempt`.
        public let attempt: Attempt?
        /// For `.settle`.
        public let outcome: Race.Outcome?

        /// The trace's fields after `block`, `time_ms` and `type`: values as text, base
        /// units as digits (the writer decides which are strings).
        public var traceFields: [(name: String, value: String?)] {
            var fields: [(name: String, value: String?)] = [
                ("position", position),
                ("market_price", marketPrice?.description),
                ("oracle_price", oraclePrice?.description),
            ]
            if let attempt {
                fields.append(("keeper", attempt.keeper.description))
                fields.append(("hash", attempt.hash.description))
                fields.append(("action", attempt.action))
                fields.append(("auction", attempt.auction?.description))
                switch attempt.bid {
                case .eip1559(let maxFee, let priorityFee):
                    fields.append(("max_fee_wei", maxFee.description))
                    fields.append(("priority_fee_wei", priorityFee.description))
                case .legacy(let gasPrice):
                    fields.append(("gas_price_wei", gasPrice.description))
                }
                fields.append(("effective_gas_price_wei", attempt.effectiveGasPrice.description))
                fields.append(("fee_wei", attempt.fee.description))
                fields.append(("status", attempt.succeeded ? "success" : "reverted"))
                fields.append(("revert_reason", attempt.revertReason))
            }
            if let outcome {
                fields.append(("outcome", outcome.rawValue))
            }
            return fields
        }
    }
}
