import CascadeWorld
import Foundation

/// One race's block-by-block timeline for `cascade races --position ID`.
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

    static func text(row: RaceRow, folder: String, names: AgentNames) throws(CascadeFailure)
        -> String
    {
        var text = header(row, names: names, unit: RaceReport.amountUnit(folder: folder))
        let eventsPath = folder + "/events.jsonl"
        var entries: [Entry]
        if FileManager.default.fileExists(atPath: eventsPath) {
            entries = try traceEntries(position: row.position, path: eventsPath)
        } else {
            entries = csvEntries(row)
            text += "(no events.jsonl: run with --trace to see every attempt)\n"
            try addPrices(&entries, blocksPath: folder + "/blocks.csv")
        }
        guard !entries.isEmpty else { return text + "\n(no race activity recorded)\n" }
        let cells = entries.map { entry in
            [
                String(entry.block),
                entry.timeMs.map { seconds($0) } ?? "", entry.market, entry.oracle,
                entry.keeper.isEmpty ? "" : names.label(entry.keeper),
                entry.what, entry.bid, entry.paid, entry.result,
            ]
        }
        text += "\n"
        text += TextTable.render(
            header: [
                "block", "time_s", "market", "oracle", "keeper", "what", "bid_gwei",
                "paid_gwei", "result",
            ], rows: cells, leftAligned: [4, 5, 6, 8])
        return text
    }

    static func header(_ row: RaceRow, names: AgentNames, unit: String = "DAI") -> String {
        func block(_ value: String) -> String { value.isEmpty ? "-" : value }
        var text = "race \(row.position): \(row.outcome)\n"
        text += "  unsafe at market \(block(row.unsafeBlock)), "
        text += "liquidatable \(block(row.liquidatableBlock)), "
        text += "first attempt \(block(row.firstAttemptBlock)), "
        text += "liquidated \(block(row.liquidatedBlock))"
        text += row.delayBlocks.map { " (delay \($0) blocks)" } ?? ""
        text += "\n  \(row.attempts) attempts by \(row.keepers) keepers, "
        text += "\(row.failedAttempts) reverted (fees \(row.failedFees) wei)"
        if !row.winner.isEmpty {
            let winner = names.label(row.winner)
            let shown = winner == row.winner ? winner : "\(winner) (\(row.winner))"
            text += "; winner \(shown) at \(row.winningGasPrice) wei/gas"
        }
        text += "\n  debt \(row.debt) \(unit), proceeds \(row.proceeds) \(unit), shortfall "
        text += row.shortfall.isEmpty ? "- (open)" : "\(row.shortfall) \(unit)"
        if !row.incentive.isEmpty && row.incentive != "0" {
            text += "; keeper incentive \(row.incentive) DAI (paid by the Vow)"
        }
        text += "\n"
        return text
    }

    /// The race's notes in `events.jsonl`, in file order.
    static func traceEntries(position: String, path: String) throws(CascadeFailure) -> [Entry] {
        let lines = try LineStream(path: path, displayName: path)
        var entries: [Entry] = []
        while let line = try lines.next() {
            let lineNumber = lines.lineNumber
            if line.isEmpty { continue }
            // Only race lines are parsed; other lines are checked for being objects.
            let text = String(decoding: line, as: UTF8.self)
            guard text.contains("\"type\":\"race_") else { continue }
            let object: [JSONMember]
            do {
                var parser = JSONParser(bytes: Array(line), file: "\(path):\(lineNumber)")
                let value = try parser.parse()
                guard case .object(let members) = value.content else {
                    throw CascadeFailure(.badInput, "\(path):\(lineNumber): expected a JSON object")
                }
                object = members
            } catch let failure as CascadeFailure {
                throw failure
            } catch {
                throw CascadeFailure(.badInput, "\(path):\(lineNumber): \(error)")
            }
            func field(_ key: String) -> String? {
                guard let member = object.first(where: { $0.key == key }) else { return nil }
                switch member.value.content {
                case .string(let value), .number(let value): return value
                default: return nil
                }
            }
            guard field("position") == position else { continue }
            guard let block = field("block").flatMap({ UInt64($0) }),
                let type = field("type")
            else {
                throw CascadeFailure(
                    .badInput, "\(path):\(lineNumber): a race line needs block and type")
            }
            var entry = Entry(block: block, timeMs: field("time_ms").flatMap { Int64($0) })
            entry.market = field("market_price").map { scaled($0, 18) } ?? ""
            entry.oracle = field("oracle_price").map { scaled($0, 18) } ?? ""
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
            entries.append(entry)
        }
        return entries
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

    /// Fills time and prices from `blocks.csv` (first `price_*` and `oracle_*` columns).
    static func addPrices(_ entries: inout [Entry], blocksPath: String) throws(CascadeFailure) {
        guard FileManager.default.fileExists(atPath: blocksPath), !entries.isEmpty else { return }
        let csv = try CSVStream(path: blocksPath, displayName: blocksPath)
        let blockColumn = try csv.column("block")
        let timeColumn = csv.columns.firstIndex(of: "time_ms")
        let priceColumn = csv.columns.firstIndex { $0.hasPrefix("price_") }
        let oracleColumn = csv.columns.firstIndex { $0.hasPrefix("oracle_") }
        while let row = try csv.next() {
            guard let block = UInt64(row.fields[blockColumn]) else {
                throw csv.bad(row, column: blockColumn, expected: "a block number")
            }
            for index in entries.indices where entries[index].block == block {
                entries[index].timeMs = timeColumn.flatMap { Int64(row.fields[$0]) }
                entries[index].market = priceColumn.map { row.fields[$0] } ?? ""
                entries[index].oracle = oracleColumn.map { row.fields[$0] } ?? ""
            }
        }
    }

    static func seconds(_ milliseconds: Int64) -> String {
        let text = scaled(String(milliseconds), 3)
        return text
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
