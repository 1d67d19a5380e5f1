import CascadeCore

/// An exact decimal number: `digits × 10^exponent`, with a sign, never rounded.
///
/// World files give amounts as decimals (`"0.000000000000000001"`, `1500000.25`,
/// `123456789012345678901234567890.000000000000000001`); contracts need them as integers in
/// base units (wei, WAD, RAY). Passing through `Double` would silently round, so this type
/// keeps the decimal digits as text and converts exactly, or fails saying why:
///
///     let amount = ExactDecimal("1.5")!            // digits "15", exponent -1
///     try amount.baseUnits(scale: 18)              // 1_500_000_000_000_000_000 as UInt128
///     try amount.baseUnitDigits(scale: 45)         // "1500...0" (46 digits), any size
///     amount.approximateDouble                     // 1.5, only when asked for
///
/// The form is normalised (no leading zeros, trailing zeros moved into the exponent, zero
/// is never negative), so `1.50`, `1.5` and `15e-1` are equal and hash alike.
public struct ExactDecimal: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Whether the value is below zero (never true for zero).
    public let isNegative: Bool
    /// The significant digits, without leading or trailing zeros; `"0"` for zero.
    public let digits: String
    /// The power of ten the digits are multiplied by.
    public let exponent: Int

    /// The largest exponent magnitude accepted, so `1e999999999` cannot make a huge string.
    public static let maxExponentMagnitude = 10_000

    /// Why a decimal could not become an integer of the requested kind.
    public enum ConversionError: Error, Hashable, Sendable {
        /// The value is below zero and the target is unsigned.
        case negative
        /// The value has more decimal places than the scale keeps (`0.5` at scale 0).
        case tooManyDecimals(scale: Int)
        /// The result does not fit the target type.
        case overflow
    }

    /// Creates a decimal from its parts, normalising them.
    public init(isNegative: Bool, digits: String, exponent: Int) {
        var bytes = Array(digits.utf8.drop { $0 == UInt8(ascii: "0") })
        var exponent = exponent
        while let last = bytes.last, last == UInt8(ascii: "0") {
            bytes.removeLast()
            exponent += 1
        }
        if bytes.isEmpty {
            self.isNegative = false
            self.digits = "0"
            self.exponent = 0
        } else {
            self.isNegative = isNegative
            self.digits = String(decoding: bytes, as: UTF8.self)
            self.exponent = exponent
        }
    }

    /// The integer `value` exactly.
    public init(_ value: Int) {
        self.init(
            isNegative: value < 0, digits: String(value.magnitude), exponent: 0)
    }

    /// `units / 10^scale` exactly: base units back to a human amount.
    public init(units: UInt128, scale: Int) {
        self.init(isNegative: false, digits: String(units), exponent: -scale)
    }

    /// Parses a decimal written as a JSON number (`-12.5`, `1e6`, `0.000001`); nil for
    /// anything else (signs other than a leading `-`, separators, spaces, `.5`, `NaN`) or an
    /// exponent beyond ±`maxExponentMagnitude`. Leading zeros are tolerated here, since
    /// strings in world files are not JSON numbers; the JSON parser rejects them itself.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var digits: [UInt8] = []
        let integerStart = index
        while index < bytes.count, isASCIIDigit(bytes[index]) {
            digits.append(bytes[index])
            index += 1
        }
        guard index > integerStart else { return nil }
        var exponent = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, isASCIIDigit(bytes[index]) {
                digits.append(bytes[index])
                index += 1
            }
            guard index > fractionStart else { return nil }
            exponent = -(index - fractionStart)
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < bytes.count,
                bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
            {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let start = index
            var written = 0
            while index < bytes.count, isASCIIDigit(bytes[index]) {
                written = written * 10 + Int(bytes[index] - 48)
                index += 1
                guard written <= ExactDecimal.maxExponentMagnitude else { return nil }
            }
            guard index > start else { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard index == bytes.count else { return nil }
        self.init(
            isNegative: negative, digits: String(decoding: digits, as: UTF8.self),
            exponent: exponent)
        guard abs(self.exponent) <= ExactDecimal.maxExponentMagnitude else { return nil }
    }

    /// Zero.
    public static let zero = ExactDecimal(0)

    /// Whether the value is zero.
    public var isZero: Bool { digits == "0" }

    /// Whether the value is a whole number.
    public var isInteger: Bool { exponent >= 0 }

    /// The number of decimal places needed to write the value (0 for whole numbers).
    public var scale: Int { max(0, -exponent) }

    /// The value written out in plain decimal, never with an exponent: `-0.005`, `1500`.
    public var description: String {
        var text = isNegative ? "-" : ""
        if exponent >= 0 {
            text += digits + String(repeating: "0", count: exponent)
        } else if -exponent >= digits.count {
            text += "0." + String(repeating: "0", count: -exponent - digits.count) + digits
        } else {
            let split = digits.index(digits.endIndex, offsetBy: exponent)
            text += digits[..<split] + "." + digits[split...]
        }
        return text
    }

    /// The value times 10^`power`, exactly (`150` shifted by −2 is `1.5`).
    public func shifted(by power: Int) -> ExactDecimal {
        ExactDecimal(isNegative: isNegative, digits: digits, exponent: exponent + power)
    }

    /// The negated value.
    public var negated: ExactDecimal {
        ExactDecimal(isNegative: !isNegative, digits: digits, exponent: exponent)
    }

    /// The nearest `Double`, for off-chain parameters only (volatilities, rates): this
    /// rounds, so on-chain amounts must use the base-unit conversions instead.
    public var approximateDouble: Double {
        let magnitude = Double("\(digits)e\(exponent)") ?? .infinity
        return isNegative ? -magnitude : magnitude
    }

    /// `value × multiplier × 10^scale` as an exact unsigned 256-bit integer.
    ///
    /// Fails if the value is negative, if the result would not be whole (more decimal places
    /// than `scale` keeps) or if it exceeds 2^256 − 1.
    public func scaledInteger(
        scale: Int, multiplier: UInt256 = .one
    ) throws(ConversionError) -> UInt256 {
        if isZero { return .zero }
        if isNegative { throw .negative }
        let power = exponent + scale
        // A 256-bit integer has at most 78 digits; checking lengths first keeps powerOfTen
        // in range and rejects absurd inputs without arithmetic.
        guard digits.count <= 78, digits.count + power <= 78 + 20,
            let significand = UInt256(digits)
        else {
            throw power < 0 ? .tooManyDecimals(scale: scale) : .overflow
        }
        // Multiply first, so a multiplier can absorb decimals (1.5 h is 5 400 000 ms).
        let (product, overflow) = significand.multipliedReportingOverflow(by: multiplier)
        if overflow { throw .overflow }
        if power < 0 {
            guard -power <= 77 else { throw .tooManyDecimals(scale: scale) }
            let (quotient, remainder) = product.quotientAndRemainder(
                dividingBy: UInt256.powerOfTen(-power))
            guard remainder.isZero else { throw .tooManyDecimals(scale: scale) }
            return quotient
        }
        guard power <= 77 else { throw .overflow }
        let (result, overflow2) = product.multipliedReportingOverflow(
            by: UInt256.powerOfTen(power))
        if overflow2 { throw .overflow }
        return result
    }

    /// The value in base units at `scale` decimals (`1.5` at 18 is 1.5e18), as `UInt128`
    /// (the width of token balances). Exact or an error; never rounded.
    public func baseUnits(scale: Int) throws(ConversionError) -> UInt128 {
        guard let value = try scaledInteger(scale: scale).uint128Value else { throw .overflow }
        return value
    }

    /// The value in base units at `scale` decimals, as a 256-bit integer (RAD = 10^45 base
    /// units need more than 128 bits).
    public func baseUnits256(scale: Int) throws(ConversionError) -> UInt256 {
        try scaledInteger(scale: scale)
    }

    /// The value in base units at `scale` decimals as a digit string of any length, with a
    /// leading `-` when negative. Fails only when the value has more decimals than `scale`.
    public func baseUnitDigits(scale: Int) throws(ConversionError) -> String {
        if isZero { return "0" }
        let power = exponent + scale
        if power < 0 { throw .tooManyDecimals(scale: scale) }
        return (isNegative ? "-" : "") + digits + String(repeating: "0", count: power)
    }

    /// The value as an integer of type `T`, when it is whole and fits.
    public func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        guard isInteger, digits.count + exponent <= 40 else { return nil }
        let text = (isNegative ? "-" : "") + digits + String(repeating: "0", count: exponent)
        return T(text)
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let magnitudeLess = lhs.magnitudeCompare(rhs) < 0
        let magnitudeGreater = lhs.magnitudeCompare(rhs) > 0
        return lhs.isNegative ? magnitudeGreater : magnitudeLess
    }

    /// −1, 0 or 1 as |self| is below, equal to or above |other|.
    private func magnitudeCompare(_ other: ExactDecimal) -> Int {
        if isZero || other.isZero {
            return isZero ? (other.isZero ? 0 : -1) : 1
        }
        // The position of the leading digit decides, then the digits themselves.
        let lead = digits.count + exponent
        let otherLead = other.digits.count + other.exponent
        if lead != otherLead { return lead < otherLead ? -1 : 1 }
        let a = Array(digits.utf8)
        let b = Array(other.digits.utf8)
        for offset in 0..<max(a.count, b.count) {
            let x = offset < a.count ? a[offset] : UInt8(ascii: "0")
            let y = offset < b.count ? b[offset] : UInt8(ascii: "0")
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}

/// Whether `byte` is an ASCII decimal digit.
func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
