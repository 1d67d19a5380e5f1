/// A JSON value for Cascade's outputs, printed deterministically.
///
/// Numbers are kept as the text they will print as, never re-parsed: `integer` plainly,
/// `decimal` as canonical exact decimal text (`5670000.25`), `double` by
/// `OutputNumberFormat`. Integer base units (wei, WAD, RAY, RAD) go in as `baseUnits`,
/// which prints a JSON *string* of digits: JSON readers hold numbers as doubles, exact only
/// up to 2^53, and a string keeps every digit (INTERFACE.md).
///
/// Literals build values directly: `"tx"`, `42`, `true`, `[1, 2]`, `["p50": 3]`, `nil`.
package indirect enum OutputJSON: Hashable, Sendable {
    case null
    case boolean(Bool)
    /// A JSON number; within ±2^53 so every reader holds it exactly.
    case integer(Int)
    /// A JSON number with exact decimal text (human units in `summary.json`).
    case decimal(DecimalText)
    /// An off-chain measurement; non-finite values print as `null`.
    case double(Double)
    case string(String)
    case array([OutputJSON])
    case object(JSONObject)

    /// Integer base units as a JSON string of digits (`"1500000000000000000"`).
    package static func baseUnits(_ value: UInt128) -> OutputJSON {
        .string(DecimalText(value, scale: 0).text)
    }

    /// Signed base units as a JSON string (`"-12"`).
    package static func baseUnits(signed value: Int128) -> OutputJSON {
        .string(DecimalText(signed: value, scale: 0).text)
    }

    /// Base units of a wider type, formatted by it (`UInt256.description`): checked to be
    /// an integer, then written as a JSON string.
    package static func baseUnits(text: String) -> OutputJSON {
        guard let value = DecimalText(text: text), !value.text.contains(".") else {
            preconditionFailure("base units must be an integer: \(text)")
        }
        return .string(value.text)
    }

    /// `baseUnits / 10^scale` as a JSON number with exact decimal text.
    package static func decimal(_ baseUnits: UInt128, scale: Int) -> OutputJSON {
        .decimal(DecimalText(baseUnits, scale: scale))
    }

    /// The same value in a JSON file: `absent` is `null`, text a string.
    package init(_ value: OutputValue) {
        switch value {
        case .absent: self = .null
        case .integer(let integer): self = .integer(integer)
        case .unsigned(let integer): self = .decimal(DecimalText(UInt128(integer), scale: 0))
        case .decimal(let decimal): self = .decimal(decimal)
        case .double(let double): self = .double(double)
        case .text(let text): self = .string(text)
        case .boolean(let boolean): self = .boolean(boolean)
        }
    }
}

extension OutputJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral,
    ExpressibleByNilLiteral, ExpressibleByDictionaryLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .integer(value) }
    package init(booleanLiteral value: Bool) { self = .boolean(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(arrayLiteral elements: OutputJSON...) { self = .array(elements) }
    package init(nilLiteral: ()) { self = .null }
    /// An object literal; keys keep the order written.
    package init(dictionaryLiteral elements: (String, OutputJSON)...) {
        var object = JSONObject()
        for (key, value) in elements {
            object.append(key, value)
        }
        self = .object(object)
    }
}

/// A JSON object whose keys keep the order they were added in — never a `Dictionary`'s
/// order, which Swift seeds per process — so the same object always prints the same bytes.
///
/// ```swift
/// var line: JSONObject = ["block": 7, "time_ms": 92_400, "type": "bite"]
/// line["tab"] = .baseUnits(tab)
/// ```
///
/// Lookups are linear: objects here have tens of keys, not thousands.
package struct JSONObject: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    /// The members in order.
    package private(set) var members: [(key: String, value: OutputJSON)] = []

    package init() {}

    /// Keys in the order written. A repeated key is a programming error.
    package init(dictionaryLiteral elements: (String, OutputJSON)...) {
        for (key, value) in elements {
            append(key, value)
        }
    }

    package var isEmpty: Bool { members.isEmpty }

    /// Adds a new key at the end.
    package mutating func append(_ key: String, _ value: OutputJSON) {
        precondition(!members.contains { $0.key == key }, "key \(key) appears twice")
        members.append((key, value))
    }

    /// Reads a value; setting one replaces it in place, or appends a new key at the end.
    /// Setting nil removes the key.
    package subscript(key: String) -> OutputJSON? {
        get { members.first { $0.key == key }?.value }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let index?, let value?): members[index].value = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append((key, value))
            case (nil, nil): break
            }
        }
    }

    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for member in members {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}
