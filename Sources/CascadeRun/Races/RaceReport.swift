import CascadeWorld
import Foundation

/// `cascade races RUN_DIR [--top N] [--position ID]`: reads a run's `races.csv` (and
/// `events.jsonl` and `blocks.csv` when present) and prints the races with the longest
/// delay and the largest shortfall with their block-by-block timelines, or one race's
/// timeline in full. How to read the output: docs/races.md.
public enum RaceReport {
    /// The text to print. A missing or malformed file is bad input naming the file (and
    /// the line); a run without `races.csv` (a chain-only world) says so.
    public static func text(runDirectory: String, top: String?, position: String?)
        throws(CascadeFailure) -> String
    {
        var count = 3
        if let top {
            guard let value = Int(top), value > 0 else {
                throw CascadeFailure(.badInput, "--top \(top): expected a whole number ≥ 1")
            }
            count = value
        }
        let folder = runDirectory.hasSuffix("/") ? String(runDirectory.dropLast()) : runDirectory
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw CascadeFailure(.badInput, "\(runDirectory): no such run folder")
        }
        let racesPath = folder + "/races.csv"
        guard FileManager.default.fileExists(atPath: racesPath) else {
            throw CascadeFailure(
                .badInput,
                "\(racesPath): no such file; this run's world has no liquidation protocol "
                    + "(a chain-only world writes no races)")
        }
        let names = try AgentNames.load(folder: folder)
        let units = try units(folder: folder)
        if let position {
            // Every row is still read and checked, so a malformed file fails the same way
            // whichever race is asked for.
            var found: RaceRow?
            try RaceRows.forEach(path: racesPath) { row in
                if found == nil && row.position == position { found = row }
            }
            guard let row = found else {
                throw CascadeFailure(.badInput, "\(racesPath): no race with position '\(position)'")
            }
            return try RaceTimeline.text(row: row, folder: folder, names: names, units: units)
        }
        var ranking = RaceRanking(top: count)
        try RaceRows.forEach(path: racesPath) { ranking.add($0) }
        var text = ranking.text(path: racesPath, names: names, unit: units.amount)
        // Then each ranked race's timeline, once even when it ranks in both lists.
        var shown: [RaceRow] = []
        for row in ranking.delayed + ranking.short
        where !shown.contains(where: { $0.position == row.position }) {
            shown.append(row)
        }
        guard !shown.isEmpty else { return text }
        text += "\ntimelines of the races above (at most \(timelineLines) lines each):\n"
        for timeline in try RaceTimeline.texts(
            rows: shown, folder: folder, names: names, units: units, lineLimit: timelineLines)
        {
            text += "\n" + timeline
        }
        return text
    }

    /// Lines of each ranked race's timeline, its first and last; `--position` shows all.
    static let timelineLines = 40

    /// The units of a run's races, from its `summary.json`: `amount` for debts and
    /// shortfalls (`bad_debt_unit`: a lending world's debt asset, or USD; else DAI, a Maker
    /// world or a folder without a summary), `native` for gas fees (`failed_tx_fees_unit`,
    /// else ETH). A summary that is there but not a JSON object, or whose unit is not a
    /// string, is bad input naming the file (and the field's line).
    static func units(folder: String) throws(CascadeFailure) -> RaceUnits {
        let path = folder + "/summary.json"
        guard let data = FileManager.default.contents(atPath: path) else { return RaceUnits() }
        let members = try JSONObjectFile.members(of: data, name: path)
        func unit(_ key: String, else fallback: String) throws(CascadeFailure) -> String {
            guard let member = members.first(where: { $0.key == key }) else { return fallback }
            guard case .string(let text) = member.value.content else {
                throw CascadeFailure(
                    .badInput,
                    "\(path)\(ReportSummary.position(member.value)): field '\(key)': "
                        + "expected a string")
            }
            return text
        }
        return RaceUnits(
            amount: try unit("bad_debt_unit", else: "DAI"),
            native: try unit("failed_tx_fees_unit", else: "ETH"))
    }

    static func table(_ rows: [RaceRow], names: AgentNames) -> String {
        guard !rows.isEmpty else { return "  (none)\n" }
        let header = [
            "position", "outcome", "unsafe", "liquidatable", "liquidated", "delay", "attempts",
            "keepers", "winner", "debt", "shortfall",
        ]
        let cells = rows.map { row in
            [
                row.position, row.outcome, row.unsafeBlock, row.liquidatableBlock,
                row.liquidatedBlock, row.delayBlocks.map(String.init) ?? "", String(row.attempts),
                String(row.keepers), names.label(row.winner), row.debt, row.shortfall,
            ]
        }
        return TextTable.render(header: header, rows: cells, leftAligned: [0, 1, 8])
    }
}

