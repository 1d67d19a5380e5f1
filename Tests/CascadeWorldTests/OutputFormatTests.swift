import CascadeCore
import Testing

@testable import CascadeRun

@Suite("Output: exact decimals, CSV and JSON")
struct OutputFormatTests {
    static let decimalCases: [(UInt128, Int, String)] = [
        (0, 0, "0"),
        (0, 18, "0"),
        (1, 18, "0.000000000000000001"),  // 1 wei in ETH
        (1, 0, "1"),
        (1_000_000_000_000_000_000, 18, "1"),
        (5_670_000_250_000_000_000_000_000, 18, "5670000.25"),
        (1_500_000_000, 9, "1.5"),
        (10, 1, "1"),
        (120, 0, "120"),
        (100, 3, "0.1"),
        (UInt128.max, 0, "340282366920938463463374607431768211455"),
        (UInt128.max, 18, "340282366920938463463.374607431768211455"),
        (UInt128.max, 39, "0.340282366920938463463374607431768211455"),
        (UInt128.max, 45, "0.000000340282366920938463463374607431768211455"),
        (10_000_000_000_000_000_000, 0, "10000000000000000000"),  // 10^19, a chunk edge
        (10_000_000_000_000_000_000, 19, "1"),
    ]

    @Test(
        "UInt128 at a scale prints exactly, trailing zeros trimmed",
        arguments: decimalCases)
    func unsignedDecimal(value: UInt128, scale: Int, expected: String) {
        #expect(DecimalText(value, scale: scale).text == expected)
    }

    @Test(
        "Our formatter agrees with CascadeCore's UInt256 formatter",
        arguments: decimalCases)
    func agreesWithCore(value: UInt128, scale: Int, expected: String) {
        #expect(DecimalText(value, scale: scale).text == value.decimalString(scale: scale))
    }

    @Test func signedDecimal() {
        #expect(DecimalText(signed: -1_250, scale: 3).text == "-1.25")
        #expect(DecimalText(signed: 0, scale: 3).text == "0")
        #expect(
            DecimalText(signed: .min, scale: 0).text == "-170141183460469231731687303715884105728")
        #expect(DecimalText(-42).text == "-42")
    }

    @Test(
        "Pre-formatted text is checked and canonicalised",
        arguments: [
            ("5670000.25", "5670000.25"), ("007.50", "7.5"), ("-0.0", "0"), ("0", "0"),
            ("-3", "-3"), ("1.000", "1"),
            (
                "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                "115792089237316195423570985008687907853269984665640564039457584007913129639935"
            ),
        ])
    func preformatted(text: String, expected: String) {
        #expect(DecimalText(text: text)?.text == expected)
    }

    @Test(
        "Malformed decimal text is refused",
        arguments: ["", "-", ".5", "5.", "1e5", "+1", " 1", "1,5", "1.2.3", "0x10", "NaN"])
    func malformed(text: String) {
        #expect(DecimalText(text: text) == nil)
    }

    @Test func wideValueThroughText() throws {
        let wide = UInt256.max
        let value = try #require(DecimalText(text: wide.decimalString(scale: 45)))
        #expect(value.text == wide.decimalString(scale: 45))
    }

    @Test(
        "CSV fields are quoted only when needed",
        arguments: [
            (OutputValue.text("plain"), "plain"),
            (.text("a,b"), "\"a,b\""),
            (.text("say \"hi\""), "\"say \"\"hi\"\"\""),
            (.text("two\nlines"), "\"two\nlines\""),
            (.text("cr\r"), "\"cr\r\""),
            (.text(" padded"), "\" padded\""),
            (.text("ünïcode"), "ünïcode"),
            (.text(""), ""),
            (.absent, ""),
            (.integer(-7), "-7"),
            (.integer(0), "0"),
            (.unsigned(UInt64.max), "18446744073709551615"),
            (.decimal(1, scale: 18), "0.000000000000000001"),
            (.decimal(signed: -5, scale: 1), "-0.5"),
            (.boolean(true), "true"),
            (.double(0.1), "0.1"),
            (.double(2), "2.0"),
            (.double(-0.0), "0.0"),
            (.double(1e-5), "1e-05"),
            (.double(.nan), ""),
            (.double(.infinity), ""),
        ])
    func csvField(value: OutputValue, expected: String) {
        #expect(CSVWriter.field(value) == expected)
    }

    @Test func csvFileHasHeaderAndRows() throws {
        let sink = MemorySink()
        let csv = try CSVWriter(sink: sink, header: ["block", "winner", "shortfall"])
        try csv.writeRow([.integer(1), .absent, .decimal(1_250_000_000_000_000_000, scale: 18)])
        try csv.writeRow([.integer(2), .text("keeper,3"), .absent])
        #expect(sink.text == "block,winner,shortfall\n1,,1.25\n2,\"keeper,3\",\n")
        #expect(csv.rowCount == 2)
    }

    @Test(
        "JSON strings escape quotes, backslashes and control characters",
        arguments: [
            ("plain", "\"plain\""),
            ("q\"b\\", "\"q\\\"b\\\\\""),
            ("\n\r\t\u{08}\u{0C}", "\"\\n\\r\\t\\b\\f\""),
            ("\u{00}\u{1F}", "\"\\u0000\\u001f\""),
            ("\u{7F}é→🙂", "\"\u{7F}é→🙂\""),
            ("</script>", "\"</script>\""),
        ])
    func jsonEscaping(text: String, expected: String) {
        #expect(OutputJSON.string(text).serialized(.compact) == expected)
    }

    @Test func jsonKeysKeepInsertionOrder() {
        var object: JSONObject = ["zeta": 1, "alpha": 2, "mid": 3]
        object["beta"] = 4
        object["alpha"] = 20
        #expect(object.serialized(.compact) == #"{"zeta":1,"alpha":20,"mid":3,"beta":4}"#)
        object["mid"] = nil
        #expect(object.serialized(.compact) == #"{"zeta":1,"alpha":20,"beta":4}"#)
    }

    @Test func jsonBigIntegersAreStrings() {
        let line: JSONObject = [
            "block": 12, "type": "bite",
            "tab": .baseUnits(UInt128.max),
            "art": .baseUnits(text: UInt256.max.description),
            "price": .decimal(5_670_000_250_000_000_000_000_000, scale: 18),
            "lag_s": .double(13.5), "missing": nil,
        ]
        #expect(
            line.serialized(.compact)
                == #"{"block":12,"type":"bite","tab":"340282366920938463463374607431768211455","#
                + #""art":"\#(UInt256.max.description)","price":5670000.25,"lag_s":13.5,"#
                + #""missing":null}"#)
    }

    @Test func jsonPrettyLayout() {
        let summary: JSONObject = [
            "world": "calm-day", "seed": 7,
            "liquidation_delay_blocks": .object(["p50": 3, "max": 9]),
            "empty": .object(JSONObject()), "list": [1, "two"], "none": [],
        ]
        let expected = """
            {
              "world": "calm-day",
              "seed": 7,
              "liquidation_delay_blocks": {
                "p50": 3,
                "max": 9
              },
              "empty": {},
              "list": [
                1,
                "two"
              ],
              "none": []
            }
            """
        #expect(summary.serialized(.pretty) == expected)
    }

    @Test func jsonLinesOneObjectPerLine() throws {
        let sink = MemorySink()
        let writer = JSONLinesWriter(sink: sink)
        try writer.write(["block": 1, "type": "tx"])
        try writer.write(["block": 2, "type": "kick"])
        #expect(sink.text == "{\"block\":1,\"type\":\"tx\"}\n{\"block\":2,\"type\":\"kick\"}\n")
    }
}

