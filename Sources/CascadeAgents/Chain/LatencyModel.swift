import CascadeChain
import CascadeKernel

/// A distribution of delays in whole milliseconds: how long a block takes to reach an
/// agent, or an agent's transaction to reach the block producer.
///
/// Each draw takes its randomness from the stream it is given (the agent's own), so the
/// same stream gives the same delays. Samplers use the kernel's deterministic `log` and
/// the chain's deterministic `exp`, so every machine draws the same milliseconds.
///
/// ```swift
/// let propagation = LatencyModel.logNormal(medianMs: 150, sigma: 0.5)
/// let delay = propagation.draw(using: &context.random)   // e.g. 173 ms
/// ```
///
/// Draws are rounded to the nearest millisecond (ties to even) and clamped to
/// `0...maximumMs` (one day), so a heavy tail cannot push an event past the end of time.
/// `.fixed` consumes no randomness; every other case consumes the same number of draws
/// whatever the outcome (`.uniform` one integer, `.exponential` and `.logNormal` one
/// uniform each: the log-normal's normal comes from inverting the CDF).
public enum LatencyModel: Hashable, Sendable {
    /// Always `milliseconds`.
    case fixed(milliseconds: Int64)
    /// Uniform on the integers `minimumMs...maximumMs` (both included).
    case uniform(minimumMs: Int64, maximumMs: Int64)
    /// Exponential with mean `meanMs` (memoryless gossip: most delays short, a long tail).
    case exponential(meanMs: Double)
    /// Log-normal: `medianMs × exp(sigma × z)` for a standard normal `z`. Measured block
    /// propagation on Ethereum is close to log-normal with a median of a few hundred ms.
    case logNormal(medianMs: Double, sigma: Double)

    /// No delay.
    public static let zero = LatencyModel.fixed(milliseconds: 0)

    /// The largest delay a draw returns: one day.
    public static let maximumMs: Int64 = 86_400_000

    /// Why this model cannot be used, or nil if it can (for the world layer's validation).
    public var problem: String? {
        switch self {
        case .fixed(let milliseconds):
            if milliseconds < 0 { return "a fixed delay must not be negative" }
            if milliseconds > Self.maximumMs { return "a delay must not exceed one day" }
        case .uniform(let minimumMs, let maximumMs):
            if minimumMs < 0 { return "a uniform delay's minimum must not be negative" }
            if maximumMs < minimumMs { return "a uniform delay's maximum is below its minimum" }
            if maximumMs > Self.maximumMs { return "a delay must not exceed one day" }
        case .exponential(let meanMs):
            if !(meanMs >= 0 && meanMs.isFinite) { return "an exponential mean must be >= 0" }
        case .logNormal(let medianMs, let sigma):
            if !(medianMs > 0 && medianMs.isFinite) { return "a log-normal median must be > 0" }
            if !(sigma >= 0 && sigma <= 4) { return "a log-normal sigma must be in [0, 4]" }
        }
        return nil
    }

    /// The smallest delay a draw can return (for tests and for reasoning about races).
    public var minimum: SimTime {
        switch self {
        case .fixed(let milliseconds): .milliseconds(milliseconds)
        case .uniform(let minimumMs, _): .milliseconds(minimumMs)
        case .exponential, .logNormal: .zero
        }
    }

    /// One delay drawn from `random`.
    ///
    /// Precondition: `problem == nil`.
    @inlinable
    public func draw(using random: inout RandomStream) -> SimTime {
        switch self {
        case .fixed(let milliseconds):
            return .milliseconds(milliseconds)
        case .uniform(let minimumMs, let maximumMs):
            return .milliseconds(random.uniformInt(in: minimumMs...maximumMs))
        case .exponential(let meanMs):
            return Self.clamped(random.exponential(mean: meanMs))
        case .logNormal(let medianMs, let sigma):
            return Self.clamped(
                medianMs * ChainMath.exp(sigma * ChainMath.standardNormal(using: &random)))
        }
    }

    @usableFromInline
    static func clamped(_ milliseconds: Double) -> SimTime {
        guard milliseconds.isFinite else { return .milliseconds(maximumMs) }
        let rounded = milliseconds.rounded(.toNearestOrEven)
        return .milliseconds(Int64(min(max(rounded, 0), Double(maximumMs))))
    }
}