/// The units `cascade races` writes amounts in (`RaceReport.units(folder:)`).
struct RaceUnits {
    /// Debts and shortfalls: DAI, a lending world's debt asset, or USD.
    var amount = "DAI"
    /// Gas fees: ETH, or the chain's native token.
    var native = "ETH"
}

/// The summary `cascade races` prints, gathered one row at a time: counts per outcome and
/// the `top` rows by delay and by shortfall (bounded lists, so memory is O(top), not
/// O(races)). Ties keep file order, as a full sort would.
struct RaceRanking {
    let top: Int
    var total = 0
    var counts: [String: Int] = [:]
    var delayed: [RaceRow] = []
    var short: [RaceRow] = []

    init(top: Int) {
        self.top = top
    }

    /// Whether `a` ranks before `b` by delay (longest first, then file order).
    static func delayFirst(_ a: RaceRow, _ b: RaceRow) -> Bool {
        (a.delayBlocks ?? 0, b.index) > (b.delayBlocks ?? 0, a.index)
    }

    /// Whether `a` ranks before `b` by shortfall (largest first, then file order).
    static func shortfallFirst(_ a: RaceRow, _ b: RaceRow) -> Bool {
        DecimalOrder.less(b.shortfall, a.shortfall)
            || (a.shortfall == b.shortfall && a.index < b.index)
    }

    mutating func add(_ row: RaceRow) {
        total += 1
        counts[row.outcome, default: 0] += 1
        if row.delayBlocks != nil {
            Self.insert(row, into: &delayed, limit: top, by: Self.delayFirst)
        }
        if !row.shortfall.isEmpty && row.shortfall != "0" {
            Self.insert(row, into: &short, limit: top, by: Self.shortfallFirst)
        }
    }

    /// Inserts `row` in order, dropping what falls past `limit`.
    static func insert(
        _ row: RaceRow, into list: inout [RaceRow], limit: Int,
        by first: (RaceRow, RaceRow) -> Bool
    ) {
        if list.count == limit, let last = list.last, !first(row, last) { return }
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if first(list[middle], row) { low = middle + 1 } else { high = middle }
        }
        list.insert(row, at: low)
        if list.count > limit { list.removeLast() }
    }

    func text(path: String, names: AgentNames, unit: String = "DAI") -> String {
        // Only looked up, in a fixed order: the dictionary's own order never shows.
        let outcomes = ["liquidated", "bad_debt", "recovered", "open"].map {
            "\(counts[$0] ?? 0) \($0)"
        }
        var text = "\(path): \(total) races (\(outcomes.joined(separator: ", ")))\n"
        text += "\nlongest delay (blocks from unsafe to liquidated):\n"
        text += RaceReport.table(delayed, names: names)
        text += "\nlargest shortfall (\(unit)):\n"
        text += RaceReport.table(short, names: names)
        return text
    }
}

/// One row of `races.csv`, as text, checked.
struct RaceRow {
    /// The row's order in the file (for ties).
    let index: Int
    let line: Int
    let position: String
    let unsafeBlock: String
    let liquidatableBlock: String
    let firstAttemptBlock: String
    let liquidatedBlock: String
    let attempts: Int
    let keepers: Int
    let winner: String
    let winningGasPrice: String
    let failedAttempts: Int
    let failedFees: String
    let outcome: String
    let debt: String
    let proceeds: String
    let shortfall: String
    /// Keeper incentives the Vow paid for the race (empty in a file written before the
    /// column).
    let incentive: String
    let fields: [String]

    /// Blocks from unsafe (at market, else on chain) to liquidated.
    var delayBlocks: UInt64? {
        guard let liquidated = UInt64(liquidatedBlock) else { return nil }
        let start = UInt64(unsafeBlock) ?? UInt64(liquidatableBlock) ?? liquidated
        return liquidated >= start ? liquidated - start : 0
    }

    /// The first and last blocks the row names.
    var blockRange: ClosedRange<UInt64>? {
        let blocks = [unsafeBlock, liquidatableBlock, firstAttemptBlock, liquidatedBlock]
            .compactMap { UInt64($0) }
        guard let low = blocks.min(), let high = blocks.max() else { return nil }
        return low...high
    }
}

