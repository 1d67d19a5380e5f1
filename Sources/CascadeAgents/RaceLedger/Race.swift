import CascadeChain
import CascadeContracts
import CascadeCore

/// One liquidation opportunity: a Maker vault from the block it became unsafe (at the
/// market price or on chain, whichever came first) until it was liquidated and its
/// auctions ended, it became safe again, or the run ended.
///
/// A race is a small value of fixed size (its auctions and keepers are a handful each),
/// so the ledger's memory grows with the number of open races, never with the number of
/// blocks or attempts. Every amount is the contract's exact integer; the outputs divide
/// them by their scale. Definitions of every field: docs/races.md.
public struct Race: Hashable, Sendable {
    /// How a race ended (the `outcome` column).
    public enum Outcome: String, Hashable, Sendable {
        /// Every auction of the race ended and raised at least the debt it seized.
        case liquidated
        /// The vault became safe again (owner topped up or repaid, or the price came back)
        /// before anyone liquidated it.
        case recovered
        /// Still running when the run ended.
        case open
        /// Every auction ended and together they raised less than the debt they seized.
        case badDebt = "bad_debt"
    }

    /// One auction the race started (a `bite` or `bark`).
    public struct Auction: Hashable, Sendable {
        public let id: MakerSystem.AuctionID
        public let kind: MakerAuctionKind
        /// Debt seized, `dart · rate`, RAD: the Vow's new `sin`.
        public let due: UInt256
        /// DAI sought, `due · chop`, RAD.
        public let tab: UInt256
        /// Collateral put up for sale at the kick, WAD.
        public let lot: UInt256
        /// The block of the `bite`/`bark` that started it, and its time.
        public let kickBlock: UInt64
        public let kickTimeMs: Int64
        /// DAI raised so far, RAD: a Flipper's current bid, or the sum of a Clipper's `owe`.
        public internal(set) var raised: UInt256 = .zero
        /// Collateral sold so far, WAD: the sum of a Clipper's `slice`s, a Flipper's lot at
        /// `deal` (what the winner received after `dent`s gave some back).
        public internal(set) var sold: UInt256 = .zero
        /// Whether the auction is over (dealt, lot or tab exhausted, or yanked).
        public internal(set) var ended = false
        /// Whether it ended by `yank` (shutdown) rather than by a sale.
        public internal(set) var yanked = false
        /// The block it ended in, and the market price (WAD) of its collateral there.
        public internal(set) var endBlock: UInt64?
        public internal(set) var endMarketPrice: UInt256?
        /// Who bought the most of its collateral (Flipper: the `deal` winner; Clipper: the
        /// largest `take`, ties to the first).
        public internal(set) var winner: Address?
        var winnerSlice: UInt256 = .zero
        /// DAI the Vow paid keepers for it, RAD: the Clipper's `tip + chip · tab` at the
        /// `bark` and at every `redo` (`suck`ed, so new `sin`); 0 for a Flipper.
        public internal(set) var incentive: UInt256 = .zero
        /// A Flipper's high bidder and the effective gas price of its latest bid.
        var highBidGasPrice: Wei = 0

        /// Clearing price, RAY (DAI per collateral unit): `⌊raised / sold⌋` in dss units,
        /// nil when nothing was sold.
        public var clearingPrice: UInt256? {
            sold.isZero ? nil : raised / sold
        }

        mutating func noteBuyer(_ buyer: Address, slice: UInt256) {
            if winner == nil || slice > winnerSlice {
                winner = buyer
                winnerSlice = slice
            }
        }

        /// DAI the auction failed to raise against its debt, RAD: `max(0, due − raised)`.
        public var shortfall: UInt256 { raised >= due ? .zero : due - raised }

        /// An ended auction that raised at most a millionth of its tab
        /// (`raised · 10^6 ≤ tab`), as Black Thursday's zero-DAI Flipper bids.
        public var isZeroBid: Bool {
            guard ended else { return false }
            let (scaled, overflow) = raised.multipliedReportingOverflow(by: 1_000_000)
            return !overflow && scaled <= tab
        }
    }

