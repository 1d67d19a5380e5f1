import CascadeWorld
import Foundation

/// Races' block-by-block timelines for `cascade races`: one with `--position ID`, the
/// ranked ones otherwise.
///
/// With `events.jsonl` (a `--trace` run) every race note is shown: the race opening, the
/// market and oracle crossings, each keeper's transaction with its bid, what it paid and
/// whether it landed or reverted (and why), and the settlement; each with the market and
/// oracle prices at its block. Without the trace, the blocks `races.csv` names are shown,
/// with prices from `blocks.csv` when it has `price_*`/`oracle_*` columns.
enum RaceTimeline {
    struct Entry {
        var block: UInt64
        var timeMs: Int64?
        var market = ""
        var oracle = ""
        var keeper = ""
        var what = ""
        var bid = ""
        var paid = ""
        var result = ""
    }

    static func text(row: RaceRow, folder: String, names: AgentNames, units: RaceUnits)
        throws(CascadeFailure) -> String
    {
        try texts(rows: [row], folder: folder, names: names, units: units)[0]
    }

    /// The timelines of `rows`, in their order, reading the trace (or `blocks.csv`) once
    /// for all of them. With `lineLimit`, a timeline longer than that keeps its first and
    /// last lines and says how many it leaves out (the ranking's view; `--position` shows
    /// one race whole).
    static func texts(
        rows: [RaceRow], folder: String, names: AgentNames, units: RaceUnits,
        lineLimit: Int? = nil
    ) throws(CascadeFailure) -> [String] {
        let eventsPath = folder + "/events.jsonl"
        let traced = FileManager.default.fileExists(atPath: eventsPath)
        var lists: [[Entry]]
        if traced {
            lists = try traceEntries(positions: rows.map(\.position), path: eventsPath)
        } else {
            lists = rows.map(csvEntries)
            try addPrices(&lists, blocksPath: folder + "/blocks.csv")
        }
        return zip(rows, lists).map { row, entries in
            var text = header(row, names: names, units: units)
            if !traced { text += "(no events.jsonl: run with --trace to see every attempt)\n" }
            guard !entries.isEmpty else { return text + "\n(no race activity recorded)\n" }
            return text + "\n" + table(entries, names: names, position: row.position, lineLimit)
        }
    }

    /// The entries as a table; past `lineLimit` rows, the first and last ones.
    static func table(_ entries: [Entry], names: AgentNames, position: String, _ lineLimit: Int?)
        -> String
    {
        let cells = entries.map { entry in
            [
                String(entry.block),
                entry.timeMs.map { seconds($0) } ?? "", entry.market, entry.oracle,
                entry.keeper.isEmpty ? "" : names.label(entry.keeper),
                entry.what, entry.bid, entry.paid, entry.result,
            ]
        }
        let text = TextTable.render(
            header: [
                "block", "time_s", "market", "oracle", "keeper", "what", "bid_gwei",
                "paid_gwei", "result",
            ], rows: cells, leftAligned: [4, 5, 6, 8])
        guard let lineLimit, entries.count > lineLimit else { return text }
        // Rendered whole first, so the kept lines keep the whole table's columns: the
        // header, then the first and the last entries' lines.
        let lines = text.split(separator: "\n").map(String.init)
        let body = lines.dropFirst()
        let tail = lineLimit / 4
        let left = entries.count - lineLimit
        let elision = "  … \(left) more lines: cascade races RUN_DIR --position \(position)"
        let kept =
            lines.prefix(1) + body.prefix(lineLimit - tail) + [elision] + body.suffix(tail)
        return kept.joined(separator: "\n") + "\n"
    }

