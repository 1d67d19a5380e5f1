/// Simulated time: an integer count of milliseconds since the world's start.
///
/// The same type serves as an instant and as a span (`now + .seconds(12)`), as the
/// milliseconds are what matter. No `Date`, no wall clock: a run's time is only this.
/// Arithmetic traps on overflow (2^63 ms is 292 million years, so only a bug gets there).
public struct SimTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the world's start (or the length of a span).
    public var milliseconds: Int64

    @inlinable
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public static let zero = SimTime(milliseconds: 0)

    @inlinable
    public static func milliseconds(_ value: Int64) -> SimTime {
        SimTime(milliseconds: value)
    }

    @inlinable
    public static func seconds(_ value: Int64) -> SimTime {
        SimTime(milliseconds: value * 1_000)
    }

    @inlinable
    public static func minutes(_ value: Int64) -> SimTime {
        SimTime(milliseconds: value * 60_000)
    }

    @inlinable
    public static func hours(_ value: Int64) -> SimTime {
        SimTime(milliseconds: value * 3_600_000)
    }

    @inlinable
    public static func days(_ value: Int64) -> SimTime {
        SimTime(milliseconds: value * 86_400_000)
    }

    /// Whole seconds, rounded down: what a block's `timestamp` shows.
    @inlinable
    public var wholeSeconds: Int64 { milliseconds / 1_000 }

    @inlinable
    public static func < (lhs: SimTime, rhs: SimTime) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    @inlinable
    public static func + (lhs: SimTime, rhs: SimTime) -> SimTime {
        SimTime(milliseconds: lhs.milliseconds + rhs.milliseconds)
    }

    @inlinable
    public static func - (lhs: SimTime, rhs: SimTime) -> SimTime {
        SimTime(milliseconds: lhs.milliseconds - rhs.milliseconds)
    }

    @inlinable
    public static func += (lhs: inout SimTime, rhs: SimTime) {
        lhs.milliseconds += rhs.milliseconds
    }

    /// Short text for people: `"6h"`, `"1h 30m"`, `"13.2s"`, `"250ms"` (exact, largest units
    /// first, zero parts left out).
    public var readable: String {
        guard milliseconds != 0 else { return "0s" }
        var rest = milliseconds.magnitude
        var parts: [String] = []
        for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)]
            as [(String, UInt64)]
        where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        if rest > 0 {
            if rest % 1_000 == 0 {
                parts.append("\(rest / 1_000)s")
            } else if rest < 1_000 {
                parts.append("\(rest)ms")
            } else {
                var fraction = String(rest % 1_000)
                fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
                while fraction.hasSuffix("0") { fraction.removeLast() }
                parts.append("\(rest / 1_000).\(fraction)s")
            }
        }
        return (milliseconds < 0 ? "-" : "") + parts.joined(separator: " ")
    }

    /// `"13.200s"`-style text, exact to the millisecond.
    public var description: String {
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        let fraction = String(magnitude % 1_000)
        let padded = String(repeating: "0", count: 3 - fraction.count) + fraction
        return "\(sign)\(magnitude / 1_000).\(padded)s"
    }
}
