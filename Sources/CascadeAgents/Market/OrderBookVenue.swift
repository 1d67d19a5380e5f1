import CascadeChain
import CascadeKernel

/// The shape of an off-chain order book: how much can be sold before the price falls by
/// a given fraction.
///
/// `depth(x) = depthAtReference · (x / referenceFraction)^exponent` is the quote-currency
/// value, at the mid price, of the bids within a fraction `x` of the mid (the asks mirror
/// it). `exponent = 1` is a linear book (`depthAtReference` per `referenceFraction`
/// everywhere); `exponent < 1` is a book thick near the mid and thin further out (what
/// exchanges show in a crash); `exponent > 1` the reverse.
///
/// Selling `q` units at mid `m` walks the book down to the fraction `x` with
/// `depth(x) = q·m`, so
///
///     x = referenceFraction · (q·m / depthAtReference)^(1/exponent),
///     new mid = m·(1 − x),
///     average price = m·(1 − exponent·x / (exponent + 1)),
///
/// the last from integrating the bid price `m·(1 − u)` against the depth's density.
/// The book ends at `maximumFraction` (default 0.95): a sale needing more is filled only
/// down to there, and the rest is reported unfilled.
public struct DepthCurve: Hashable, Sendable {
    /// Quote currency (e.g. USD) of bids within `referenceFraction` of the mid.
    public var depthAtReference: Double
    /// The distance from the mid at which `depthAtReference` is quoted: 0.02 for "2% depth".
    public var referenceFraction: Double
    /// The power-law exponent; 1 for a linear book.
    public var exponent: Double
    /// Where the book ends (a fraction of the mid below 1).
    public var maximumFraction: Double

    public init(
        depthAtReference: Double, referenceFraction: Double, exponent: Double = 1,
        maximumFraction: Double = 0.95
    ) {
        self.depthAtReference = depthAtReference
        self.referenceFraction = referenceFraction
        self.exponent = exponent
        self.maximumFraction = maximumFraction
    }

    /// Why this curve cannot be used, or nil if it can.
    public var problem: String? {
        if !(depthAtReference > 0 && depthAtReference.isFinite) {
            return "depth must be positive and finite"
        }
        if !(referenceFraction > 0 && referenceFraction < 1) {
            return "the depth's reference fraction must be in (0, 1)"
        }
        if !(exponent >= 0.1 && exponent <= 10) { return "the depth exponent must be in [0.1, 10]" }
        if !(maximumFraction > 0 && maximumFraction < 1) {
            return "the book's maximum fraction must be in (0, 1)"
        }
        return nil
    }

    /// Quote value at the mid of the bids (or asks) within `fraction` of the mid.
    public func depth(within fraction: Double) -> Double {
        depthAtReference * power(fraction / referenceFraction, exponent)
    }

    /// The fraction of the mid a sale (or purchase) of `quoteAtMid` walks the book.
    func fraction(forQuote quoteAtMid: Double) -> Double {
        referenceFraction * power(quoteAtMid / depthAtReference, 1 / exponent)
    }

    /// `base^exponent` for `base ≥ 0`, by the deterministic `exp` and `log`.
    func power(_ base: Double, _ exponent: Double) -> Double {
        if base <= 0 { return 0 }
        if exponent == 1 { return base }
        return ChainMath.exp(exponent * DeterministicMath.log(base))
    }
}

/// An off-chain venue with a finite book: forced selling moves its price, and the price
/// recovers toward the reference at a stated half-life.
///
/// The venue's mid is `reference × displacement`. A sale multiplies the displacement by
/// `1 − x` (see `DepthCurve`); between trades, the gap `displacement − 1` decays by half
/// every `recoveryHalfLife` (liquidity providers refilling the book, arbitrage with other
/// venues). Keeping the displacement relative to the reference means the venue follows
/// the market's own moves while carrying the impact of forced selling — the impact an
/// oracle reading this venue passes on to more liquidations: the death spiral.
///
/// ```swift
/// var venue = OrderBookVenue(
///     depth: DepthCurve(depthAtReference: 2_000_000, referenceFraction: 0.02),
///     recoveryHalfLife: .minutes(10))
/// let fill = venue.sell(500, reference: market.price(of: eth, at: now), at: now)
/// fill.averagePrice   // what the seller got per unit
/// fill.newMid         // where the venue's mid is now
/// ```
///
/// Every operation is O(1). The venue is a pure value: the caller passes the reference
/// price and the time, so it holds no clock and no market.
public struct OrderBookVenue: Hashable, Sendable {
    /// The book's shape (the same on both sides).
    public var depth: DepthCurve
    /// How long the gap between the venue's mid and the reference takes to halve.
    public var recoveryHalfLife: SimTime
    /// The venue's mid divided by the reference price (1 when undisturbed).
    public private(set) var displacement: Double = 1
    /// The time the displacement was last brought up to date.
    public private(set) var updatedAt: SimTime = .zero