    /// The race's row in words. Amounts are in `units.amount`; the losers' fees in the
    /// native token and the winning gas price in gwei, as the timeline's bids (both exact:
    /// `races.csv` has them in wei).
    static func header(
        _ row: RaceRow, names: AgentNames, units: RaceUnits
    ) -> String {
        let unit = units.amount
        func block(_ value: String) -> String { value.isEmpty ? "-" : value }
        var text = "race \(row.position): \(row.outcome)\n"
        text += "  unsafe at market \(block(row.unsafeBlock)), "
        text += "liquidatable \(block(row.liquidatableBlock)), "
        text += "first attempt \(block(row.firstAttemptBlock)), "
        text += "liquidated \(block(row.liquidatedBlock))"
        text += row.delayBlocks.map { " (delay \($0) blocks)" } ?? ""
        text += "\n  \(row.attempts) attempts by \(row.keepers) keepers, "
        text +=
            "\(row.failedAttempts) reverted (fees \(scaled(row.failedFees, 18)) \(units.native))"
        if !row.winner.isEmpty {
            let winner = names.label(row.winner)
            let shown = winner == row.winner ? winner : "\(winner) (\(row.winner))"
            text += "; winner \(shown) at \(scaled(row.winningGasPrice, 9)) gwei"
        }
        text += "\n  debt \(row.debt) \(unit), proceeds \(row.proceeds) \(unit), shortfall "
        text += row.shortfall.isEmpty ? "- (open)" : "\(row.shortfall) \(unit)"
        if !row.incentive.isEmpty && row.incentive != "0" {
            text += "; keeper incentive \(row.incentive) DAI (paid by the Vow)"
        }
        text += "\n"
        return text
    }

    /// Each race's notes in `events.jsonl`, in file order, one list per position (in the
    /// order given), the file read once.
    static func traceEntries(positions: [String], path: String) throws(CascadeFailure)
        -> [[Entry]]
    {
        // Looked up only: each note goes into its position's list, in file order.
        var slots: [String: Int] = [:]
        for (slot, position) in positions.enumerated() where slots[position] == nil {
            slots[position] = slot
        }
        let lines = try LineStream(path: path, displayName: path)
        var lists = [[Entry]](repeating: [], count: positions.count)
        while let line = try lines.next() {
            let lineNumber = lines.lineNumber
            if line.isEmpty { continue }
            // Only race notes are parsed (the other lines are passed over unread); a race
            // note that is not a JSON object is bad input naming its line.
            let text = String(decoding: line, as: UTF8.self)
            guard text.contains("\"type\":\"race_") else { continue }
            let object = try JSONObjectFile.members(of: line, name: path, firstLine: lineNumber)
            func field(_ key: String) -> String? {
                guard let member = object.first(where: { $0.key == key }) else { return nil }
                switch member.value.content {
                case .string(let value), .number(let value): return value
                default: return nil
                }
            }
            guard let slot = field("position").flatMap({ slots[$0] }) else { continue }
            guard let block = field("block").flatMap({ UInt64($0) }),
                let type = field("type")
            else {
                throw CascadeFailure(
                    .badInput, "\(path):\(lineNumber): a race line needs block and type")
            }
            var entry = Entry(block: block, timeMs: field("time_ms").flatMap { Int64($0) })
            entry.market = field("market_price").map { price($0) } ?? ""
            entry.oracle = field("oracle_price").map { price($0) } ?? ""
            switch type {
            case "race_open": entry.what = "race opened"
            case "race_unsafe": entry.what = "unsafe at market"
            case "race_liquidatable": entry.what = "liquidatable on chain"
            case "race_settle": entry.what = "settled: " + (field("outcome") ?? "?")
            case "race_attempt":
                entry.keeper = field("keeper") ?? ""
                entry.what = (field("action") ?? "?") + (field("auction").map { " #\($0)" } ?? "")
                if let gasPrice = field("gas_price_wei") {
                    entry.bid = scaled(gasPrice, 9)
                } else if let maxFee = field("max_fee_wei"),
                    let tip = field("priority_fee_wei")
                {
                    entry.bid = "tip \(scaled(tip, 9)) max \(scaled(maxFee, 9))"
                }
                entry.paid = field("effective_gas_price_wei").map { scaled($0, 9) } ?? ""
                entry.result =
                    field("status") == "success"
                    ? "landed" : "reverted: " + (field("revert_reason") ?? "?")
            default: entry.what = type
            }
            lists[slot].append(entry)
        }
        return lists
    }

