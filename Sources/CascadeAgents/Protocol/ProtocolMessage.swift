import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The messages of a protocol world: the chain's, plus `ProtocolExtension` for the
/// off-chain traffic between agents (oracle observations, venue trades and quotes).
public typealias ProtocolMessage = ChainMessage<ProtocolState, ProtocolExtension>

/// Off-chain messages of a protocol world, carried by `ChainMessage.custom`.
///
/// Facts in the past tense (`observed`, `sold`, `venueMoved`). Every payload is boxed
/// (`indirect`) so a message stays a tag and a word in the event queue.
public indirect enum ProtocolExtension: DigestFoldable, Sendable {
    /// A feed operator's observation of collateral `feed`'s price, sent to the feed's
    /// transmitting node: `priceWad` (WAD, quote per unit), observed at `observedAt`.
    case observed(feed: Int, reporter: Int, priceWad: UInt256, observedAt: SimTime)
    /// An agent sold `amount` units of collateral `collateral` on the off-chain venue
    /// (sent to the venue agent, which walks its book).
    case sold(collateral: Int, amount: Double)
    /// The venue of collateral `collateral` after a trade, as the venue agent publishes it
    /// to its subscribers: they price against this book until the next one arrives.
    case venueMoved(collateral: Int, venue: OrderBookVenue)
    /// An agent bought `amount` units of venue `collateral`'s asset (a lending keeper
    /// buying back the debt it repaid, a perpetuals liquidator hedging a short it took);
    /// the venue agent walks its asks.
    case bought(collateral: Int, amount: Double)

    public func fold(into digest: inout RunDigest) {
        switch self {
        case .observed(let feed, let reporter, let priceWad, let observedAt):
            digest.combine(1)
            digest.combine(UInt64(feed))
            digest.combine(UInt64(reporter))
            digest.combine(UInt64(truncatingIfNeeded: priceWad.toUInt128()))
            digest.combine(UInt64(bitPattern: observedAt.milliseconds))
        case .sold(let collateral, let amount):
            digest.combine(2)
            digest.combine(UInt64(collateral))
            digest.combine(amount.bitPattern)
        case .venueMoved(let collateral, let venue):
            digest.combine(3)
            digest.combine(UInt64(collateral))
            digest.combine(venue.displacement.bitPattern)
        case .bought(let collateral, let amount):
            digest.combine(4)
            digest.combine(UInt64(collateral))
            digest.combine(amount.bitPattern)
        }
    }
}
