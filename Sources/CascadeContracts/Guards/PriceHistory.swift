import CascadeCore

/// The recent oracle prices of each asset a protocol reads, as the protocol received them:
/// what a circuit breaker and a velocity-based liquidation fee measure moves against.
///
/// Why on chain: a breaker that pauses a contract must decide from what the contract has
/// seen, never from the market. Each accepted price update is recorded with its block's
/// timestamp (whole seconds); `move(asset:price:at:windowSeconds:)` is then the largest
/// relative change between `price` and any price in force during the window.
///
/// Bounded: each asset keeps the samples inside the longest window asked for plus the one
/// in force at its start, and at most `sampleLimit` of them (the oldest dropped first), so a
/// feed updating every block for a day costs no more than `sampleLimit` entries.
///
/// Complexity: `record` and `move` are O(samples kept).
public struct PriceHistory: Hashable, Sendable {
    public struct Sample: Hashable, Sendable {
        public var timestamp: UInt64
        public var price: UInt256
    }

    /// The most samples kept per asset.
    public static let sampleLimit = 512

    /// The longest window any reader asks about, seconds: older samples are dropped.
    public let horizonSeconds: UInt64
    /// Samples by asset, oldest first.
    public private(set) var samples: [[Sample]]
    /// When each asset's price last changed hands (its last update), seconds.
    public private(set) var lastUpdate: [UInt64]

    /// A history of `prices` (by asset) all set at `timestamp`, the protocol's genesis.
    public init(prices: [UInt256], at timestamp: UInt64, horizonSeconds: UInt64) {
        self.horizonSeconds = horizonSeconds
        samples = prices.map { [Sample(timestamp: timestamp, price: $0)] }
        lastUpdate = Array(repeating: timestamp, count: prices.count)
    }

    /// The newest price of `asset`.
    public func latest(_ asset: Int) -> UInt256 {
        samples[asset].last?.price ?? .zero
    }

    /// Records `price` for `asset` at `timestamp` (not before the last sample).
    public mutating func record(asset: Int, price: UInt256, at timestamp: UInt64) {
        precondition(samples.indices.contains(asset), "unknown asset")
        lastUpdate[asset] = timestamp
        var kept = samples[asset]
        if let last = kept.last, last.timestamp == timestamp {
            // Two updates in one block: the later one is the price in force.
            kept[kept.count - 1].price = price
        } else {
            kept.append(Sample(timestamp: timestamp, price: price))
        }
        // Keep the newest sample at or before `timestamp − horizon` (the price in force at
        // the start of the longest window) and everything after it.
        if timestamp > horizonSeconds {
            let start = timestamp - horizonSeconds
            var firstKept = 0
            while firstKept + 1 < kept.count && kept[firstKept + 1].timestamp <= start {
                firstKept += 1
            }
            if firstKept > 0 { kept.removeFirst(firstKept) }
        }
        if kept.count > Self.sampleLimit { kept.removeFirst(kept.count - Self.sampleLimit) }
        samples[asset] = kept
    }

    /// The largest move of `price` at `timestamp` against the prices of `asset` in force
    /// during `[timestamp − windowSeconds, timestamp]` (the sample in force at the window's
    /// start included), in basis points rounded down: `|price − reference| · 10⁴ / reference`.
    /// Returns the move and the reference that gave it (the earliest on a tie); a move of 0
    /// against `price` itself when nothing else is in the window.
    public func move(asset: Int, price: UInt256, at timestamp: UInt64, windowSeconds: UInt64)
        -> (bps: UInt256, reference: UInt256)
    {
        let start = timestamp > windowSeconds ? timestamp - windowSeconds : 0
        var best = (bps: UInt256.zero, reference: price)
        let kept = samples[asset]
        for (index, sample) in kept.enumerated() {
            // A sample counts if it was in force at some moment of the window: it is inside
            // it, or it is the last one at or before its start.
            let inForce =
                sample.timestamp >= start
                || (index + 1 == kept.count || kept[index + 1].timestamp > start)
            guard inForce, sample.timestamp <= timestamp, !sample.price.isZero else { continue }
            let bps = Self.moveBps(from: sample.price, to: price)
            if bps > best.bps { best = (bps, sample.price) }
        }
        return best
    }

    /// `|to − from| · 10⁴ / from`, rounded down.
    public static func moveBps(from: UInt256, to: UInt256) -> UInt256 {
        let difference = to > from ? to - from : from - to
        return difference * 10_000 / from
    }
}
