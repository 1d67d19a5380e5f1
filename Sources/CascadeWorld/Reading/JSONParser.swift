/// Limits that keep hostile or mistaken input from exhausting the stack or memory.
public struct ParseLimits: Hashable, Sendable {
    /// The deepest nesting of arrays and objects accepted (the parser recurses per level).
    public var maxDepth: Int
    /// The largest input accepted, in bytes.
    public var maxBytes: Int

    /// Creates limits.
    public init(maxDepth: Int, maxBytes: Int) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    /// 128 levels and 256 MiB: far beyond any world or data file, well within the stack.
    public static let `default` = ParseLimits(maxDepth: 128, maxBytes: 256 << 20)
}

/// A strict RFC 8259 JSON parser over UTF-8 bytes that keeps positions, key order and the
/// literal text of numbers.
///
/// Strict means: no comments, no trailing commas, no single quotes, no `NaN`/`Infinity`, no
/// leading zeros, no raw control characters in strings, no invalid UTF-8, no lone
/// surrogates, no duplicate keys in one object, nothing after the top-level value. A UTF-8
/// byte order mark at the very start is skipped, as RFC 8259 §8.1 permits. Each failure is
/// a `WorldError` with the file, the JSON path reached, the line and column, and what was
/// expected and found.
///
///     var parser = JSONParser(bytes: Array(text.utf8), file: "worlds/x.json")
///     let value = try parser.parse()
///
/// Complexity: O(n) in the input size; positions are computed incrementally, so a
/// minified multi-megabyte file on one line stays linear. Recursion depth is bounded by
/// `ParseLimits.maxDepth`.
public struct JSONParser {
    private let bytes: [UInt8]
    private let file: String
    private let limits: ParseLimits
    private var index = 0
    /// The path of the value being parsed, for error messages.
    private var path: [JSONPath.Component] = []
    /// A known position, so positions are found by scanning forward from it.
    private var markIndex = 0
    private var markLine = 1
    private var markColumn = 1

    /// The line `bytes` start on in `file`: 1 for a whole file, N for line N of a JSON
    /// Lines file (`events.jsonl`), so positions name the file's own lines.
    private let firstLine: Int

    /// Prepares to parse `bytes`; `file` is only used to name the file in errors, and
    /// `firstLine` is the line of the file the bytes start on.
    public init(bytes: [UInt8], file: String, firstLine: Int = 1, limits: ParseLimits = .default) {
        self.bytes = bytes
        self.file = file
        self.firstLine = firstLine
        self.limits = limits
    }

