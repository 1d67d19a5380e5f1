import CascadeCore

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

    /// `value / 10^scale` for a 256-bit value (a RAD amount at scale 45), negated when
    /// `negative` (a deficit).
    package init(_ value: UInt256, scale: Int, negative: Bool = false) {
        precondition(scale >= 0 && scale <= 77, "decimal scale out of range")
        let digits = value.decimalString(scale: scale)
        self.text = negative && !value.isZero ? "-" + digits : digits
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

    /// `magnitude / 10^scale` with a sign; the digits come from the core's exact formatter
    /// (`UInt128.decimalString(scale:)`), which trims trailing fractional zeros.
    static func format(magnitude: UInt128, negative: Bool, scale: Int) -> String {
        precondition(scale >= 0 && scale <= 77, "decimal scale out of range")
        let digits = magnitude.decimalString(scale: scale)
        return negative && magnitude != 0 ? "-" + digits : digits
    }
}
