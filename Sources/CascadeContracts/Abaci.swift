import CascadeCore

/// How a Dutch auction's price falls with time: the three calculators of dss `abaci.sol`,
/// which a Clipper consults on every `take` and `redo`.
///
/// Prices and `top` are RAY-scaled (dss keeps Clipper prices in RAY); `cut` is the factor
/// kept per step or per second, in RAY (0.99 RAY = a 1% drop), and must be at most one RAY.
/// Every curve returns exactly `top` at zero elapsed time and never increases.
///
/// ```swift
/// let curve = PriceCurve.stairstepExponentialDecrease(stepSeconds: 1, cut: .ray - .ray / 100)
/// curve.price(top: 5 * .ray, elapsedSeconds: 60)   // 2735783211953807380973706855
/// ```
public enum PriceCurve: Hashable, Sendable {
    /// Falls in a straight line from `top` to zero over `tauSeconds`, then stays at zero:
    /// `price = top · (tau − dur) / tau` (dss `LinearDecrease`).
    case linearDecrease(tauSeconds: UInt64)
    /// Multiplies the price by `cut` once every `stepSeconds` (dss
    /// `StairstepExponentialDecrease`): `price = top · cut^⌊dur / step⌋`.
    case stairstepExponentialDecrease(stepSeconds: UInt64, cut: UInt256)
    /// Multiplies the price by `cut` every second (dss `ExponentialDecrease`):
    /// `price = top · cut^dur`. A half-life of h seconds is `cut = 2^(−1/h)`.
    case exponentialDecrease(cut: UInt256)

    /// The price (RAY) `elapsedSeconds` after the auction started at `top` (RAY).
    ///
    /// Rounding follows dss exactly: `rmul` rounds down, `rpow` rounds half up at each step,
    /// and the linear curve divides `(tau − dur) · RAY` by `tau` before the `rmul`.
    /// Complexity: O(log elapsedSeconds) for the exponential curves, O(1) for the linear one.
    public func price(top: UInt256, elapsedSeconds: UInt64) -> UInt256 {
        switch self {
        case .linearDecrease(let tau):
            if elapsedSeconds >= tau { return .zero }
            let remaining = UInt256(tau - elapsedSeconds) * .ray / UInt256(tau)
            return rmul(top, remaining)
        case .stairstepExponentialDecrease(let step, let cut):
            precondition(step > 0, "StairstepExponentialDecrease: step must be positive")
            return rmul(top, rpow(cut, elapsedSeconds / step, .ray))
        case .exponentialDecrease(let cut):
            return rmul(top, rpow(cut, elapsedSeconds, .ray))
        }
    }

    /// Whether the parameters are ones dss would accept (`cut ≤ RAY`, positive `tau` or
    /// step); world validation calls this so a bad curve is an input error, not a trap.
    public var isValid: Bool {
        switch self {
        case .linearDecrease(let tau): tau > 0
        case .stairstepExponentialDecrease(let step, let cut): step > 0 && cut <= .ray
        case .exponentialDecrease(let cut): cut <= .ray
        }
    }
}

/// `rpow(cut, n, RAY)` of stairstep curves, remembered per step count: what a Clipper's
/// price needs on every `take` and `redo`, and a keeper's on every look.
///
/// **Why.** Under `stairstepExponentialDecrease` the price is `rmul(top, cut^⌊dur/step⌋)`,
/// and the factor depends only on the curve and the step count, so every auction of an
/// ilk shares a short list of them (a few dozen up to the Clipper's `tail`). Each `rpow`
/// is up to a dozen 256-bit multiply-and-divide rounds; from the list the price is one
/// `rmul`, the same operations in the same order as dss, so the same wei.
///
/// **Not state.** A memo holds only values that `rpow` gives: two memos are equal however
/// much they hold, so a contract keeping one compares and hashes by its state alone, and a
/// reverted call may leave a factor behind.
///
/// Complexity: O(curves) to find the curve's list (a world has one or two), then O(1) once
/// the factor is known; O(log n) to compute it the first time. Memory: at most `maxSteps`
/// factors per curve.
public struct StairstepFactors: Hashable, Sendable {
    /// Step counts past this are computed each time (an auction that old needs `redo`).
    public static let maxSteps: UInt64 = 4_096

    private struct Curve: Sendable {
        var step: UInt64
        var cut: UInt256
        /// `factors[n] = rpow(cut, n, RAY)`, or zero when not computed yet (a zero factor
        /// is recomputed each time, which gives the same zero).
        var factors: [UInt256] = []
    }

    private var curves: [Curve] = []

    public init() {}

    /// `rpow(cut, steps, RAY)`, from the memo when it holds it.
    public mutating func factor(step: UInt64, cut: UInt256, steps: UInt64) -> UInt256 {
        guard steps < Self.maxSteps else { return rpow(cut, steps, .ray) }
        let curve: Int
        if let found = curves.firstIndex(where: { $0.step == step && $0.cut == cut }) {
            curve = found
        } else {
            curves.append(Curve(step: step, cut: cut))
            curve = curves.count - 1
        }
        let index = Int(steps)
        if index < curves[curve].factors.count, !curves[curve].factors[index].isZero {
            return curves[curve].factors[index]
        }
        let value = rpow(cut, steps, .ray)
        if index >= curves[curve].factors.count {
            curves[curve].factors.append(
                contentsOf: repeatElement(.zero, count: index + 1 - curves[curve].factors.count))
        }
        curves[curve].factors[index] = value
        return value
    }

    /// The price (RAY) `elapsedSeconds` after a sale started at `top` under `curve`:
    /// `curve.price(top:elapsedSeconds:)`, with a stairstep curve's factor from the memo.
    public mutating func price(
        _ curve: PriceCurve, top: UInt256, elapsedSeconds: UInt64
    ) -> UInt256 {
        guard case .stairstepExponentialDecrease(let step, let cut) = curve, step > 0 else {
            return curve.price(top: top, elapsedSeconds: elapsedSeconds)
        }
        return rmul(top, factor(step: step, cut: cut, steps: elapsedSeconds / step))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}