    /// The vault: its collateral type and owner.
    public let vault: RaceLedger.Vault
    /// The row's id: `<ilk name>:<owner>`, with `#n` appended for the vault's n-th race
    /// (n ≥ 2), so every race of a run has a distinct id.
    public let position: String
    /// The protocol (`maker`).
    public let protocolName: String
    /// The block the ledger first saw the opportunity, and its time.
    public let startBlock: UInt64
    public let startTimeMs: Int64
    /// First block at whose end the market price was below the vault's liquidation price.
    public internal(set) var unsafeBlock: UInt64?
    public internal(set) var unsafeTimeMs: Int64?
    /// First block at whose end the Vat found the vault unsafe (`ink · spot < art · rate`).
    public internal(set) var liquidatableBlock: UInt64?
    public internal(set) var liquidatableTimeMs: Int64?
    /// First block holding a transaction that named the vault or one of its auctions.
    public internal(set) var firstAttemptBlock: UInt64?
    /// The block of the first successful `bite`/`bark`.
    public internal(set) var liquidatedBlock: UInt64?
    public internal(set) var liquidatedTimeMs: Int64?
    /// Included transactions naming the vault or its auctions (reverted ones too).
    public internal(set) var attempts = 0
    /// The distinct senders of those transactions, ascending.
    public internal(set) var keepers: [Address] = []
    /// Who bought the most collateral of the race's auctions (ties: the first), and the
    /// effective gas price of the transaction that bought it.
    public internal(set) var winner: Address?
    public internal(set) var winningGasPrice: Wei?
    var winningLot: UInt256 = .zero
    /// Attempts that reverted, and the fees they paid (wei).
    public internal(set) var failedAttempts = 0
    public internal(set) var failedFees: Wei = 0
    public internal(set) var outcome: Outcome = .open
    /// The auctions started, in order.
    public internal(set) var auctions: [Auction] = []
    /// Before any liquidation, the vault's debt `art · rate` at the latest block (RAD).
    var vaultDebt: UInt256 = .zero
    /// The block the race was settled in (nil while open).
    public internal(set) var settledBlock: UInt64?
    /// A lending race's amounts (`RaceLedger+Lending.swift`); nil for a Maker race.
    var lending: LendingRaceAmounts?
    /// Perpetuals (no auctions): the quote the liquidation fills paid, and the deficit the
    /// insurance fund, deleveraging or socialised loss covered, both in the same RAD-scaled
    /// dollars as `debt` (docs/races.md). Zero for Maker races.
    var filledValue: UInt256 = .zero
    var coveredDeficit: UInt256 = .zero

    init(
        vault: RaceLedger.Vault, position: String, block: UInt64, timeMs: Int64,
        protocolName: String = "maker"
    ) {
        self.vault = vault
        self.position = position
        self.protocolName = protocolName
        self.startBlock = block
        self.startTimeMs = timeMs
    }

    /// The debt at stake, RAD: the sum of the auctions' `due` once liquidated, else the
    /// vault's `art · rate` at the latest block seen.
    public var debt: UInt256 {
        if let lending { return lending.debt }
        return auctions.isEmpty ? vaultDebt : auctions.reduce(.zero) { $0 + $1.due }
    }

    /// DAI raised by the race's auctions, RAD.
    public var proceeds: UInt256 {
        if let lending { return lending.repaid }
        return auctions.reduce(filledValue) { $0 + $1.raised }
    }

    /// DAI the Vow paid keepers to start and restart the race's auctions, RAD (Clipper
    /// `tip + chip · tab` per `bark` and `redo`; 0 for Flipper auctions). A cost to the
    /// system on top of any shortfall: the Vow's net from the race is
    /// `proceeds − debt − incentive`.
    public var incentive: UInt256 {
        auctions.reduce(.zero) { $0 + $1.incentive }
    }

    /// `max(0, debt − proceeds)` once the race is settled (0 when recovered); nil while
    /// open, since a live auction may still raise more.
    public var shortfall: UInt256? {
        if let lending, outcome != .open { return lending.shortfall }
        return switch outcome {
        case .open: nil
        case .recovered: .zero
        case .liquidated, .badDebt: auctions.reduce(coveredDeficit) { $0 + $1.shortfall }
        }
    }

    /// Whether every auction started has ended.
    var auctionsEnded: Bool { Self.allEnded(auctions) }

    /// Whether `auctions` is not empty and every one has ended. Static, so the race ledger
    /// asks it of an open race's auctions in place: the property, called on an element of
    /// the open races, copied the whole race first (2 M calls in a Black Thursday run).
    static func allEnded(_ auctions: [Auction]) -> Bool {
        guard !auctions.isEmpty else { return false }
        for index in auctions.indices where !auctions[index].ended { return false }
        return true
    }

    /// Blocks from the first sign of danger (unsafe at market, else on chain) to the
    /// liquidation; nil if not liquidated.
    public var delayBlocks: UInt64? {
        guard let liquidated = liquidatedBlock else { return nil }
        let start = unsafeBlock ?? liquidatableBlock ?? liquidated
        return liquidated >= start ? liquidated - start : 0
    }

    /// The same delay in milliseconds of simulated time.
    public var delayMs: Int64? {
        guard let liquidated = liquidatedTimeMs else { return nil }
        let start = unsafeTimeMs ?? liquidatableTimeMs ?? liquidated
        return max(0, liquidated - start)
    }

    /// Oracle lag, ms: from the market crossing the liquidation price to the Vat finding
    /// the vault unsafe; 0 when the oracle was first; nil unless both happened.
    public var oracleLagMs: Int64? {
        guard let market = unsafeTimeMs, let chain = liquidatableTimeMs else { return nil }
        return max(0, chain - market)
    }

    mutating func noteKeeper(_ sender: Address) {
        var low = 0
        var high = keepers.count
        while low < high {
            let middle = (low + high) / 2
            if keepers[middle] < sender { low = middle + 1 } else { high = middle }
        }
        if low == keepers.count || keepers[low] != sender {
            keepers.insert(sender, at: low)
        }
    }

    mutating func noteBuyer(_ buyer: Address, lot: UInt256, gasPrice: Wei) {
        if winner == nil || lot > winningLot {
            winner = buyer
            winningLot = lot
            winningGasPrice = gasPrice
        }
    }
}
