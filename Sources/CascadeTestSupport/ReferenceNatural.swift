import CascadeCore

/// An arbitrary-precision natural number on 32-bit digits: the naive reference model that
/// `UInt256` is tested against.
///
/// Every operation is the schoolbook one (division is bit-by-bit restoring division), chosen
/// to be obviously right rather than fast: the point is that it shares no code and no
/// algorithm with `UInt256`'s limb arithmetic.
public struct ReferenceNatural: Equatable, Comparable, Sendable, CustomStringConvertible {
    /// Little-endian base-2^32 digits with no high zero digits (zero is `[]`).
    public private(set) var digits: [UInt32]

    public init(digits: [UInt32]) {
        self.digits = digits
        normalize()
    }

    public init(_ value: UInt256) {
        var words: [UInt32] = []
        for half in [value.low, value.high] {
            for index in 0..<4 {
                words.append(UInt32(truncatingIfNeeded: half >> (32 * index)))
            }
        }
        self.init(digits: words)
    }

    public init(_ value: UInt64) {
        self.init(digits: [UInt32(truncatingIfNeeded: value), UInt32(value >> 32)])
    }

    public static let zero = ReferenceNatural(digits: [])

    public var isZero: Bool { digits.isEmpty }

    public var bitLength: Int {
        guard let top = digits.last else { return 0 }
        return 32 * (digits.count - 1) + 32 - top.leadingZeroBitCount
    }

    /// The value as a `UInt256`, or nil if it needs more than 256 bits.
    public var uint256Value: UInt256? {
        guard digits.count <= 8 else { return nil }
        var low: UInt128 = 0
        var high: UInt128 = 0
        for (index, digit) in digits.enumerated() {
            if index < 4 {
                low |= UInt128(digit) << (32 * index)
            } else {
                high |= UInt128(digit) << (32 * (index - 4))
            }
        }
        return UInt256(high: high, low: low)
    }

    /// The value modulo 2^256.
    public var truncatedTo256: UInt256 {
        ReferenceNatural(digits: Array(digits.prefix(8))).uint256Value ?? .zero
    }

    public func bit(_ index: Int) -> Bool {
        let digit = index / 32
        return digit < digits.count && (digits[digit] >> UInt32(index % 32)) & 1 == 1
    }

    private mutating func normalize() {
        while digits.last == 0 { digits.removeLast() }
    }

    public static func < (lhs: ReferenceNatural, rhs: ReferenceNatural) -> Bool {
        if lhs.digits.count != rhs.digits.count { return lhs.digits.count < rhs.digits.count }
        for index in stride(from: lhs.digits.count - 1, through: 0, by: -1)
        where lhs.digits[index] != rhs.digits[index] {
            return lhs.digits[index] < rhs.digits[index]
        }
        return false
    }

    public static func + (lhs: ReferenceNatural, rhs: ReferenceNatural) -> ReferenceNatural {
        var result: [UInt32] = []
        var carry: UInt64 = 0
        for index in 0..<max(lhs.digits.count, rhs.digits.count) {
            let a = index < lhs.digits.count ? UInt64(lhs.digits[index]) : 0
            let b = index < rhs.digits.count ? UInt64(rhs.digits[index]) : 0
            let sum = a + b + carry
            result.append(UInt32(truncatingIfNeeded: sum))
            carry = sum >> 32
        }
        result.append(UInt32(carry))
        return ReferenceNatural(digits: result)
    }

    /// Difference; nil if `rhs > lhs`.
    public static func - (lhs: ReferenceNatural, rhs: ReferenceNatural) -> ReferenceNatural? {
        guard !(lhs < rhs) else { return nil }
        var result: [UInt32] = []
        var borrow: Int64 = 0
        for index in 0..<lhs.digits.count {
            let b = index < rhs.digits.count ? Int64(rhs.digits[index]) : 0
            var difference = Int64(lhs.digits[index]) - b - borrow
            borrow = 0
            if difference < 0 {
                difference += 1 << 32
                borrow = 1
            }
            result.append(UInt32(difference))
        }
        return ReferenceNatural(digits: result)
    }

