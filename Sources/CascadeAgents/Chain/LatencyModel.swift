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
            return .milliseconds(
                Self.logNormalMs(medianMs: medianMs, sigma: sigma, bits: random.next() >> 11))
        }
    }

    /// The log-normal draw of the 53-bit uniform `bits`, in whole milliseconds.
    @inlinable
    static func logNormalMs(medianMs: Double, sigma: Double, bits: UInt64) -> Int64 {
        clamped(medianMs * ChainMath.exp(sigma * ChainMath.standardNormal(bits: bits)))
            .milliseconds
    }

    @usableFromInline
    static func clamped(_ milliseconds: Double) -> SimTime {
        guard milliseconds.isFinite else { return .milliseconds(maximumMs) }
        let rounded = milliseconds.rounded(.toNearestOrEven)
        return .milliseconds(Int64(min(max(rounded, 0), Double(maximumMs))))
    }
}

/// A latency model with a table that turns most draws into one load: the same delays as
/// `LatencyModel.draw`, from the same randomness, at a fraction of the cost.
///
/// Why: the chain benchmark draws two log-normal delays per agent per block (to see the
/// block, to send the next transaction), and the exact draw — the normal quantile, `exp`,
/// rounding — was a tenth of the run.
///
/// How: a log-normal draw is a non-decreasing function of the 53-bit uniform it consumes.
/// The table splits those uniforms into 2^14 equal buckets and stores, for each bucket
/// whose first and last uniforms give the same milliseconds, that value; every uniform in
/// between gives it too. Other buckets (a millisecond boundary inside, or a value above
/// `UInt16.max - 1`, or the seam of the normal approximation's regions) are marked, and a
/// draw landing there is computed exactly. With a 100–300 ms median and σ = 0.5, 93–97%
/// of draws are a lookup. Other models draw as `LatencyModel.draw` does (they are cheap or
/// rare).
///
/// The table (32 KiB) is a copy-on-write array: share one sampler between agents with the
/// same model rather than building one each (about 1 ms). Tests check the draws against
/// `LatencyModel.draw` over many seeds.
public struct LatencySampler: Sendable {
    public let model: LatencyModel
    /// Per bucket, its milliseconds, or `UInt16.max` for "compute"; empty when the model is
    /// not tabulated.
    @usableFromInline let table: [UInt16]
    @usableFromInline let medianMs: Double
    @usableFromInline let sigma: Double

    /// log2 of the number of buckets.
    @usableFromInline static let tableBits = 14

    public init(_ model: LatencyModel) {
        precondition(model.problem == nil, "invalid latency model: \(model)")
        self.model = model
        guard case .logNormal(let medianMs, let sigma) = model else {
            table = []
            medianMs = 0
            sigma = 0
            return
        }
        self.medianMs = medianMs
        self.sigma = sigma
        let shift = UInt64(53 - Self.tableBits)
        // The uniforms where `standardNormal` switches between its central and tail
        // formulas; the buckets holding them are always computed.
        let seams: [UInt64] = [
            UInt64(0.02425 * 0x1p53) >> shift, UInt64((1 - 0.02425) * 0x1p53) >> shift,
        ]
        func milliseconds(_ bits: UInt64) -> Int64 {
            LatencyModel.logNormalMs(medianMs: medianMs, sigma: sigma, bits: bits)
        }
        let count = 1 << Self.tableBits
        var table = [UInt16](repeating: .max, count: count)
        // A bucket's last uniform lies between its first and the next bucket's first, and
        // the draw does not decrease: when those two give the same milliseconds, so does
        // the last. Each first is computed once (the previous bucket's "next"), and a
        // last only where the value moves, at a seam, or at the end: about 18,000 draws
        // instead of 32,768, and the table is built inside a run, when agents subscribe.
        var low = milliseconds(0)
        for bucket in 0..<count {
            let last = (UInt64(bucket) << shift) + (1 << shift) - 1
            let next = bucket + 1 < count ? milliseconds(last + 1) : nil
            defer { if let next { low = next } }
            guard !seams.contains(UInt64(bucket)) else { continue }
            let high =
                next == low && !seams.contains(UInt64(bucket + 1)) ? low : milliseconds(last)
            if low == high && low < Int64(UInt16.max) {
                table[bucket] = UInt16(low)
            }
        }
        self.table = table
    }

    /// One delay drawn from `random`: the same value, and the same randomness consumed, as
    /// `model.draw(using:)`.
    @inlinable
    public func draw(using random: inout RandomStream) -> SimTime {
        guard !table.isEmpty else { return model.draw(using: &random) }
        let bits = random.next() >> 11
        let value = table[Int(truncatingIfNeeded: bits >> UInt64(53 - Self.tableBits))]
        if value != .max {
            return .milliseconds(Int64(value))
        }
        return .milliseconds(
            LatencyModel.logNormalMs(medianMs: medianMs, sigma: sigma, bits: bits))
    }

    /// A sampler for `model` from `cache` (built and added when missing), so agents with
    /// the same model share one table. O(distinct models).
    ///
    /// See also `LatencySamplers`, the same cache as an object a world's wiring hands to
    /// each agent it builds.
    public static func shared(_ model: LatencyModel, in cache: inout [LatencySampler])
        -> LatencySampler
    {
        if let found = cache.first(where: { $0.model == model }) {
            return found
        }
        let sampler = LatencySampler(model)
        cache.append(sampler)
        return sampler
    }
}

/// One world's latency samplers by model, for its wiring: every agent with the same model
/// gets the same table (`LatencySampler.shared`) instead of building its own. A Black
/// Thursday world has two dozen agents and a handful of distinct models; building a table
/// each was 3% of a sweep run.
public final class LatencySamplers {
    private var built: [LatencySampler] = []

    public init() {}

    /// The sampler for `model`, built on first use.
    public func sampler(_ model: LatencyModel) -> LatencySampler {
        LatencySampler.shared(model, in: &built)
    }
}

extension Optional where Wrapped == LatencySamplers {
    /// The cache's sampler for `model`, or a new one when there is no cache.
    func sampler(_ model: LatencyModel) -> LatencySampler {
        self?.sampler(model) ?? LatencySampler(model)
    }
}
