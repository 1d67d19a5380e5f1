// Exact decimal text for 256- and 128-bit integers: outputs write base units exactly
// (JSON strings in traces) and human units as exact decimals ("5670000.25" DAI), and world
// files give amounts as decimals that must never pass through `Double`.

extension UInt256 {
    /// 10^0 ... 10^77, every power of ten below 2^256.
    @usableFromInline
    internal static let powersOfTen: [UInt256] = {
        var powers: [UInt256] = [.one]
        for _ in 1...77 {
            powers.append(powers[powers.count - 1] * UInt256(10 as UInt64))
        }
        return powers
    }()

    /// 10^`exponent`, for 0 ≤ exponent ≤ 77 (the largest power of ten below 2^256).
    public static func powerOfTen(_ exponent: Int) -> UInt256 {
        precondition(exponent >= 0 && exponent <= 77, "10^\(exponent) does not fit in UInt256")
        return powersOfTen[exponent]
    }
}

extension UInt256: CustomStringConvertible {
    /// The exact value in decimal digits, without separators.
    public var description: String {
        if high == 0 { return String(low) }
        // Split into base-10^38 chunks: 10^38 is the largest power of ten below 2^128, so
        // each division takes the fast 128-bit-divisor path.
        let chunkBase = UInt256.powersOfTen[38]
        var rest = self
        var chunks: [UInt128] = []
        while rest.high != 0 {
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: chunkBase)
            chunks.append(remainder.low)
            rest = quotient
        }
        var text = String(rest.low)
        for chunk in chunks.reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 38 - digits.count) + digits
        }
        return text
    }
}

extension UInt256: LosslessStringConvertible {
    /// Parses a string of decimal digits (`"1000000000000000000"`).
    ///
    /// Returns nil for an empty string, any character other than `0`-`9` (signs, spaces,
    /// separators, exponents) or a value above 2^256 − 1.
    public init?(_ decimal: String) {
        guard let value = UInt256.parseDigits(decimal.utf8[...]) else { return nil }
        self = value
    }

    /// Parses the exact decimal `decimal` scaled by 10^`scale`: `"1.5"` at scale 18 is
    /// 1.5e18 (one and a half tokens of 18 decimals, in base units).
    ///
    /// Accepts digits with at most one `.` that has digits on both sides (`"12"`, `"0.25"`).
    /// Returns nil for an empty string, signs, exponents, separators, more fractional digits
    /// than `scale` (the amount would not be a whole number of base units) or overflow.
    /// `scale` must be in 0...77.
    public init?(decimal: String, scale: Int) {
        precondition(scale >= 0 && scale <= 77, "decimal scale out of range")
        let bytes = decimal.utf8
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        let integerPart = bytes[bytes.startIndex..<(dot ?? bytes.endIndex)]
        guard let integer = UInt256.parseDigits(integerPart) else { return nil }
        var fraction = UInt256.zero
        var fractionDigits = 0
        if let dot {
            let fractionPart = bytes[bytes.index(after: dot)..<bytes.endIndex]
            fractionDigits = fractionPart.count
            guard fractionDigits <= scale, let parsed = UInt256.parseDigits(fractionPart) else {
                return nil
            }
            fraction = parsed
        }
        let (scaledInteger, overflow1) = integer.multipliedReportingOverflow(
            by: UInt256.powersOfTen[scale])
        let (scaledFraction, overflow2) = fraction.multipliedReportingOverflow(
            by: UInt256.powersOfTen[scale - fractionDigits])
        let (sum, overflow3) = scaledInteger.addingReportingOverflow(scaledFraction)
        guard !overflow1, !overflow2, !overflow3 else { return nil }
        self = sum
    }

    /// The value divided by 10^`scale`, as an exact decimal: 5670000.25e18 at scale 18 is
    /// `"5670000.25"`. Trailing fractional zeros are trimmed (`"2"`, not `"2.000"`); there
    /// is never an exponent. `scale` must be in 0...77.
    public func decimalString(scale: Int) -> String {
        precondition(scale >= 0 && scale <= 77, "decimal scale out of range")
        if scale == 0 { return description }
        let (integer, fraction) = quotientAndRemainder(dividingBy: UInt256.powersOfTen[scale])
        if fraction.isZero { return integer.description }
        var digits = Array(fraction.description.utf8)
        digits.insert(
            contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count), at: 0)
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        return integer.description + "." + String(decoding: digits, as: UTF8.self)
    }

    /// Parses a non-empty run of ASCII digits; nil on any other byte or on overflow.
    ///
    /// Digits are taken 19 at a time (10^19 < 2^64), so a 78-digit number costs five
    /// multiply-adds rather than 78.
    private static func parseDigits(_ bytes: Substring.UTF8View) -> UInt256? {
        guard !bytes.isEmpty else { return nil }
        var value = UInt256.zero
        var chunk: UInt64 = 0
        var chunkDigits = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            chunk = chunk * 10 + UInt64(byte - UInt8(ascii: "0"))
            chunkDigits += 1
            if chunkDigits == 19 {
                guard let next = value.appendingDigits(chunk, count: chunkDigits) else {
                    return nil
                }
                value = next
                chunk = 0
                chunkDigits = 0
            }
        }
        if chunkDigits > 0 {
            return value.appendingDigits(chunk, count: chunkDigits)
        }
        return value
    }

    /// `self · 10^count + digits`, or nil on overflow.
    private func appendingDigits(_ digits: UInt64, count: Int) -> UInt256? {
        let (shifted, overflow1) = multipliedReportingOverflow(by: UInt256.powersOfTen[count])
        let (sum, overflow2) = shifted.addingReportingOverflow(UInt256(digits))
        return overflow1 || overflow2 ? nil : sum
    }
}

extension UInt128 {
    /// The value divided by 10^`scale`, as an exact decimal with trailing zeros trimmed
    /// (`"5670000.25"`); see `UInt256.decimalString(scale:)`.
    public func decimalString(scale: Int) -> String {
        UInt256(self).decimalString(scale: scale)
    }

    /// Parses an exact decimal scaled by 10^`scale` (`"1.5"` at scale 18 is 1.5e18); nil on
    /// malformed text, excess fractional digits or a value above `UInt128.max`. See
    /// `UInt256.init?(decimal:scale:)`.
    public init?(decimal: String, scale: Int) {
        guard let wide = UInt256(decimal: decimal, scale: scale), let value = wide.uint128Value
        else { return nil }
        self = value
    }
}
