/// A path from the root of a JSON document to one value: `protocols[0].flipper.ttl`.
///
/// Errors print it so a researcher can find the value; `--set` overrides parse it to reach
/// the value they replace. Keys that are plain identifiers (letters, digits, `_`, `-`, not
/// starting with a digit) print after a dot; any other key prints quoted in brackets
/// (`labels["eth/usd"]`), and `init(parsing:)` reads both forms.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    /// One step: into an object by key, or into an array by 0-based index.
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// The steps from the root; empty for the root itself.
    public var components: [Component]

    /// The root of the document.
    public static let root = JSONPath(components: [])

    /// Creates a path from its steps.
    public init(components: [Component]) {
        self.components = components
    }

    /// This path extended by a key.
    public func appending(key: String) -> JSONPath {
        JSONPath(components: components + [.key(key)])
    }

    /// This path extended by an array index.
    public func appending(index: Int) -> JSONPath {
        JSONPath(components: components + [.index(index)])
    }

    /// The path as written in errors and overrides; empty for the root.
    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key) where JSONPath.isPlainKey(key):
                if !text.isEmpty { text += "." }
                text += key
            case .key(let key):
                text += "[" + JSONSerializer.quoted(key) + "]"
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    /// Whether `key` can be written after a dot without quoting.
    static func isPlainKey(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return false }
        return key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// Parses a path as typed in `--set` (`protocols[0].flipper.ttl`, `seed`,
    /// `labels["eth/usd"]`); returns a message saying what is wrong otherwise.
    ///
    /// Indices are non-negative decimal integers without leading zeros; bracketed keys are
    /// JSON strings, so they may hold dots, brackets and escapes.
    public static func parse(_ text: String) -> Result<JSONPath, PathSyntaxError> {
        let bytes = Array(text.utf8)
        var components: [Component] = []
        var index = 0
        func fail(_ message: String) -> Result<JSONPath, PathSyntaxError> {
            .failure(PathSyntaxError(message: message))
        }
        if bytes.isEmpty { return fail("the path is empty") }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "[") {
                index += 1
                guard index < bytes.count else { return fail("unclosed '[' at the end") }
                if bytes[index] == UInt8(ascii: "\"") {
                    var parser = JSONParser(
                        bytes: Array(bytes[index...]), file: "", limits: .default)
                    guard let (key, used) = parser.leadingString() else {
                        return fail("bad quoted key after '['")
                    }
                    components.append(.key(key))
                    index += used
                } else {
                    let start = index
                    while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
                    let digits = bytes[start..<index]
                    guard !digits.isEmpty else {
                        return fail("expected an index or a quoted key after '['")
                    }
                    guard digits.count == 1 || digits.first != UInt8(ascii: "0"),
                        digits.count <= 9, let value = Int(String(decoding: digits, as: UTF8.self))
                    else { return fail("bad index [\(String(decoding: digits, as: UTF8.self))]") }
                    components.append(.index(value))
                }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "]") else {
                    return fail("expected ']'")
                }
                index += 1
            } else {
                if byte == UInt8(ascii: ".") {
                    guard !components.isEmpty else { return fail("the path starts with '.'") }
                    index += 1
                } else if !components.isEmpty {
                    return fail("expected '.' or '[' after \(JSONPath(components: components))")
                }
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "."),
                    bytes[index] != UInt8(ascii: "[")
                {
                    index += 1
                }
                guard index > start else { return fail("empty key in the path") }
                components.append(.key(String(decoding: bytes[start..<index], as: UTF8.self)))
            }
        }
        return .success(JSONPath(components: components))
    }
}

/// Why a path typed by the user could not be read.
public struct PathSyntaxError: Error, Hashable, Sendable {
    /// What is wrong, in a sentence fragment.
    public var message: String
}
