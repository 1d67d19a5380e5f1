import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The off-chain exchanges: one `OrderBookVenue` per collateral, whose mid is the market's
/// reference price times a displacement that forced selling pushes down and that recovers
/// with the book's half-life.
///
/// **What moves what.** A keeper that bought collateral with its own DAI sells it here
/// (`.sold`): the sale walks the book, the mid falls, and the venue agent publishes the new
/// book (`.venueMoved`) to its subscribers after `quoteDelay`. Feed operators observe the
/// venue's mid, so the impact reaches the median, then the OSM one hop later, then the
/// Spotter — the death-spiral loop. Keepers price their next sales on the book they last
/// received. The reference price itself (`MarketPath`) is exogenous: nothing in the world
/// moves it. Flash takes sell on the on-chain AMM instead, which the arbitrageur pulls
/// back toward the reference.
public final class VenueAgent: Agent {
    public let name: String
    let market: MarketPath
    let assets: [AssetID]
    @exclusivity(unchecked) public private(set) var venues: [OrderBookVenue]
    /// Agents told of every trade.
    @exclusivity(unchecked) var subscribers: [AgentID] = []
    let quoteDelay: SimTime
    @exclusivity(unchecked) public private(set) var soldAmounts: [Double]

    init(
        name: String, market: MarketPath, assets: [AssetID], venues: [OrderBookVenue],
        quoteDelay: SimTime
    ) {
        self.name = name
        self.market = market
        self.assets = assets
        self.venues = venues
        self.quoteDelay = quoteDelay
        soldAmounts = Array(repeating: 0, count: venues.count)
    }

    public func start(_ context: Context<ProtocolMessage>) {}

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        let collateral: Int
        let amount: Double
        let selling: Bool
        switch message {
        case .custom(.sold(let index, let units)):
            (collateral, amount, selling) = (index, units, true)
        case .custom(.bought(let index, let units)):
            (collateral, amount, selling) = (index, units, false)
        default: return
        }
        guard venues.indices.contains(collateral), amount > 0 else { return }
        let reference = market.price(of: assets[collateral], at: context.now)
        if selling {
            _ = venues[collateral].sell(amount, reference: reference, at: context.now)
            soldAmounts[collateral] += amount
        } else {
            _ = venues[collateral].buy(amount, reference: reference, at: context.now)
        }
        // One message for every subscriber: its payload is boxed (`indirect`), so the
        // copies share one box instead of allocating one each (25 a trade in the world
        // bench).
        let moved = ProtocolMessage.custom(
            .venueMoved(collateral: collateral, venue: venues[collateral]))
        for subscriber in subscribers {
            context.send(moved, to: subscriber, after: quoteDelay)
        }
    }
}

/// What an agent knows of the market: the reference path (public, exogenous) and the last
/// venue books it was sent. Prices are read at the agent's own time.
///
/// `mid`, `saleValue`, `nativePrice` and `purchaseCost` write nothing, yet are `mutating`:
/// agents keep their view in a stored property, and a non-mutating method called on it
/// was handed a copy (five arrays retained, then released, each call: 323,000 retains in
/// the world bench's auction passes); a mutating one reads the stored view in place.
struct MarketView {
    let market: MarketPath
    let assets: [AssetID]
    var venues: [OrderBookVenue]
    /// The venue agent to send sales to (nil: the agent never sells off chain).
    var venueAgent: AgentID?
    /// The market asset of the native token (gas is paid in it), if the market has one.
    let nativeAsset: AssetID?

    /// The native token's reference price at `time`, or `fallback` when the market has no
    /// such asset.
    mutating func nativePrice(at time: SimTime, fallback: Double) -> Double {
        guard let nativeAsset else { return fallback }
        return market.price(of: nativeAsset, at: max(.zero, time))
    }

    func reference(_ collateral: Int, at time: SimTime) -> Double {
        market.price(of: assets[collateral], at: max(.zero, time))
    }

    /// The venue mid of `collateral` at `time`, from the last book received.
    mutating func mid(_ collateral: Int, at time: SimTime) -> Double {
        let venue = venues[collateral]
        let reference = reference(collateral, at: time)
        return time >= venue.updatedAt ? venue.mid(reference: reference, at: time) : reference
    }

    /// The average price of selling `amount` of `collateral` at `time` on the last book
    /// received (zero when nothing would fill).
    mutating func saleValue(_ collateral: Int, amount: Double, at time: SimTime) -> Double {
        guard amount > 0 else { return 0 }
        let venue = venues[collateral]
        let reference = reference(collateral, at: time)
        let at = max(time, venue.updatedAt)
        let fill = venue.priceAfterSelling(amount, reference: reference, at: at)
        return fill.filled * fill.averagePrice
    }

    mutating func receive(_ message: ProtocolExtension) {
        if case .venueMoved(let collateral, let venue) = message,
            venues.indices.contains(collateral), venue.updatedAt >= venues[collateral].updatedAt
        {
            venues[collateral] = venue
        }
    }
}
