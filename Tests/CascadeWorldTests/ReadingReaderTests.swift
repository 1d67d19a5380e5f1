import CascadeCore
import Testing

@testable import CascadeWorld

/// A document named `worlds/w.json` holding `text`.
func document(_ text: String) throws(WorldError) -> WorldDocument {
    try WorldDocument(bytes: Array(text.utf8), displayName: "worlds/w.json")
}

/// The reader of key `key` in the one-object document `text`.
func readerOf(_ key: String, in text: String) throws -> JSONReader {
    try document(text).reader.object().required(key)
}

/// The message of the error `body` throws, or nil.
func failure<T>(_ body: () throws -> T) -> WorldError? {
    do {
        _ = try body()
        return nil
    } catch let error as WorldError {
        return error
    } catch {
        return nil
    }
}

@Suite("Reading: strict reader")
struct ReadingReaderTests {
    @Test func unknownKeySuggestsTheClosest() throws {
        let object = try document("{\n  \"seed\": 1,\n  \"gas_limt\": 5\n}").reader.object()
        _ = try object.required("seed").uint64()
        _ = object.optional("gas_limit")
        let error = failure { try object.finish() }
        #expect(error?.path == "gas_limt")
        #expect(error?.line == 3 && error?.column == 3)
        #expect(error?.message == "unknown key \"gas_limt\"; did you mean \"gas_limit\"?")
    }

    @Test func unknownKeyFarFromAllListsTheAllowedKeys() throws {
        let object = try document("{\"seed\": 1, \"colour\": 5}").reader.object()
        _ = try object.required("seed").uint64()
        _ = object.optional("duration")
        let error = failure { try object.finish() }
        #expect(error?.message == "unknown key \"colour\"; allowed keys: seed, duration")
    }