    public init(depth: DepthCurve, recoveryHalfLife: SimTime) {
        self.depth = depth
        self.recoveryHalfLife = recoveryHalfLife
    }

    /// Why this venue cannot be used, or nil if it can.
    public var problem: String? {
        if let problem = depth.problem { return problem }
        if recoveryHalfLife.milliseconds <= 0 { return "the recovery half-life must be positive" }
        return nil
    }

    /// The result of walking the book.
    public struct Fill: Hashable, Sendable {
        /// Units actually traded (below the request when the book ran out).
        public var filled: Double
        /// Units that found no counterparty.
        public var unfilled: Double
        /// Quote currency per unit over the filled part (the mid when nothing filled).
        public var averagePrice: Double
        /// The mid after the trade.
        public var newMid: Double
    }

    /// The displacement at `time`, after recovery since `updatedAt`.
    ///
    /// The gap shrinks by `2^(−elapsed / halfLife)`; a time before `updatedAt` is a
    /// programmer error (time never goes backwards).
    public func displacement(at time: SimTime) -> Double {
        precondition(time >= updatedAt, "time never goes backwards")
        let elapsed = Double(time.milliseconds - updatedAt.milliseconds)
        if elapsed == 0 || displacement == 1 { return displacement }
        let halvings = elapsed / Double(recoveryHalfLife.milliseconds)
        let decay = ChainMath.exp(-halvings * DeterministicMath.log(2))
        return 1 + (displacement - 1) * decay
    }

    /// The venue's mid at `time` for the given reference price.
    public func mid(reference: Double, at time: SimTime) -> Double {
        reference * displacement(at: time)
    }

    /// What selling `amount` units at `time` would give, without trading.
    public func priceAfterSelling(_ amount: Double, reference: Double, at time: SimTime) -> Fill {
        walk(amount, mid: mid(reference: reference, at: time), selling: true)
    }

    /// What buying `amount` units at `time` would cost, without trading.
    public func priceAfterBuying(_ amount: Double, reference: Double, at time: SimTime) -> Fill {
        walk(amount, mid: mid(reference: reference, at: time), selling: false)
    }

    /// Sells `amount` units at `time`: the venue recovers up to `time`, then the sale walks
    /// down the bids and leaves the mid lower.
    public mutating func sell(_ amount: Double, reference: Double, at time: SimTime) -> Fill {
        trade(amount, reference: reference, at: time, selling: true)
    }

    /// Buys `amount` units at `time` (an arbitrageur closing the gap, a short covering).
    public mutating func buy(_ amount: Double, reference: Double, at time: SimTime) -> Fill {
        trade(amount, reference: reference, at: time, selling: false)
    }

    private mutating func trade(
        _ amount: Double, reference: Double, at time: SimTime, selling: Bool
    ) -> Fill {
        precondition(reference > 0 && reference.isFinite, "the reference price must be positive")
        let current = displacement(at: time)
        let fill = walk(amount, mid: reference * current, selling: selling)
        displacement = fill.newMid / reference
        updatedAt = time
        return fill
    }

    /// Walks one side of the book from `mid` (see `DepthCurve` for the formulas).
    func walk(_ amount: Double, mid: Double, selling: Bool) -> Fill {
        precondition(amount >= 0 && amount.isFinite, "a trade's amount must be >= 0")
        if amount == 0 { return Fill(filled: 0, unfilled: 0, averagePrice: mid, newMid: mid) }
        var fraction = depth.fraction(forQuote: amount * mid)
        var filled = amount
        if fraction > depth.maximumFraction {
            fraction = depth.maximumFraction
            filled = depth.depth(within: fraction) / mid
        }
        let sign = selling ? -1.0 : 1.0
        let averageMove = depth.exponent * fraction / (depth.exponent + 1)
        return Fill(
            filled: filled, unfilled: amount - filled,
            averagePrice: mid * (1 + sign * averageMove),
            newMid: mid * (1 + sign * fraction))
    }
}