enum RaceRows {
    /// Calls `body` with each row of `races.csv`, in file order, streaming: memory stays
    /// that of one row however many races the run had. A run written before the
    /// `incentive` column (issue #5) is read too.
    static func forEach(path: String, _ body: (RaceRow) throws(CascadeFailure) -> Void)
        throws(CascadeFailure)
    {
        let csv = try CSVStream(path: path, displayName: path)
        guard
            csv.columns == RaceTable.columns
                || csv.columns == Array(RaceTable.columns.dropLast())
        else {
            throw CascadeFailure(
                .badInput,
                "\(path):1: expected the races.csv header "
                    + "\(RaceTable.columns.joined(separator: ",")), found "
                    + csv.columns.joined(separator: ","))
        }
        var index = 0
        while let record = try csv.next() {
            try body(try parse(record.fields, index: index, line: record.line, path: path))
            index += 1
        }
    }

    static func parse(_ fields: [String], index: Int, line: Int, path: String)
        throws(CascadeFailure) -> RaceRow
    {
        func bad(_ column: String, _ expected: String) -> CascadeFailure {
            let value = fields[RaceTable.columns.firstIndex(of: column) ?? 0]
            return CascadeFailure(
                .badInput,
                "\(path):\(line): column \(column): expected \(expected), found '\(value)'")
        }
        func field(_ column: String) -> String {
            fields[RaceTable.columns.firstIndex(of: column) ?? 0]
        }
        func count(_ column: String) throws(CascadeFailure) -> Int {
            guard let value = Int(field(column)), value >= 0 else {
                throw bad(column, "a whole number")
            }
            return value
        }
        for column in [
            "unsafe_block", "liquidatable_block", "first_attempt_block", "liquidated_block",
        ] where !field(column).isEmpty && UInt64(field(column)) == nil {
            throw bad(column, "a block number or an empty cell")
        }
        for column in ["debt", "proceeds", "shortfall"]
        where !(field(column).isEmpty && column == "shortfall")
            && !DecimalOrder.isDecimal(field(column))
        {
            throw bad(column, "a decimal amount")
        }
        if fields.count == RaceTable.columns.count, !DecimalOrder.isDecimal(field("incentive")) {
            throw bad("incentive", "a decimal amount")
        }
        guard ["liquidated", "recovered", "open", "bad_debt"].contains(field("outcome")) else {
            throw bad("outcome", "liquidated, recovered, open or bad_debt")
        }
        guard !field("position").isEmpty else { throw bad("position", "a race id") }
        return RaceRow(
            index: index, line: line, position: field("position"),
            unsafeBlock: field("unsafe_block"), liquidatableBlock: field("liquidatable_block"),
            firstAttemptBlock: field("first_attempt_block"),
            liquidatedBlock: field("liquidated_block"), attempts: try count("attempts"),
            keepers: try count("keepers"), winner: field("winner"),
            winningGasPrice: field("winning_gas_price_wei"),
            failedAttempts: try count("failed_attempts"), failedFees: field("failed_fees_wei"),
            outcome: field("outcome"), debt: field("debt"), proceeds: field("proceeds"),
            shortfall: field("shortfall"),
            incentive: fields.count > RaceTable.columns.count - 1 ? field("incentive") : "",
            fields: fields)
    }
}

/// Order and syntax of non-negative decimal text (`1017`, `899.999`), without floats.
enum DecimalOrder {
    static func isDecimal(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else { return false }
        return parts.allSatisfy { $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// `a < b` for canonical non-negative decimals.
    static func less(_ a: String, _ b: String) -> Bool {
        let (aInteger, aFraction) = split(a)
        let (bInteger, bFraction) = split(b)
        if aInteger.count != bInteger.count { return aInteger.count < bInteger.count }
        if aInteger != bInteger { return aInteger < bInteger }
        return aFraction < bFraction
    }

    static func split(_ text: String) -> (Substring, Substring) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var integer = parts.first ?? ""
        while integer.count > 1 && integer.first == "0" { integer = integer.dropFirst() }
        return (integer, parts.count > 1 ? parts[1] : "")
    }
}

/// Plain-text columns: numbers right-aligned, names left-aligned, two spaces between.
enum TextTable {
    static func render(header: [String], rows: [[String]], leftAligned: Set<Int>) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        var text = ""
        for row in [header] + rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                line += "  " + (leftAligned.contains(column) ? cell + padding : padding + cell)
            }
            while line.last == " " { line.removeLast() }
            text += line + "\n"
        }
        return text
    }
}
