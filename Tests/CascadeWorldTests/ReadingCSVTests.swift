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
    ])
    func malformedFiles(text: String, line: Int, column: Int, words: String) {
        let error = failure { try table(text) }
        #expect(error?.line == line && error?.column == column, "\(String(describing: error))")
        #expect(error?.message.contains(words) == true, "\(String(describing: error))")
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
