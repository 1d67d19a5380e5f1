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
