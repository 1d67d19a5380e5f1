import CascadeCore

/// A reporter's prices, accepted only when close to an on-chain anchor, as Compound's
/// `UniswapAnchoredView` (2020): the design behind the November 2020 DAI liquidations.
///
/// A trusted reporter (Coinbase's signed price feed, for Compound) posts a price; the
/// view compares it with an anchor (a Uniswap v2 TWAP) and stores it only if
/// `anchor / reported` lies within `[1 − tolerance, 1 + tolerance]` (20% for Compound).
/// Otherwise it emits a guarded update and keeps the old price. The guard stops a corrupt
/// reporter, but not a move that both the reporter and the anchor follow: on 26 November
/// 2020 Coinbase reported DAI at $1.30 while the Uniswap anchor had also risen, so the
/// price passed and borrowers were liquidated.
///
/// Prices are WAD; the tolerance is a WAD fraction (0.2e18 = 20%). If the reporter is
/// invalidated (`invalidateReporter`), the anchor itself is posted from then on.
/// The anchor arrives as an argument: the chain fills it from the TWAP oracle's state when
/// it executes the call (the real contract reads it on chain), never from the poster.
public struct AnchoredPriceView: Contract, Hashable {
    public let address: Address
    /// The only address whose posts count (the reporter's signing key).
    public let reporter: Address
    public let upperBoundAnchorRatio: UInt256
    public let lowerBoundAnchorRatio: UInt256
    /// The accepted price of each asset (by index), zero until first accepted.
    public private(set) var prices: [UInt256]
    public private(set) var reporterInvalidated = false
    public private(set) var posts: UInt64 = 0

    public init(address: Address, reporter: Address, assetCount: Int, toleranceWad: UInt256) {
        self.address = address
        self.reporter = reporter
        // Compound's bounds: 1 ± tolerance, with the lower bound at least 1 wei.
        upperBoundAnchorRatio =
            toleranceWad > UInt256.max - .wad ? .max : .wad + toleranceWad
        lowerBoundAnchorRatio = toleranceWad < .wad ? .wad - toleranceWad : .one
        prices = Array(repeating: .zero, count: assetCount)
    }

    public enum Call: Hashable, Sendable {
        /// The reporter's price for `asset`, with the anchor at execution time.
        case postPrice(asset: Int, reportedPrice: UInt256, anchorPrice: UInt256)
        /// The reporter declares its key compromised (Compound's `invalidateReporter`).
        case invalidateReporter
    }

    public enum Event: Hashable, Sendable {
        /// `accepted` is false for Compound's `PriceGuarded`.
        case oracleUpdated(asset: Int, update: OracleUpdate, anchorPrice: UInt256)
        case reporterInvalidated
    }

    /// Whether `reported` is within tolerance of `anchor` (`isWithinAnchor`): the ratio
    /// `anchor · 1e18 / reported`, rounded down, lies within the bounds; a zero report never is.
    public func isWithinAnchor(reported: UInt256, anchor: UInt256) -> Bool {
        guard !reported.isZero else { return false }
        let ratio = UInt256.mulDiv(anchor, .wad, reported)
        return ratio <= upperBoundAnchorRatio && ratio >= lowerBoundAnchorRatio
    }

    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .postPrice(let asset, let reported, let anchor):
            guard prices.indices.contains(asset) else { throw Revert("token config not found") }
            guard caller == reporter else { throw Revert("only the reporter may post") }
            posts += 1
            let accepted: Bool
            let value: UInt256
            if reporterInvalidated {
                accepted = true
                value = anchor
            } else if isWithinAnchor(reported: reported, anchor: anchor) {
                accepted = true
                value = reported
            } else {
                accepted = false
                value = prices[asset]
            }
            prices[asset] = value
            let update = OracleUpdate(
                oracle: address, kind: .anchored, value: value, sourceValue: reported,
                round: posts, accepted: accepted)
            events.append(.oracleUpdated(asset: asset, update: update, anchorPrice: anchor))
        case .invalidateReporter:
            guard caller == reporter else {
                throw Revert("invalidation message must come from the reporter")
            }
            reporterInvalidated = true
            events.append(.reporterInvalidated)
        }
    }

    public func checkInvariants() throws(InvariantViolation) {
        guard lowerBoundAnchorRatio <= .wad, upperBoundAnchorRatio >= .wad else {
            throw InvariantViolation("anchored view \(address): bounds exclude 1")
        }
    }
}