    @Test func missingRequiredKeyPointsAtTheObject() throws {
        let world = try document("{\"chain\": {\n \"a\": 1}}").reader.object()
        let chain = try world.required("chain").object()
        let error = failure { try chain.required("block_time") }
        #expect(
            error?.description == "worlds/w.json:1:11: chain: missing required key \"block_time\"")
    }

    @Test func nullIsNotAnAbsentKey() throws {
        let error = failure { try readerOf("n", in: "{\"n\": null}").uint64() }
        #expect(error?.message == "expected an integer, found null")
    }

    /// A value, the accessor, and the message it must give.
    @Test(arguments: [
        ("\"12\"", "int", "expected an integer, found \"12\""),
        ("1.5", "int", "expected an integer, found 1.5"),
        ("-1", "uint64", "must be an integer from 0 to 18446744073709551615, found -1"),
        ("0", "range", "must be between 1 and 100, found 0"),
        ("101", "range", "must be between 1 and 100, found 101"),
        ("-5", "unsignedCap", "must be between 0 and 1000, found -5"),
        ("5000", "signedCap", "must be at most 1000, found 5000"),
        ("true", "string", "expected a string, found true"),
        ("\"x\"", "bool", "expected true or false, found \"x\""),
        ("[1]", "object", "expected an object, found an array"),
        ("{}", "array", "expected an array, found an object"),
        ("13.2", "duration", "expected a duration like \"13.2s\", found 13.2"),
        ("\"fifo\"", "oneOf", "expected one of \"first_price\", \"eip1559\", found \"fifo\""),
        ("\"eip1599\"", "oneOf", "did you mean \"eip1559\"?"),
        ("\"abc\"", "decimal", "expected a decimal number, found \"abc\""),
        ("\"1.5\"", "scale0", "has more than 0 decimal places, found 1.5"),
        ("-2", "scale0", "must not be negative, found -2"),
        ("\"1000000000000000000000\"", "scale18", "is too large"),
        ("200", "wei", "expected an amount like \"200 gwei\", found 200"),
        ("\"0.255%\"", "bps", "whole number of basis points"),
    ])
    func wrongValues(json: String, accessor: String, message: String) throws {
        let reader = try readerOf("v", in: "{\"v\": \(json)}")
        let error = failure { () throws -> Any in
            switch accessor {
            case "int": return try reader.int()
            case "uint64": return try reader.uint64()
            case "range": return try reader.int(in: 1...100)
            case "unsignedCap": return try reader.integer(UInt64.self, in: 0...1000)
            case "signedCap": return try reader.integer(Int64.self, in: .min...1000)
            case "string": return try reader.string()
            case "bool": return try reader.bool()
            case "object": return try reader.object()
            case "array": return try reader.array()
            case "duration": return try reader.durationMilliseconds()
            case "oneOf": return try reader.oneOf(["first_price", "eip1559"])
            case "decimal": return try reader.decimal()
            case "scale0": return try reader.baseUnits(scale: 0)
            case "scale18": return try reader.baseUnits(scale: 18)
            case "wei": return try reader.wei()
            default: return try reader.basisPoints()
            }
        }
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "none")")
        #expect(error?.path == "v")
        #expect(error?.line == 1 && error?.column == 7)
    }

    @Test func typedValuesReadExactly() throws {
        let text = """
            {"seed": 18446744073709551615, "count": 1e3, "rate": 0.25, "name": "x",
             "on": true, "mat": "150%", "fee": "0.3%", "ratio": 0.13, "gas": "1.5 gwei",
             "kind": "eip1559", "ttl": "6h", "amount": "123456789.123456789"}
            """
        let object = try document(text).reader.object()
        #expect(try object.required("seed").uint64() == UInt64.max)
        #expect(try object.required("count").int() == 1000)
        #expect(try object.required("rate").double() == 0.25)
        #expect(try object.required("name").string() == "x")
        #expect(try object.required("on").bool())
        #expect(
            try object.required("mat").percentage().baseUnits(scale: 27) == 1_500_000_000
                * 1_000_000_000 * 1_000_000_000)
        #expect(try object.required("fee").basisPoints() == 30)
        #expect(try object.required("ratio").ratio() == ExactDecimal("0.13"))
        #expect(try object.required("gas").wei() == 1_500_000_000)
        #expect(try object.required("kind").choice(FeeKind.self) == .eip1559)
        #expect(try object.required("ttl").durationMilliseconds() == 21_600_000)
        #expect(
            try object.required("amount").baseUnits(scale: 18)
                == 123_456_789_123_456_789_000_000_000)
        try object.finish()
    }

    enum FeeKind: String, CaseIterable {
        case eip1559, legacy
    }

    @Test func arrayElementsCarryTheirPaths() throws {
        let text = "{\"agents\": [{\"count\": 1}, {\"count\": 2}, {\"count\": \"3\"}]}"
        let agents = try document(text).reader.object().required("agents")
        let error = failure {
            try agents.array { element throws(WorldError) in
                try element.object().required("count").int()
            }
        }
        #expect(error?.path == "agents[2].count")
        #expect(error?.column == 51)
        let tooFew = failure { try agents.array(count: 4...10) }
        #expect(tooFew?.message == "must have between 4 and 10 elements, found 3")
    }
}

@Suite("Reading: units")
struct ReadingUnitTests {
    @Test(
        arguments: [
            ("13.2s", 13_200), ("600ms", 600), ("10m", 600_000), ("1h", 3_600_000),
            ("3d", 259_200_000), ("1.5h", 5_400_000), ("0s", 0), ("0.001s", 1), ("2 s", 2_000),
            ("1.0005h", 3_601_800),
        ] as [(String, Int64)])
    func durationsAccepted(text: String, milliseconds: Int64) throws {
        #expect(try UnitFormats.durationMilliseconds(text).get() == milliseconds)
    }

    @Test(arguments: [
        ("-5s", "cannot be negative"), ("13.2", "missing unit"), ("5 min", "unknown unit \"min\""),
        ("1.0005s", "whole number of milliseconds"), ("s", "expected a duration"),
        ("1e3s", "unknown unit \"e3s\""), ("", "expected a duration"), ("1.s", "expected"),
        ("5S", "unknown unit \"S\""), ("  5s", "expected"), ("5  s", "unknown unit \" s\""),
        ("999999999999999999d", "too long"),
    ])
    func durationsRejected(text: String, words: String) {
        guard case .failure(let error) = UnitFormats.durationMilliseconds(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.message.contains(words), "\(error.message)")
    }

    @Test(arguments: [
        ("150%", "1.5"), ("13%", "0.13"), ("0.5%", "0.005"), ("0%", "0"), ("100 %", "1"),
    ])
    func percentagesAccepted(text: String, fraction: String) throws {
        #expect(try UnitFormats.percentage(text).get() == ExactDecimal(fraction))
    }

