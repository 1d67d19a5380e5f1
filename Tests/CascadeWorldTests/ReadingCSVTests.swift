import Testing

@testable import CascadeWorld

private func table(_ text: String) throws(WorldError) -> CSVTable {
    try CSVTable(bytes: Array(text.utf8), displayName: "worlds/data/p.csv")
}

@Suite("Reading: CSV data files")
struct ReadingCSVTests {
    @Test func rowsReadExactly() throws {
        let csv = try table("hour,close\r\n0,194.123456789012345678\n1,110\n")
        try csv.checkColumns(["hour", "close"])
        #expect(csv.rows.count == 2)
        #expect(try csv.rows[0].decimal("close").description == "194.123456789012345678")
        #expect(try csv.rows[1].integer("hour", Int.self) == 1)
        #expect(csv.rows[1].line == 3)
    }

    @Test(arguments: [
        ("", 1, 1, "empty"),
        ("a,a\n1,2\n", 1, 3, "duplicate column"),
        ("a,b\n1\n", 2, 1, "expected 2 fields"),
        ("a,b\n1,2\n\n3,4\n", 3, 1, "blank line"),
        ("a\n1\n\n2\n", 3, 1, "blank line"),
        ("a,b\n1,\"x, y\n", 2, 3, "no closing quote"),
        ("a,b\n\"1\"2,3\n", 2, 4, "expected a comma after the quoted field"),
        ("a,b\n1,x\"y\n", 2, 4, "a quote inside an unquoted field"),
        ("a,\"a\"\n1,2\n", 1, 3, "duplicate column"),
    ])
    func malformedFiles(text: String, line: Int, column: Int, words: String) {
        let error = failure { try table(text) }
        #expect(error?.line == line && error?.column == column, "\(String(describing: error))")
        #expect(error?.message.contains(words) == true, "\(String(describing: error))")
    }

    @Test("quoted fields as RFC 4180 writes them: commas and doubled quotes inside")
    func quotedFields() throws {
        let csv = try table(
            "at,\"price\",note\n1h,0.53,\"falls, then \"\"squeezes\"\"\"\n\"2h\",n/a,\"\"\n")
        #expect(csv.columns == ["at", "price", "note"])
        #expect(try csv.rows[0].string("note") == "falls, then \"squeezes\"")
        #expect(try csv.rows[0].decimal("price").description == "0.53")
        #expect(try csv.rows[1].string("at") == "2h")
        #expect(try csv.rows[1].string("note") == "")
        // Columns count the quotes as written: "n/a" starts at column 6 of line 3.
        let error = failure { try csv.rows[1].decimal("price") }
        #expect(error?.line == 3 && error?.column == 6, "\(String(describing: error))")
    }

    @Test func badCellNamesLineAndColumn() throws {
        let csv = try table("hour,close\n0,1.5\n1,n/a\n")
        let error = failure { try csv.rows[1].decimal("close") }
        #expect(
            error?.description
                == "worlds/data/p.csv:3:3: close: expected a decimal number, found \"n/a\"")
    }

    @Test func unknownColumnSuggests() throws {
        let csv = try table("hour,clsoe\n0,1\n")
        let error = failure { try csv.checkColumns(["hour"], optional: ["close"]) }
        #expect(error?.message == "unknown column \"clsoe\"; did you mean \"close\"?")
        #expect(error?.column == 6)
    }
}

@Suite("Reading: suggestions")
struct ReadingSuggestionTests {
    @Test(
        arguments: [
            ("gas_limt", "gas_limit"), ("clsoe", "close"), ("Seed", "seed"), ("ttl", nil),
            ("block_tme", "block_time"), ("xyz", nil),
        ] as [(String, String?)])
    func closestKeys(key: String, expected: String?) {
        let candidates = ["seed", "gas_limit", "close", "tau", "block_time"]
        #expect(closestKey(to: key, among: candidates) == expected)
    }

    @Test func editDistances() {
        #expect(editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(editDistance(Array("ab"), Array("ba")) == 1)
        #expect(editDistance(Array(""), Array("abc")) == 3)
    }
}