    public static func * (lhs: ReferenceNatural, rhs: ReferenceNatural) -> ReferenceNatural {
        if lhs.isZero || rhs.isZero { return .zero }
        var result = [UInt32](repeating: 0, count: lhs.digits.count + rhs.digits.count + 1)
        for i in 0..<lhs.digits.count {
            var carry: UInt64 = 0
            for j in 0..<rhs.digits.count {
                let current =
                    UInt64(result[i + j]) + UInt64(lhs.digits[i]) * UInt64(rhs.digits[j]) + carry
                result[i + j] = UInt32(truncatingIfNeeded: current)
                carry = current >> 32
            }
            var k = i + rhs.digits.count
            while carry > 0 {
                let current = UInt64(result[k]) + carry
                result[k] = UInt32(truncatingIfNeeded: current)
                carry = current >> 32
                k += 1
            }
        }
        return ReferenceNatural(digits: result)
    }

    /// Shifts left by one bit and sets the lowest bit to `bit`.
    private func doubled(plus bit: Bool) -> ReferenceNatural {
        var result: [UInt32] = []
        var carry: UInt32 = bit ? 1 : 0
        for digit in digits {
            result.append(digit << 1 | carry)
            carry = digit >> 31
        }
        result.append(carry)
        return ReferenceNatural(digits: result)
    }

    /// Restoring binary long division; nil if the divisor is zero.
    public func quotientAndRemainder(dividingBy divisor: ReferenceNatural) -> (
        quotient: ReferenceNatural, remainder: ReferenceNatural
    )? {
        guard !divisor.isZero else { return nil }
        var quotientBits = [UInt32](repeating: 0, count: digits.count)
        var remainder = ReferenceNatural.zero
        for index in stride(from: bitLength - 1, through: 0, by: -1) {
            remainder = remainder.doubled(plus: bit(index))
            if !(remainder < divisor), let reduced = remainder - divisor {
                remainder = reduced
                quotientBits[index / 32] |= 1 << UInt32(index % 32)
            }
        }
        return (ReferenceNatural(digits: quotientBits), remainder)
    }

    /// Quotient and remainder; traps if the divisor is zero (a bug in the test).
    public func divided(by divisor: ReferenceNatural) -> (
        quotient: ReferenceNatural, remainder: ReferenceNatural
    ) {
        guard let result = quotientAndRemainder(dividingBy: divisor) else {
            preconditionFailure("ReferenceNatural division by zero")
        }
        return result
    }

    /// Decimal digits by repeated short division by ten.
    public var description: String {
        if isZero { return "0" }
        var text: [Character] = []
        var rest = digits
        while !rest.isEmpty {
            var remainder: UInt64 = 0
            for index in stride(from: rest.count - 1, through: 0, by: -1) {
                let current = remainder << 32 | UInt64(rest[index])
                rest[index] = UInt32(current / 10)
                remainder = current % 10
            }
            text.append(Character(String(remainder)))
            while rest.last == 0 { rest.removeLast() }
        }
        return String(text.reversed())
    }

    /// ⌊√self⌋ by bisection.
    public func squareRoot() -> ReferenceNatural {
        var low = ReferenceNatural.zero
        var high = ReferenceNatural(digits: [0, 0, 0, 0, 0, 0, 0, 0, 1])
        // Invariant: low² ≤ self < high².
        let one = ReferenceNatural(1 as UInt64)
        while let gap = high - low, one < gap {
            let middle =
                (low + high).quotientAndRemainder(dividingBy: ReferenceNatural(2 as UInt64))?
                .quotient ?? low
            if self < middle * middle {
                high = middle
            } else {
                low = middle
            }
        }
        return low
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator for test operands.
///
/// Tests print the seed with every failure, so any case can be replayed.
public struct OperandGenerator: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (slightly biased for huge bounds; fine for test operands).
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        return next() % bound
    }

    /// A 256-bit operand of a random bit length, so small, medium and full-width values
    /// (and carries across every limb) all appear often; one draw in eight is an edge value.
    public mutating func nextUInt256() -> UInt256 {
        if next(below: 8) == 0 {
            let edges: [UInt256] = [
                .zero, .one, .max, UInt256(high: 1, low: 0), UInt256(high: 0, low: .max),
                UInt256(high: .max, low: 0), UInt256(UInt64.max), UInt256(high: 1, low: 1),
                UInt256.max >> 1, UInt256(high: UInt128(1) << 127, low: 0),
            ]
            return edges[Int(next(below: UInt64(edges.count)))]
        }
        let full = UInt256(
            high: UInt128(next()) << 64 | UInt128(next()),
            low: UInt128(next()) << 64 | UInt128(next()))
        let bits = Int(next(below: 257))
        return bits == 0 ? .zero : full >> (256 - bits)
    }
}