    @Test(arguments: ["150", "-5%", "5 percent", "%", "abc%"])
    func percentagesRejected(text: String) {
        #expect(throws: UnitFormatError.self) { try UnitFormats.percentage(text).get() }
    }

    @Test func negativePercentagesWhenAllowed() throws {
        #expect(
            try UnitFormats.percentage("-30%", allowNegative: true).get()
                == ExactDecimal("-0.3"))
    }

    @Test(
        arguments: [
            ("200 gwei", 200_000_000_000), ("1.5 gwei", 1_500_000_000), ("12 wei", 12),
            ("0.1 ether", 100_000_000_000_000_000), ("200gwei", 200_000_000_000),
            ("0 wei", 0),
        ] as [(String, UInt128)])
    func weiAccepted(text: String, wei: UInt128) throws {
        #expect(try UnitFormats.wei(text).get() == wei)
    }

    @Test(arguments: [
        ("0.1 wei", "whole number of wei"), ("-1 gwei", "negative"), ("5 Gwei", "unknown unit"),
        ("5", "missing unit"), ("5 eth", "unknown unit \"eth\""), ("gwei", "expected"),
        ("1000000000000000000000000 ether", "2^128"),
    ])
    func weiRejected(text: String, words: String) {
        guard case .failure(let error) = UnitFormats.wei(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.message.contains(words), "\(error.message)")
    }
}

@Suite("Reading: exact decimals")
struct ReadingDecimalTests {
    @Test(arguments: [0, 6, 18, 27, 45])
    func conversionsAreExactAtEveryScale(scale: Int) throws {
        let text = "123456789012345678901234567890.000000000000000001"
        let value = try #require(ExactDecimal(text))
        if scale < 18 {
            #expect(throws: ExactDecimal.ConversionError.tooManyDecimals(scale: scale)) {
                try value.baseUnitDigits(scale: scale)
            }
        } else {
            let digits = try value.baseUnitDigits(scale: scale)
            let expected =
                "123456789012345678901234567890" + String(repeating: "0", count: 17) + "1"
                + String(repeating: "0", count: scale - 18)
            #expect(digits == expected)
            #expect(try value.baseUnits256(scale: scale) == UInt256(expected))
            #expect(ExactDecimal(isNegative: false, digits: digits, exponent: -scale) == value)
        }
        let small = try #require(ExactDecimal("1.5"))
        if scale > 0 {
            let units = try small.baseUnitDigits(scale: scale)
            #expect(units == "15" + String(repeating: "0", count: scale - 1))
        }
    }

    @Test(arguments: [
        ("1.50", "1.5"), ("15e-1", "1.5"), ("-0", "0"), ("0.000", "0"), ("1e3", "1000"),
        ("-0.005", "-0.005"), ("007.10", "7.1"), ("1E+2", "100"),
    ])
    func normalisedForms(text: String, description: String) throws {
        let value = try #require(ExactDecimal(text))
        #expect(value.description == description)
        #expect(value == ExactDecimal(description))
    }

    @Test(arguments: ["", "-", ".5", "1.", "+1", "1e", "1,000", " 1", "NaN", "1e10001", "0x10"])
    func rejectedLiterals(text: String) {
        #expect(ExactDecimal(text) == nil)
    }

    @Test func orderingIsNumeric() throws {
        let sorted = ["-10", "-1.5", "-1", "0", "0.001", "0.01", "1", "1.05", "2", "1e3"]
            .compactMap { ExactDecimal($0) }
        #expect(sorted.count == 10)
        for index in 1..<sorted.count {
            #expect(sorted[index - 1] < sorted[index])
            #expect(!(sorted[index] < sorted[index - 1]))
        }
    }

    @Test func uint128BoundIsExact() throws {
        let max = try #require(ExactDecimal(String(UInt128.max)))
        #expect(try max.baseUnits(scale: 0) == UInt128.max)
        let over = try #require(ExactDecimal("340282366920938463463374607431768211456"))
        #expect(throws: ExactDecimal.ConversionError.overflow) { try over.baseUnits(scale: 0) }
        #expect(try #require(ExactDecimal("2.5")).approximateDouble == 2.5)
    }
}
