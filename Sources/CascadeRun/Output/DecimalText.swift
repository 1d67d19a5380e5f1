/// An exact decimal as text: a fixed-point integer in base units shown in human units
/// (5670000.25e18 wei at scale 18 is `5670000.25`).
///
/// The text is canonical: no exponent, no leading `+`, no leading zeros before the point
/// (beyond a single `0`), trailing fractional zeros trimmed (`2`, not `2.000`), and no
/// `-0`. The same value therefore always prints the same, which keeps outputs
/// byte-identical. It never passes through `Double`.
///
/// Values from `UInt128`/`Int128` are formatted here; wider types (`UInt256`) format
/// themselves and come in through `init?(text:)`, which checks the syntax and canonicalises.
package struct DecimalText: Hashable, Sendable, CustomStringConvertible {
    /// The canonical decimal text.
    package let text: String

    package var description: String { text }

    /// `baseUnits / 10^scale`. `scale` is in 0...77 (77 covers any 256-bit value).
    package init(_ baseUnits: UInt128, scale: Int) {
        self.text = DecimalText.format(magnitude: baseUnits, negative: false, scale: scale)
    }

    /// `baseUnits / 10^scale`, signed (a balance that went below zero, a loss).
    package init(signed baseUnits: Int128, scale: Int) {
        self.text = DecimalText.format(
            magnitude: baseUnits.magnitude, negative: baseUnits < 0, scale: scale)
    }

    /// An integer, for counts and base units written plainly.
    package init(_ integer: Int) {
        self.init(signed: Int128(integer), scale: 0)
    }

    /// Decimal text made elsewhere (`UInt256.decimalString(scale:)`): an optional `-`, digits,
    /// and optionally `.` and digits. Nil for anything else (exponents, spaces, `+`, `.5`).
    /// The text is canonicalised: `007.50` becomes `7.5`, `-0.0` becomes `0`.
    package init?(text: String) {
        var bytes = Array(text.utf8)
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes.removeFirst() }
        let point = bytes.firstIndex(of: UInt8(ascii: "."))
        var integer = Array(bytes[..<(point ?? bytes.endIndex)])
        var fraction = point.map { Array(bytes[bytes.index(after: $0)...]) } ?? []
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard !integer.isEmpty, integer.allSatisfy(isDigit), fraction.allSatisfy(isDigit),
            point == nil || !fraction.isEmpty
        else { return nil }
        while integer.count > 1 && integer.first == UInt8(ascii: "0") { integer.removeFirst() }
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        let isZero = integer == [UInt8(ascii: "0")] && fraction.isEmpty
        var canonical = negative && !isZero ? "-" : ""
        canonical += String(decoding: integer, as: UTF8.self)
        if !fraction.isEmpty { canonical += "." + String(decoding: fraction, as: UTF8.self) }
        self.text = canonical
    }

    /// Decimal digits of `magnitude`, the point inserted `scale` digits from the right, the
    /// trailing fractional zeros trimmed.
    ///
    /// Digits come out 19 at a time (10^19 < 2^64), so a 39-digit value costs three
    /// 128-bit divisions.
    static func format(magnitude: UInt128, negative: Bool, scale: Int) -> String {
        precondition(scale >= 0 && scale <= 77, "decimal scale out of range")
        var digits = decimalDigits(magnitude)
        if digits.count <= scale {
            digits.insert(
                contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count + 1),
                at: 0)
        }
        let pointIndex = digits.count - scale
        var fraction = digits[pointIndex...]
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        var text = negative && magnitude != 0 ? "-" : ""
        text += String(decoding: digits[..<pointIndex], as: UTF8.self)
        if !fraction.isEmpty { text += "." + String(decoding: fraction, as: UTF8.self) }
        return text
    }

    /// The ASCII digits of `value`, most significant first, no leading zeros (`0` for zero).
    static func decimalDigits(_ value: UInt128) -> [UInt8] {
        let chunk: UInt128 = 10_000_000_000_000_000_000  // 10^19
        var rest = value
        var chunks: [UInt64] = []
        repeat {
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: chunk)
            chunks.append(UInt64(remainder))
            rest = quotient
        } while rest != 0
        var digits: [UInt8] = []
        digits.reserveCapacity(chunks.count * 19)
        for (index, part) in chunks.reversed().enumerated() {
            var partDigits = Array(String(part).utf8)
            if index > 0 {
                partDigits.insert(
                    contentsOf: repeatElement(UInt8(ascii: "0"), count: 19 - partDigits.count),
                    at: 0)
            }
            digits.append(contentsOf: partDigits)
        }
        return digits
    }
}