    /// Parses a whole document: exactly one JSON value, surrounded by optional whitespace.
    public mutating func parse() throws(WorldError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw WorldError(
                file: file,
                message: "the file is \(bytes.count) bytes; the limit is \(limits.maxBytes)")
        }
        index = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        markIndex = index
        markLine = firstLine
        markColumn = 1
        skipWhitespace()
        if index == bytes.count {
            throw failure("the document is empty; expected a JSON value", at: index)
        }
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index < bytes.count {
            throw failure(
                "unexpected \(describe(at: index)) after the end of the JSON value"
                    + hint(at: index), at: index)
        }
        return value
    }

    /// Parses one JSON string at the very start of the input, returning it and the number
    /// of bytes it took; nil when the input does not start with a valid string. Used to
    /// read quoted keys in paths.
    mutating func leadingString() -> (String, Int)? {
        index = 0
        guard let text = try? parseString() else { return nil }
        return (text, index)
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(WorldError) -> JSONValue {
        guard index < bytes.count else {
            throw failure("unexpected end of file; expected a value", at: index)
        }
        let origin = ValueOrigin.file(position(at: index))
        switch bytes[index] {
        case UInt8(ascii: "{"):
            return JSONValue(.object(try parseObject(depth: depth + 1)), origin: origin)
        case UInt8(ascii: "["):
            return JSONValue(.array(try parseArray(depth: depth + 1)), origin: origin)
        case UInt8(ascii: "\""):
            return JSONValue(.string(try parseString()), origin: origin)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONValue(.number(try parseNumber()), origin: origin)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return JSONValue(try parseWord(), origin: origin)
        default:
            throw failure(
                "expected a value, found \(describe(at: index))" + hint(at: index),
                at: index)
        }
    }

    private mutating func parseWord() throws(WorldError) -> JSONValue.Content {
        let start = index
        while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
        let word = String(decoding: bytes[start..<index], as: UTF8.self)
        switch word {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        case "NaN", "nan", "Infinity", "infinity", "inf", "Inf":
            throw failure("\(word) is not a JSON number; JSON has no NaN or Infinity", at: start)
        default:
            throw failure(
                "found the bare word '\(word)'; strings need double quotes (\"\(word)\")",
                at: start)
        }
    }

    private mutating func parseObject(depth: Int) throws(WorldError) -> [JSONMember] {
        try checkDepth(depth)
        index += 1  // '{'
        var members: [JSONMember] = []
        // Small objects check duplicates by scanning; large ones use a dictionary for
        // lookup only (its order never reaches the result).
        var seen: [String: Int] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return members
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw unexpected("a key in double quotes")
            }
            let keyPosition = position(at: index)
            let key = try parseString()
            let earlier: Int?
            if members.count < 16 {
                earlier = members.firstIndex { $0.key == key }
            } else {
                if seen.isEmpty {
                    for (offset, member) in members.enumerated() { seen[member.key] = offset }
                }
                earlier = seen[key]
                seen[key] = members.count
            }
            if let earlier {
                var context = ""
                if case .file(let first) = members[earlier].keyOrigin {
                    context = " (first at \(first))"
                }
                throw failure(
                    "duplicate key \(JSONSerializer.quoted(key))\(context)",
                    at: index - 1, position: keyPosition)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw unexpected("':' after the key \(JSONSerializer.quoted(key))")
            }
            index += 1
            skipWhitespace()
            path.append(.key(key))
            let value = try parseValue(depth: depth)
            path.removeLast()
            members.append(JSONMember(key: key, keyOrigin: .file(keyPosition), value: value))
            skipWhitespace()
            guard index < bytes.count else {
                throw unexpected("',' or '}' after the value of \(JSONSerializer.quoted(key))")
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return members
            }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw unexpected("',' or '}' after the value of \(JSONSerializer.quoted(key))")
            }
            let comma = index
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                throw failure("trailing comma before '}' is not allowed", at: comma)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(WorldError) -> [JSONValue] {
        try checkDepth(depth)
        index += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return elements
        }
        while true {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try parseValue(depth: depth))
            path.removeLast()
            skipWhitespace()
            guard index < bytes.count else { throw unexpected("',' or ']' in the array") }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return elements
            }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw unexpected("',' or ']' in the array")
            }
            let comma = index
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                throw failure("trailing comma before ']' is not allowed", at: comma)
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(WorldError) {
        if depth > limits.maxDepth {
            throw failure(
                "arrays and objects nest deeper than \(limits.maxDepth) levels", at: index)
        }
    }

    // MARK: - Numbers

    /// Reads `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and returns its text.
    private mutating func parseNumber() throws(WorldError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "I") {
                throw failure(
                    "-Infinity is not a JSON number; JSON has no NaN or Infinity",
                    at: start)
            }
        }
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw unexpected("a digit in the number")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw failure("numbers cannot have leading zeros", at: start)
            }
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw unexpected("a digit after the decimal point")
            }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count,
                bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
            {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw unexpected("a digit in the exponent")
            }
            skipDigits()
        }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        if index < bytes.count, isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: "%") {
            throw failure(
                "unexpected \(describe(at: index)) after the number \(literal); values with "
                    + "units go in a string, like \"\(literal)\(unitGuess())\"", at: index)
        }
        return literal
    }

    /// The word after a number (`s`, `gwei`), to show how to quote it.
    private func unitGuess() -> String {
        var end = index
        while end < bytes.count, isWordByte(bytes[end]) || bytes[end] == UInt8(ascii: "%") {
            end += 1
        }
        return String(decoding: bytes[index..<min(end, index + 12)], as: UTF8.self)
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    // MARK: - Strings

    /// Reads a string starting at the opening quote, validating UTF-8 and escapes.
    private mutating func parseString() throws(WorldError) -> String {
        let open = index
        index += 1
        let start = index
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacter(byte) }
            if byte < 0x80 {
                index += 1
            } else {
                try skipScalar()
            }
        }
        guard index < bytes.count else { throw unterminated(open) }
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if byte < 0x20 { throw controlCharacter(byte) }
            if byte == UInt8(ascii: "\\") {
                try appendEscape(to: &buffer)
            } else if byte < 0x80 {
                buffer.append(byte)
                index += 1
            } else {
                let scalarStart = index
                try skipScalar()
                buffer.append(contentsOf: bytes[scalarStart..<index])
            }
        }
        throw unterminated(open)
    }

    private mutating func appendEscape(to buffer: inout [UInt8]) throws(WorldError) {
        let escape = index
        index += 1
        guard index < bytes.count else { throw unterminated(escape) }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""): buffer.append(0x22)
        case UInt8(ascii: "\\"): buffer.append(0x5C)
        case UInt8(ascii: "/"): buffer.append(0x2F)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var code = try readHex4(escape: escape)
            if (0xDC00...0xDFFF).contains(code) {
                throw failure("lone low surrogate \\u\(hex4(code)) in string", at: escape)
            }
            if (0xD800...0xDBFF).contains(code) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else {
                    throw failure(
                        "high surrogate \\u\(hex4(code)) must be followed by a low surrogate "
                            + "\\uDC00-\\uDFFF", at: escape)
                }
                let second = index
                index += 2
                let low = try readHex4(escape: second)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure(
                        "high surrogate \\u\(hex4(code)) must be followed by a low surrogate "
                            + "\\uDC00-\\uDFFF, found \\u\(hex4(low))", at: second)
                }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            // Both branches leave a valid scalar: surrogates were rejected or combined.
            if let scalar = Unicode.Scalar(code) {
                buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
        default:
            index -= 1
            throw failure(
                "bad escape '\\\(describeRaw(at: index))' in string; JSON allows \\\" \\\\ \\/ "
                    + "\\b \\f \\n \\r \\t \\uXXXX", at: escape)
        }
    }

    private mutating func readHex4(escape: Int) throws(WorldError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexValue(bytes[index]) else {
                throw failure("\\u must be followed by four hex digits", at: escape)
            }
            code = code << 4 | digit
            index += 1
        }
        return code
    }

    /// Checks one multi-byte UTF-8 sequence at `index` (RFC 3629: no overlongs, no
    /// surrogates, nothing above U+10FFFF) and moves past it.
    private mutating func skipScalar() throws(WorldError) {
        let lead = bytes[index]
        let count: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: count = 1
        case 0xE0:
            count = 2
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 2
        case 0xED:
            count = 2
            high = 0x9F
        case 0xF0:
            count = 3
            low = 0x90
        case 0xF1...0xF3: count = 3
        case 0xF4:
            count = 3
            high = 0x8F
        default: throw failure("invalid UTF-8 byte 0x\(hex2(lead))", at: index)
        }
        for offset in 1...count {
            guard index + offset < bytes.count else {
                throw failure("truncated UTF-8 sequence", at: index)
            }
            let byte = bytes[index + offset]
            let (min, max) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= min, byte <= max else {
                throw failure("invalid UTF-8 sequence", at: index)
            }
        }
        index += count + 1
    }

    private func controlCharacter(_ byte: UInt8) -> WorldError {
        let name = byte == 0x0A ? " (a line break)" : byte == 0x09 ? " (a tab)" : ""
        return failure(
            "control character U+00\(hex2(byte))\(name) in a string; write it escaped, "
                + "like \\n or \\t", at: index)
    }

    private func unterminated(_ open: Int) -> WorldError {
        var copy = self
        let start = copy.position(at: open)
        return failure(
            "unexpected end of file in the string that starts at \(start)", at: bytes.count)
    }

    // MARK: - Whitespace, positions, messages

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The line and column of byte `target`, scanning forward from the last known position
    /// (amortised O(1) per value, since values are visited in order).
    private mutating func position(at target: Int) -> SourcePosition {
        if target < markIndex {
            markIndex = 0
            markLine = firstLine
            markColumn = 1
        }
        var line = markLine
        var column = markColumn
        var cursor = markIndex
        let end = min(target, bytes.count)
        while cursor < end {
            let byte = bytes[cursor]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            cursor += 1
        }
        markIndex = cursor
        markLine = line
        markColumn = column
        return SourcePosition(line: line, column: column)
    }

    private func failure(
        _ message: String, at target: Int, position known: SourcePosition? = nil
    ) -> WorldError {
        var copy = self
        let place = known ?? copy.position(at: target)
        return WorldError(
            file: file, path: JSONPath(components: path).description, line: place.line,
            column: place.column, message: message)
    }

    private func unexpected(_ expected: String) -> WorldError {
        failure(
            "expected \(expected), found \(describe(at: index))" + hint(at: index),
            at: index)
    }

    /// The byte or scalar at `at`, described for a message: `'x'`, `end of file`,
    /// `control character U+0009`.
    private func describe(at target: Int) -> String {
        guard target < bytes.count else { return "end of file" }
        let byte = bytes[target]
        if byte < 0x20 || byte == 0x7F { return "control character U+00\(hex2(byte))" }
        return "'\(describeRaw(at: target))'"
    }

    private func describeRaw(at target: Int) -> String {
        guard target < bytes.count else { return "" }
        let byte = bytes[target]
        if byte < 0x80 { return String(UnicodeScalar(byte)) }
        var end = target + 1
        while end < bytes.count, end < target + 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: bytes[target..<end], as: UTF8.self)
    }

    /// Extra advice for the mistakes people make most when writing JSON by hand.
    private func hint(at target: Int) -> String {
        guard target < bytes.count else { return "" }
        switch bytes[target] {
        case UInt8(ascii: "/")
        where target + 1 < bytes.count
            && (bytes[target + 1] == UInt8(ascii: "/") || bytes[target + 1] == UInt8(ascii: "*")):
            return "; comments are not allowed in JSON"
        case UInt8(ascii: "'"):
            return "; strings need double quotes"
        case UInt8(ascii: "."), UInt8(ascii: "+"):
            return "; JSON numbers start with a digit or '-'"
        default:
            return ""
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private func isWordByte(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            || byte == UInt8(ascii: "_")
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - 0x61 + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - 0x41 + 10)
        default: return nil
        }
    }
}

/// `byte` as two upper-case hex digits.
func hex2(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}

/// `code` as four upper-case hex digits.
func hex4(_ code: UInt32) -> String {
    let digits = String(code, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