@Suite("Output: percentiles")
struct OutputPercentileTests {
    @Test func oneToTen() {
        let percentiles = Percentiles(Array((1...10).reversed()))
        #expect(percentiles.value(atPercent: 50) == 5)
        #expect(percentiles.value(atPercent: 90) == 9)
        #expect(percentiles.value(atPercent: 99) == 10)
        #expect(percentiles.value(atPercent: 0) == 1)
        #expect(percentiles.value(atPercent: 100) == 10)
        #expect(percentiles.value(atPercent: 10) == 1)
        #expect(percentiles.value(atPercent: 11) == 2)
    }

    /// The worked example of nearest rank (Wikipedia, "Percentile": 15, 20, 35, 40, 50).
    @Test func wikipediaExample() {
        let percentiles = Percentiles([15, 20, 35, 40, 50])
        #expect(percentiles.value(atPercent: 5) == 15)
        #expect(percentiles.value(atPercent: 30) == 20)
        #expect(percentiles.value(atPercent: 40) == 20)
        #expect(percentiles.value(atPercent: 50) == 35)
        #expect(percentiles.value(atPercent: 100) == 50)
    }

    @Test func emptyAndSingle() {
        #expect(Percentiles([Int]()).value(atPercent: 50) == nil)
        #expect(Percentiles([4]).value(atPercent: 99) == 4)
        let json = Percentiles([Int]()).jsonObject(percents: [50, 90]) { .integer($0) }
        #expect(json.serialized(.compact) == #"{"p50":null,"p90":null,"max":null}"#)
    }

    @Test func doublesDropNaN() {
        let percentiles = Percentiles(measurements: [3.5, .nan, 1.25, 2.0])
        #expect(percentiles.count == 3)
        #expect(percentiles.value(atPercent: 50) == 2.0)
        let json = percentiles.jsonObject(percents: [50, 90]) { .double($0) }
        #expect(json.serialized(.compact) == #"{"p50":2.0,"p90":3.5,"max":3.5}"#)
    }
}
