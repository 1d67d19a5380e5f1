import CascadeCore

/// The readable unit formats of world files, parsed exactly.
///
/// Each function takes the text of a JSON string and returns the value in integer base
/// units, or a message saying what is wrong (the reader adds file, path and position).
/// Numbers are plain decimals (`13.2`, `0.5`, no exponent); a single space between number
/// and unit is allowed (`"200 gwei"`, `"200gwei"`); units are lower case.
///
/// | kind | units | example | result |
/// |---|---|---|---|
/// | duration | `ms`, `s`, `m`, `h`, `d` | `"13.2s"`, `"1.5h"` | 13 200, 5 400 000 ms |
/// | percentage | `%` | `"150%"`, `"0.5%"` | 1.5, 0.005 (a fraction) |
/// | gas price / ETH amount | `wei`, `gwei`, `ether` | `"1.5 gwei"` | 1 500 000 000 wei |
public enum UnitFormats {
    /// Duration units and their length in milliseconds, in the order messages list them.
    public static let durationUnits: [(unit: String, milliseconds: UInt64)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Ether units and their size in wei as a power of ten.
    public static let etherUnits: [(unit: String, decimals: Int)] = [
        ("wei", 0), ("gwei", 9), ("ether", 18),
    ]

    /// Parses a duration (`"13.2s"`, `"600ms"`, `"10m"`, `"1h"`, `"3d"`) into whole
    /// milliseconds. Rejects negatives, a missing or unknown unit, sub-millisecond
    /// remainders (`"1.0005s"`) and durations beyond `Int64.max` milliseconds.
    public static func durationMilliseconds(_ text: String) -> Result<Int64, UnitFormatError> {
        let example = "a duration like \"13.2s\" (units: ms, s, m, h, d)"
        let quantity: Quantity
        switch split(text, expected: example) {
        case .success(let parsed): quantity = parsed
        case .failure(let error): return .failure(error)
        }
        if quantity.number.isNegative {
            return fail("durations cannot be negative, found \(quoted(text))")
        }
        guard let unit = durationUnits.first(where: { $0.unit == quantity.unit }) else {
            return fail(unitMessage(quantity, text, units: durationUnits.map(\.unit)))
        }
        do {
            let value = try quantity.number.scaledInteger(
                scale: 0, multiplier: UInt256(unit.milliseconds))
            guard let milliseconds = value.uint64Value, milliseconds <= UInt64(Int64.max) else {
                return fail("the duration \(quoted(text)) is too long")
            }
            return .success(Int64(milliseconds))
        } catch .tooManyDecimals {
            return fail("\(quoted(text)) is not a whole number of milliseconds")
        } catch {
            return fail("the duration \(quoted(text)) is too long")
        }
    }

    /// Parses a percentage (`"150%"`, `"0.5%"`) into the exact fraction it denotes (1.5,
    /// 0.005). Negative percentages (`"-30%"`, a price shock) only when `allowNegative`.
    public static func percentage(
        _ text: String, allowNegative: Bool = false
    ) -> Result<ExactDecimal, UnitFormatError> {
        let quantity: Quantity
        switch split(text, expected: "a percentage like \"150%\"") {
        case .success(let parsed): quantity = parsed
        case .failure(let error): return .failure(error)
        }
        guard quantity.unit == "%" else {
            return fail(unitMessage(quantity, text, units: ["%"]))
        }
        if quantity.number.isNegative && !allowNegative {
            return fail("a negative percentage is not allowed here, found \(quoted(text))")
        }
        return .success(quantity.number.shifted(by: -2))
    }

    /// Parses an amount of ether (`"200 gwei"`, `"12 wei"`, `"0.1 ether"`) into exact wei.
    /// Rejects negatives, fractions of a wei and amounts above 2^128 − 1 wei.
    public static func wei(_ text: String) -> Result<UInt128, UnitFormatError> {
        let example = "an amount like \"200 gwei\" (units: wei, gwei, ether)"
        let quantity: Quantity
        switch split(text, expected: example) {
        case .success(let parsed): quantity = parsed
        case .failure(let error): return .failure(error)
        }
        if quantity.number.isNegative {
            return fail("amounts of ether cannot be negative, found \(quoted(text))")
        }
        guard let unit = etherUnits.first(where: { $0.unit == quantity.unit }) else {
            return fail(unitMessage(quantity, text, units: etherUnits.map(\.unit)))
        }
        do {
            return .success(try quantity.number.baseUnits(scale: unit.decimals))
        } catch .tooManyDecimals {
            return fail("\(quoted(text)) is not a whole number of wei")
        } catch {
            return fail("\(quoted(text)) is more than 2^128 - 1 wei")
        }
    }

    // MARK: - Pieces

    /// A plain decimal followed by a unit.
    struct Quantity {
        var number: ExactDecimal
        var unit: String
    }

    /// Splits `"13.2s"` or `"200 gwei"` into a plain decimal and a unit.
    static func split(_ text: String, expected: String) -> Result<Quantity, UnitFormatError> {
        let bytes = Array(text.utf8)
        var end = 0
        if end < bytes.count, bytes[end] == UInt8(ascii: "-") { end += 1 }
        while end < bytes.count, isASCIIDigit(bytes[end]) || bytes[end] == UInt8(ascii: ".") {
            end += 1
        }
        let numberText = String(decoding: bytes[..<end], as: UTF8.self)
        guard let number = ExactDecimal(numberText), !numberText.contains("e") else {
            return fail("expected \(expected), found \(quoted(text))")
        }
        var unitStart = end
        if unitStart < bytes.count, bytes[unitStart] == UInt8(ascii: " ") { unitStart += 1 }
        let unit = String(decoding: bytes[unitStart...], as: UTF8.self)
        if unit.isEmpty {
            return fail("missing unit in \(quoted(text)); expected \(expected)")
        }
        return .success(Quantity(number: number, unit: unit))
    }

    static func unitMessage(_ quantity: Quantity, _ text: String, units: [String]) -> String {
        let list = units.map { "\"\($0)\"" }.joined(separator: ", ")
        return "unknown unit \(quoted(quantity.unit)) in \(quoted(text)); use one of \(list)"
    }

    static func quoted(_ text: String) -> String { JSONSerializer.quoted(text) }

    static func fail<T>(_ message: String) -> Result<T, UnitFormatError> {
        .failure(UnitFormatError(message: message))
    }
}

/// Why a unit string could not be read; the reader turns it into a located `WorldError`.
public struct UnitFormatError: Error, Hashable, Sendable {
    /// What is wrong, naming the text found.
    public var message: String
}
