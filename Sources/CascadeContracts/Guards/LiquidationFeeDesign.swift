import CascadeCore

/// How a protocol prices a liquidation's penalty (the liquidator's bonus), chosen per
/// protocol in the world.
///
/// All three give a penalty in basis points of the debt repaid (Aave's bonus is
/// `10⁴ + penalty`, Compound's incentive `1e18 + penalty · 1e14`, a perpetuals market's
/// penalty `penalty · 100` ppm of the closed notional):
///
/// - `fixed`: the protocol's own configured penalty, unchanged (every bundled world).
/// - `dutch`: rises linearly from `startBps` to `capBps` over `durationSeconds` of the
///   position's liquidation clock, then stays at the cap:
///   `start + (cap − start) · min(elapsed, duration) / duration`, rounded down. The clock
///   starts at the account's first liquidation (as an auction starts at its kick) and is
///   cleared when a liquidation leaves the account safe.
/// - `dynamic`: rises with recent price velocity, the largest move of the prices involved
///   over `windowSeconds` (`PriceHistory.move`, basis points):
///   `min(cap, base + move · multiplierBps / 10⁴)`, rounded down.
public enum LiquidationFeeDesign: Hashable, Sendable {
    case fixed
    case dutch(startBps: UInt256, capBps: UInt256, durationSeconds: UInt64)
    case dynamic(baseBps: UInt256, multiplierBps: UInt256, capBps: UInt256, windowSeconds: UInt64)

    /// The trace's name of the design.
    public var name: String {
        switch self {
        case .fixed: "fixed"
        case .dutch: "dutch"
        case .dynamic: "dynamic"
        }
    }

    /// The window over which `dynamic` measures velocity (0 for the others).
    public var windowSeconds: UInt64 {
        if case .dynamic(_, _, _, let window) = self { return window }
        return 0
    }

    /// The Dutch penalty after `elapsedSeconds` on the clock. Monotone non-decreasing in
    /// time when `startBps ≤ capBps` (which the world requires).
    public static func dutchPenaltyBps(
        startBps: UInt256, capBps: UInt256, durationSeconds: UInt64, elapsedSeconds: UInt64
    ) -> UInt256 {
        precondition(startBps <= capBps && durationSeconds > 0, "bad Dutch schedule")
        let elapsed = UInt256(Swift.min(elapsedSeconds, durationSeconds))
        return startBps + (capBps - startBps) * elapsed / UInt256(durationSeconds)
    }

    /// The dynamic penalty for a recent move of `moveBps`.
    public static func dynamicPenaltyBps(
        baseBps: UInt256, multiplierBps: UInt256, capBps: UInt256, moveBps: UInt256
    ) -> UInt256 {
        Swift.min(capBps, baseBps + moveBps * multiplierBps / 10_000)
    }

    /// This design's penalty, or nil for `fixed` (the protocol's own applies).
    public func penaltyBps(elapsedSeconds: UInt64, moveBps: UInt256) -> UInt256? {
        switch self {
        case .fixed:
            nil
        case .dutch(let start, let cap, let duration):
            Self.dutchPenaltyBps(
                startBps: start, capBps: cap, durationSeconds: duration,
                elapsedSeconds: elapsedSeconds)
        case .dynamic(let base, let multiplier, let cap, _):
            Self.dynamicPenaltyBps(
                baseBps: base, multiplierBps: multiplier, capBps: cap, moveBps: moveBps)
        }
    }
}
