import CascadeKernel

/// A scripted move of the price, layered multiplicatively on a base process.
///
/// From `start`, the price is multiplied by a factor that goes linearly from 1 to
/// `1 + change` over `duration`, then stays there (a `duration` of zero moves instantly
/// at `start`). `change = -0.4` is a 40% fall. Several shocks multiply.
///
/// Why multiplicative: every base process here is scale-free in the price (GBM,
/// jump-diffusion) or a replay; multiplying keeps the base's own randomness while the
/// level carries the shock, so "ETH falls 40% over 20 minutes at 10:30, then keeps its
/// volatility" is one shock on a GBM.
///
/// ```swift
/// let crash = ScriptedShock(start: .minutes(630), change: -0.4, duration: .minutes(20))
/// crash.factor(at: .minutes(640))   // 0.8: halfway down
/// ```
public struct ScriptedShock: Hashable, Sendable {
    /// When the move begins.
    public var start: SimTime
    /// The relative change once complete: −0.4 for −40%, 0.1 for +10%. Must exceed −1.
    public var change: Double
    /// How long the move takes; zero for an instant move.
    public var duration: SimTime

    public init(start: SimTime, change: Double, duration: SimTime = .zero) {
        self.start = start
        self.change = change
        self.duration = duration
    }

    /// Why this shock cannot be used, or nil if it can (for world validation).
    public var problem: String? {
        if !(change > -1 && change.isFinite) { return "a shock's change must be above -100%" }
        if duration.milliseconds < 0 { return "a shock's duration must not be negative" }
        if start.milliseconds < 0 { return "a shock must not start before time zero" }
        return nil
    }

    /// The factor this shock applies at `time`: 1 before `start`, `1 + change` from
    /// `start + duration` on, linear in between.
    public func factor(at time: SimTime) -> Double {
        let elapsed = time.milliseconds - start.milliseconds
        if elapsed < 0 { return 1 }
        if elapsed >= duration.milliseconds { return 1 + change }
        return 1 + change * (Double(elapsed) / Double(duration.milliseconds))
    }

    /// The product of the factors of `shocks` at `time` (1 for none).
    public static func factor(of shocks: [ScriptedShock], at time: SimTime) -> Double {
        var product = 1.0
        for shock in shocks {
            product *= shock.factor(at: time)
        }
        return product
    }
}
