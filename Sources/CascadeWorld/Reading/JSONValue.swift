/// A parsed JSON value that remembers where it came from.
///
/// Unlike `JSONSerialization` or `Codable`, this keeps what world files need for strict,
/// exact reading:
/// - **numbers as their literal text** (`"0.000000000000000001"`, `"1e6"`), never through
///   `Double`, so amounts stay exact and `ExactDecimal` reads them without loss;
/// - **object keys in file order**, duplicates rejected by the parser, so re-serialising
///   gives the same text and the world digest does not depend on hashing;
/// - **the origin** of each value (line and column, or the `--set` override that supplied
///   it), so every error can point at the culprit.
///
/// Equality compares content only: two values are equal when they hold the same kind, the
/// same literal text and the same members in the same order, wherever they came from.
public struct JSONValue: Sendable, Equatable, CustomStringConvertible {
    /// What the value holds.
    public indirect enum Content: Sendable, Equatable {
        case null
        case bool(Bool)
        /// A number's literal text exactly as written (`-12.50`, `1e6`).
        case number(String)
        case string(String)
        case array([JSONValue])
        case object([JSONMember])
    }

    /// What the value holds.
    public var content: Content
    /// Where the value came from.
    public var origin: ValueOrigin

    /// Creates a value; `origin` defaults to `.synthesized` for values built by code.
    public init(_ content: Content, origin: ValueOrigin = .synthesized) {
        self.content = content
        self.origin = origin
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.content == rhs.content
    }

    /// The compact canonical text (see `JSONSerializer`).
    public var description: String { JSONSerializer.canonicalText(self) }

    /// The member named `key`, if this is an object that has one.
    public func member(_ key: String) -> JSONMember? {
        guard case .object(let members) = content else { return nil }
        return members.first { $0.key == key }
    }

    /// A short description of the value for messages: `13.2`, `"abc"`, `true`, `null`,
    /// `an array`, `an object`. Long strings are cut to keep messages on one line.
    public var summary: String {
        switch content {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let literal):
            return literal.count > 40 ? String(literal.prefix(37)) + "..." : literal
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(37)) + "..." : text
            return JSONSerializer.quoted(shown)
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The same value with every origin in the tree replaced by `origin`.
    func withOrigin(_ origin: ValueOrigin) -> JSONValue {
        var copy = self
        copy.origin = origin
        switch content {
        case .array(let elements):
            copy.content = .array(elements.map { $0.withOrigin(origin) })
        case .object(let members):
            copy.content = .object(
                members.map {
                    JSONMember(key: $0.key, keyOrigin: origin, value: $0.value.withOrigin(origin))
                })
        default:
            break
        }
        return copy
    }
}

/// One `"key": value` pair of a JSON object, with where the key was written.
public struct JSONMember: Sendable, Equatable {
    /// The key, unescaped.
    public var key: String
    /// Where the key was written (unknown-key errors point at the key, not the value).
    public var keyOrigin: ValueOrigin
    /// The value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, keyOrigin: ValueOrigin = .synthesized, value: JSONValue) {
        self.key = key
        self.keyOrigin = keyOrigin
        self.value = value
    }

    public static func == (lhs: JSONMember, rhs: JSONMember) -> Bool {
        lhs.key == rhs.key && lhs.value == rhs.value
    }
}
