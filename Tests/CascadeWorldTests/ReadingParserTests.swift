import Testing

@testable import CascadeWorld

/// Parses `text` as a document named `w.json`.
func parse(_ text: String) throws(WorldError) -> JSONValue {
    var parser = JSONParser(bytes: Array(text.utf8), file: "w.json")
    return try parser.parse()
}

/// The error parsing `text` gives, or nil when it parses.
func parseError(_ text: String, limits: ParseLimits = .default) -> WorldError? {
    var parser = JSONParser(bytes: Array(text.utf8), file: "w.json", limits: limits)
    do {
        _ = try parser.parse()
        return nil
    } catch {
        return error
    }
}

@Suite("Reading: JSON parser")
struct ReadingParserTests {
    @Test(arguments: [
        ("{}", "{}"),
        ("[]", "[]"),
        (" { \"a\" : 1 , \"b\" : [ true , false , null ] } ", "{\"a\":1,\"b\":[true,false,null]}"),
        ("\"x\"", "\"x\""),
        ("-0", "-0"),
        ("0.5e-3", "0.5e-3"),
        ("1E+9", "1E+9"),
        ("{\"z\":1,\"a\":2}", "{\"z\":1,\"a\":2}"),
        ("\"\\u00e9\\ud83d\\ude00\\n\"", "\"é😀\\n\""),
        ("\u{FEFF}[1]", "[1]"),
        ("\"\\/\"", "\"/\""),
    ])
    func validDocuments(text: String, canonical: String) throws {
        #expect(try parse(text).description == canonical)
    }

    @Test func numbersAreKeptExactly() throws {
        let literal = "123456789012345678901234567890.000000000000000001"
        let value = try parse("[\(literal)]")
        guard case .array(let elements) = value.content else {
            Issue.record("not an array")
            return
        }
        #expect(elements[0].content == .number(literal))
        #expect(ExactDecimal(literal)?.description == literal)
    }

    @Test func positionsAreOneBasedLinesAndColumns() throws {
        let value = try parse("{\n  \"a\": [1,\n    \"é\", 3]\n}")
        guard case .object(let members) = value.content,
            case .array(let elements) = members[0].value.content
        else {
            Issue.record("bad shape")
            return
        }
        #expect(value.origin == .file(SourcePosition(line: 1, column: 1)))
        #expect(members[0].keyOrigin == .file(SourcePosition(line: 2, column: 3)))
        #expect(members[0].value.origin == .file(SourcePosition(line: 2, column: 8)))
        #expect(elements[1].origin == .file(SourcePosition(line: 3, column: 5)))
        // Columns count scalars: "é" is two bytes but one column.
        #expect(elements[2].origin == .file(SourcePosition(line: 3, column: 10)))
    }

    /// Each malformed document, the line and column reported, and words the message holds.
    @Test(arguments: [
        ("", 1, 1, "empty"),
        ("{\"a\": 1", 1, 8, "end of file"),
        ("{\"a\": [1, 2", 1, 12, "end of file"),
        ("[1, 2,]", 1, 6, "trailing comma"),
        ("{\"a\": 1,\n}", 1, 8, "trailing comma"),
        ("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key \"a\" (first at 1:2)"),
        ("\"a\\qb\"", 1, 3, "bad escape '\\q'"),
        ("\"\\u12G4\"", 1, 2, "four hex digits"),
        ("\"\\ud800\"", 1, 2, "high surrogate"),
        ("\"\\udc00\"", 1, 2, "lone low surrogate"),
        ("[01]", 1, 2, "leading zeros"),
        ("[-]", 1, 3, "digit"),
        ("[1.]", 1, 4, "digit after the decimal point"),
        ("[1e]", 1, 4, "exponent"),
        ("[.5]", 1, 2, "start with a digit"),
        ("\"a\nb\"", 1, 3, "control character U+000A"),
        ("\"abc", 1, 5, "string that starts at 1:1"),
        ("[NaN]", 1, 2, "no NaN"),
        ("[-Infinity]", 1, 2, "no NaN"),
        ("{\"t\": 13.2s}", 1, 11, "\"13.2s\""),
        ("{\"a\": hello}", 1, 7, "double quotes"),
        ("{'a': 1}", 1, 2, "double quotes"),
        ("// c\n{}", 1, 1, "comments"),
        ("{\"a\": 1 /* c */}", 1, 9, "comments"),
        ("{} x", 1, 4, "after the end"),
        ("{\"a\" 1}", 1, 6, "':'"),
        ("{1: 2}", 1, 2, "key in double quotes"),
        ("[1 2]", 1, 4, "',' or ']'"),
        ("{\n\"a\": {\n\"b\": tru}}", 3, 6, "bare word 'tru'"),
        ("[\"\u{7}\"]", 1, 3, "control character U+0007"),
    ])
    func malformedDocuments(text: String, line: Int, column: Int, words: String) {
        let error = parseError(text)
        #expect(error?.line == line, "\(error?.description ?? "parsed")")
        #expect(error?.column == column, "\(error?.description ?? "parsed")")
        #expect(error?.message.contains(words) == true, "\(error?.description ?? "parsed")")
        #expect(error?.file == "w.json")
    }

    @Test func errorsNameThePathReached() {
        let error = parseError("{\"chain\": {\"fees\": [1, {\"x\": tru}]}}")
        #expect(error?.path == "chain.fees[1].x")
    }

    @Test func invalidUTF8IsRejected() {
        var parser = JSONParser(bytes: [0x22, 0xC3, 0x28, 0x22], file: "w.json")
        #expect(throws: WorldError.self) { try parser.parse() }
        var overlong = JSONParser(bytes: [0x22, 0xC0, 0xAF, 0x22], file: "w.json")
        #expect(throws: WorldError.self) { try overlong.parse() }
        var surrogate = JSONParser(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], file: "w.json")
        #expect(throws: WorldError.self) { try surrogate.parse() }
    }

    @Test func depthLimitStopsDeepNesting() {
        let limits = ParseLimits(maxDepth: 128, maxBytes: 1 << 20)
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(parseError(ok, limits: limits) == nil)
        let deep = String(repeating: "[", count: 100_000)
        let error = parseError(deep, limits: limits)
        #expect(error?.message.contains("deeper than 128") == true)
        #expect(error?.column == 129)
    }

    @Test func sizeLimitRefusesLargeInput() {
        let error = parseError("[1, 2, 3]", limits: ParseLimits(maxDepth: 8, maxBytes: 4))
        #expect(error?.message.contains("limit is 4") == true)
    }

    @Test func errorDescriptionFollowsCompilerConvention() {
        let error = WorldError(
            file: "worlds/x.json", path: "chain.block_time", line: 12, column: 7,
            message: "expected a duration like \"13.2s\", found 13.2")
        #expect(
            error.description
                == "worlds/x.json:12:7: chain.block_time: expected a duration like \"13.2s\", "
                + "found 13.2")
        let fromOverride = WorldError(
            file: "worlds/x.json", path: "seed", override: "seed=x", message: "bad")
        #expect(fromOverride.description == "worlds/x.json: --set seed=x: seed: bad")
    }

    @Test func largeDocumentParses() throws {
        var text = "["
        for row in 0..<50_000 {
            if row > 0 { text += "," }
            text += "{\"t\":\(row),\"p\":\"\(row).25\",\"ok\":true}"
        }
        text += "]"
        let value = try parse(text)
        guard case .array(let rows) = value.content else {
            Issue.record("not an array")
            return
        }
        #expect(rows.count == 50_000)
        #expect(JSONSerializer.canonicalText(value) == text)
    }
}
