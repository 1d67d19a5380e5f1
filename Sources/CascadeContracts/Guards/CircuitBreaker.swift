import CascadeCore

/// A protocol's circuit breaker: the rule that pauses liquidations and/or new risk
/// (borrowing on a lending pool, trading on a perpetuals exchange) when the protocol's own
/// oracle prices move too fast or stop arriving, and when it lets them resume.
///
/// Two triggers, each optional:
///
/// - **Move.** A price update whose move against any price of the same asset in force
///   during the last `windowSeconds` exceeds `moveBps` (strictly; `PriceHistory.move`)
///   trips the breaker at that update's timestamp. It stays tripped until
///   `cooldownSeconds` have passed with no such update: every further excessive update
///   restarts the cool-down, so the breaker resumes at `last excessive update + cooldown`.
/// - **Staleness.** When an asset's last update is more than `staleSeconds` old, the
///   breaker is tripped from `last update + staleSeconds + 1`; it resumes at the first
///   update of that asset (the feed is fresh again).
///
/// The state is a pure function of the recorded updates and the block timestamp
/// (`pause(at:history:)`), so a pause begins and ends exactly at the configured second
/// whether or not a transaction is there to see it; the trace's `breaker_trip` and
/// `breaker_resume` lines are written by the first successful call on the protocol after
/// the change and carry the exact times.
///
/// Integers only: moves in basis points, times in whole seconds (block timestamps).
public struct CircuitBreaker: Hashable, Sendable {
    /// What the breaker watches and what it stops.
    public struct Rule: Hashable, Sendable {
        /// Trip on a move above this many basis points within `windowSeconds` (nil: never).
        public var moveBps: UInt256?
        public var windowSeconds: UInt64
        /// How long prices must stay calm (no excessive update) before resuming, seconds.
        public var cooldownSeconds: UInt64
        /// Trip when an asset's last update is older than this, seconds (nil: never).
        public var staleSeconds: UInt64?
        /// Pause liquidations (Aave `liquidationCall`, Compound `liquidateBorrow`, the
        /// perpetuals exchange's `liquidate`, `backstop` and `deleverage`).
        public var pausesLiquidations: Bool
        /// Pause new risk: borrowing on a lending pool, trading on a perpetuals exchange.
        public var pausesTrading: Bool

        public init(
            moveBps: UInt256?, windowSeconds: UInt64, cooldownSeconds: UInt64,
            staleSeconds: UInt64?, pausesLiquidations: Bool, pausesTrading: Bool
        ) {
            self.moveBps = moveBps
            self.windowSeconds = windowSeconds
            self.cooldownSeconds = cooldownSeconds
            self.staleSeconds = staleSeconds
            self.pausesLiquidations = pausesLiquidations
            self.pausesTrading = pausesTrading
        }
    }

    /// Why the breaker is tripped.
    public enum Reason: String, Hashable, Sendable {
        case priceMove = "price_move"
        case stale
    }

    /// A pause: why, since when, until when (nil: until a fresh update), and its inputs.
    public struct Pause: Hashable, Sendable {
        public var reason: Reason
        public var asset: Int
        /// Seconds.
        public var since: UInt64
        public var until: UInt64?
        /// The excessive price, its reference and the move (basis points); for staleness
        /// the last price and its age in `moveBps`'s place is left zero.
        public var price: UInt256
        public var reference: UInt256
        public var moveBps: UInt256
    }

    /// The revert of a paused call.
    public static let pausedReason = "paused: circuit breaker"

    public var rule: Rule
    /// The last excessive update: when, which asset, its price, reference and move.
    public private(set) var lastExcess: Pause?

    public init(rule: Rule) {
        self.rule = rule
    }

    /// Records an accepted update of `asset` to `price` at `timestamp` — call it before
    /// `history.record`, so the move is measured against the prices before this one.
    public mutating func observe(
        asset: Int, price: UInt256, at timestamp: UInt64, history: PriceHistory
    ) {
        guard let threshold = rule.moveBps else { return }
        let move = history.move(
            asset: asset, price: price, at: timestamp, windowSeconds: rule.windowSeconds)
        guard move.bps > threshold else { return }
        // An excessive move while already tripped by one extends that pause (its start and
        // the inputs that tripped it stay); otherwise a fresh pause starts now.
        if var last = lastExcess, let until = last.until, timestamp < until {
            last.until = timestamp + rule.cooldownSeconds
            lastExcess = last
            return
        }
        lastExcess = Pause(
            reason: .priceMove, asset: asset, since: timestamp,
            until: timestamp + rule.cooldownSeconds, price: price, reference: move.reference,
            moveBps: move.bps)
    }

    /// The pause in force at `timestamp`, or nil when the breaker is closed. A move pause
    /// wins over staleness (it was tripped first or lasts longer); among stale assets, the
    /// lowest-numbered one is named.
    public func pause(at timestamp: UInt64, history: PriceHistory) -> Pause? {
        if let excess = lastExcess, let until = excess.until, timestamp < until {
            return excess
        }
        guard let stale = rule.staleSeconds else { return nil }
        for asset in history.lastUpdate.indices {
            let last = history.lastUpdate[asset]
            if timestamp > last + stale {
                return Pause(
                    reason: .stale, asset: asset, since: last + stale + 1, until: nil,
                    price: history.latest(asset), reference: history.latest(asset),
                    moveBps: .zero)
            }
        }
        return nil
    }
}