    /// The blocks `races.csv` names, without the trace.
    static func csvEntries(_ row: RaceRow) -> [Entry] {
        var entries: [Entry] = []
        let marks: [(String, String)] = [
            (row.unsafeBlock, "unsafe at market"), (row.liquidatableBlock, "liquidatable on chain"),
            (row.firstAttemptBlock, "first attempt"), (row.liquidatedBlock, "liquidated"),
        ]
        for (value, what) in marks {
            guard let block = UInt64(value) else { continue }
            entries.append(Entry(block: block, timeMs: nil, what: what))
        }
        return entries.enumerated().sorted {
            ($0.element.block, $0.offset) < ($1.element.block, $1.offset)
        }
        .map(\.element)
    }

    /// Fills time and prices from `blocks.csv` (first `price_*` and `oracle_*` columns), the
    /// file read once for every list.
    static func addPrices(_ lists: inout [[Entry]], blocksPath: String) throws(CascadeFailure) {
        guard FileManager.default.fileExists(atPath: blocksPath),
            lists.contains(where: { !$0.isEmpty })
        else { return }
        let csv = try CSVStream(path: blocksPath, displayName: blocksPath)
        let blockColumn = try csv.column("block")
        let timeColumn = csv.columns.firstIndex(of: "time_ms")
        let priceColumn = csv.columns.firstIndex { $0.hasPrefix("price_") }
        let oracleColumn = csv.columns.firstIndex { $0.hasPrefix("oracle_") }
        while let row = try csv.next() {
            guard let block = UInt64(row.fields[blockColumn]) else {
                throw csv.bad(row, column: blockColumn, expected: "a block number")
            }
            for list in lists.indices {
                for index in lists[list].indices where lists[list][index].block == block {
                    lists[list][index].timeMs = timeColumn.flatMap { Int64(row.fields[$0]) }
                    lists[list][index].market =
                        priceColumn.map { price(decimal: row.fields[$0]) } ?? ""
                    lists[list][index].oracle =
                        oracleColumn.map { price(decimal: row.fields[$0]) } ?? ""
                }
            }
        }
    }

    static func seconds(_ milliseconds: Int64) -> String {
        let text = scaled(String(milliseconds), 3)
        return text
    }

    /// A WAD price to six decimals, rounded half up (the trace has it to the wei).
    static func price(_ wad: String) -> String {
        scaled(rounded(wad, droppingDigits: 12), 6)
    }

    /// A price written as a decimal (`blocks.csv`: `148.572276364289507328`) to six
    /// decimals, rounded half up as `price(_:)` rounds the trace's WAD, so a timeline shows
    /// the same figures with or without the trace; other text as it is.
    static func price(decimal text: String) -> String {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return text }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        // As an integer of at least six decimals: drop what is past the sixth, rounding.
        let padded = fraction + String(repeating: "0", count: max(0, 6 - fraction.count))
        return scaled(rounded(String(whole) + padded, droppingDigits: padded.count - 6), 6)
    }

    /// A non-negative integer's digits divided by 10^`count`, rounded half up; other text
    /// as it is.
    static func rounded(_ digits: String, droppingDigits count: Int) -> String {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return digits
        }
        guard digits.count > count else {
            // Below one unit of what is kept: 0, or 1 from half of it up.
            let half = "5" + String(repeating: "0", count: count - 1)
            return digits.count == count && digits >= half ? "1" : "0"
        }
        var kept = Array(digits.utf8.dropLast(count))
        if count > 0,
            digits.utf8[digits.utf8.index(digits.utf8.endIndex, offsetBy: -count)]
                >= UInt8(ascii: "5")
        {
            // Carry the rounding up through the nines.
            var index = kept.count - 1
            while index >= 0, kept[index] == UInt8(ascii: "9") {
                kept[index] = UInt8(ascii: "0")
                index -= 1
            }
            if index >= 0 { kept[index] += 1 } else { kept.insert(UInt8(ascii: "1"), at: 0) }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    /// A non-negative integer's digits divided by 10^scale, trailing zeros trimmed.
    static func scaled(_ digits: String, _ scale: Int) -> String {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return digits
        }
        var padded = digits
        if padded.count <= scale {
            padded = String(repeating: "0", count: scale - padded.count + 1) + padded
        }
        let point = padded.index(padded.endIndex, offsetBy: -scale)
        var fraction = padded[point...]
        while fraction.last == "0" { fraction = fraction.dropLast() }
        return String(padded[..<point]) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
