import CascadeWorld
import Foundation

/// The files of a run's folder as the report reads them: where to open each, and how to
/// name it in messages.
///
/// During `cascade run` the files are still under their temporary names (they take their
/// real names together, with `report.html`, at the folder's commit), so `readable` maps a
/// name to the temporary; `cascade report` reads the real files. Messages always name the
/// real path (`out/run/blocks.csv:12: ...`).
struct RunFiles {
    /// The run's folder as the user gave it, without a trailing slash.
    let folder: String
    /// The path to open for a file name.
    let readable: (String) -> String

    init(folder: String, readable: @escaping (String) -> String) {
        self.folder = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        self.readable = readable
    }

    /// The files of a finished run folder.
    static func finished(_ folder: String) -> RunFiles {
        let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return RunFiles(folder: trimmed) { trimmed + "/" + $0 }
    }

    func displayName(_ name: String) -> String { folder + "/" + name }

    func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: readable(name))
    }

    /// A CSV file of the run, streamed; a missing file is bad input naming it.
    func csv(_ name: String) throws(CascadeFailure) -> CSVStream {
        guard exists(name) else {
            throw CascadeFailure(.badInput, "\(displayName(name)): no such file")
        }
        return try CSVStream(path: readable(name), displayName: displayName(name))
    }
}

/// `report.html` as a function of a run's files — `summary.json`, `blocks.csv` and, for
/// protocol worlds, `auctions.csv` and `races.csv` — so `cascade run` (which reads its own
/// files back before committing them) and `cascade report RUN_DIR` draw the same page, byte
/// for byte. Which charts: docs/report.md.
///
/// Memory: the files are streamed and the per-block series thinned as they arrive
/// (`StreamingEnvelope`, `StreamingBins`), so it does not grow with the number of blocks;
/// what grows is one small entry per auction and per liquidated race.
public enum RunReport {
    /// `cascade report RUN_DIR`: redraws `RUN_DIR/report.html` from the folder's files,
    /// atomically (the old page stays until the new one is whole). Returns the line to print.
    public static func redraw(runDirectory: String) throws(CascadeFailure) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw CascadeFailure(.badInput, "\(runDirectory): no such run folder")
        }
        let files = RunFiles.finished(runDirectory)
        let page = try page(files: files)
        let path = files.displayName("report.html")
        do {
            let file = try PendingFile(path: path)
            try file.write(page.html())
            try file.commit()
        } catch {
            throw CascadeFailure(.badInput, "cannot write the report: \(error.description)")
        }
        return "wrote \(path) (\(page.charts.count) charts)\n"
    }

    /// The last step of `cascade run`: finishes the run's files, draws the page from them
    /// (as `cascade report` would from the committed files) and commits the folder with
    /// `report.html`. On any failure nothing of the run takes its name.
    static func write(into folder: RunFolder, path: String) throws(CascadeFailure) {
        do {
            try folder.finishFiles()
        } catch {
            throw .output(error)
        }
        let page: ReportPage
        do {
            page = try self.page(
                files: RunFiles(folder: path, readable: folder.readablePath(named:)))
        } catch {
            folder.abandon()
            throw CascadeFailure(
                .internalFailure, "cannot draw the report from the run's files: \(error.message)")
        }
        do {
            try folder.write(page.html(), named: "report.html")
            try folder.commit()
        } catch {
            throw .output(error)
        }
    }

    /// Reads the run's files and lays out its page.
    static func page(files: RunFiles) throws(CascadeFailure) -> ReportPage {
        let summary = try ReportSummary.read(files)
        let kind = summary.model
        guard kind == "chain" || kind == "protocol" else {
            throw CascadeFailure(
                .badInput,
                "\(files.displayName("summary.json")): model '\(kind)' has no chain, so there "
                    + "is no report to draw (a report needs a chain or protocol run)")
        }
        var auctions: [ReportAuction] = []
        var delays: [Int] = []
        if kind == "protocol" {
            auctions = try ReportAuction.read(files)
            delays = try ReportRaces.delays(files)
        }
        let blocks = try ReportBlocks.read(
            files, auctions: &auctions, isProtocol: kind == "protocol",
            durationMs: summary.durationMs)
        var charts: [Chart] = []
        let layout = ReportLayout(durationHours: summary.durationHours)
        let vocabulary = ReportVocabulary(summary: summary.object)
        if kind == "protocol" {
            charts += blocks.assets.map {
                ProtocolCharts.price($0, layout: layout, vocabulary: vocabulary)
            }
            charts.append(ChainCharts.gasPrices(blocks, ceilings: summary.gasCeilings))
            charts.append(
                ProtocolCharts.liquidations(
                    blocks, auctions: auctions, layout: layout, vocabulary: vocabulary))
            charts.append(ProtocolCharts.badDebtAndFund(blocks, vocabulary: vocabulary))
            if blocks.hasPerps { charts.append(ProtocolCharts.perpBook(blocks)) }
            if vocabulary.hasMaker {
                charts += ProtocolCharts.clearingPrices(
                    auctions, assets: blocks.assets.map(\.name))
            }
            charts.append(ProtocolCharts.delays(delays, vocabulary: vocabulary))
            charts.append(ChainCharts.fullness(blocks, layout: layout))
            charts.append(ChainCharts.agentTransactions(blocks, layout: layout))
        } else {
            charts.append(ChainCharts.gasPrices(blocks, ceilings: summary.gasCeilings))
            charts.append(ChainCharts.fullness(blocks, layout: layout))
            charts.append(ChainCharts.agentTransactions(blocks, layout: layout))
        }
        return ReportPage(
            title: "\(summary.world) — seed \(summary.seed)",
            provenance: [
                ("world", summary.world), ("seed", summary.seed),
                ("cascade", summary.version), ("world digest", summary.worldDigest),
            ],
            headline: HeadlineFigure.rows(
                from: summary.object,
                excluding: [
                    "world", "seed", "cascade_version", "world_digest", "model",
                    "gas_ceilings_gwei",
                ] + (kind == "protocol" ? vocabulary.figuresNotApplying : []),
                documentedUnits: kind == "protocol"
                    ? vocabulary.documentedUnits : HeadlineFigure.documentedUnits),
            charts: charts,
            notes: [
                "Background demand is modelled in aggregate (docs/model/chain.md); only the "
                    + "agents' own transactions are individual."
            ])
    }
}

/// Interval widths shared by the bar charts.
struct ReportLayout {
    let durationHours: Double

    /// Bars per 15 minutes for a short run, per hour up to two days, per 6 hours beyond.
    var barHours: Double { durationHours > 48 ? 6.0 : (durationHours > 6 ? 1.0 : 0.25) }

    var barLabel: String { barHours == 0.25 ? "15 minutes" : "\(Int(barHours)) h" }

    /// Per-block fullness is noise; its mean over about 200 intervals shows the trend.
    var fullnessWidth: Double { max(durationHours / 200, 1.0 / 60) }

    /// The run's whole time axis, hours.
    var timeRange: ClosedRange<Double> { 0...max(durationHours, 1e-9) }
}

/// The figures of `summary.json` the report uses, and the whole object for the table.
struct ReportSummary {
    var object: JSONObject
    var world: String
    var seed: String
    var version: String
    var worldDigest: String
    var model: String
    var durationHours: Double
    var durationMs: UInt64
    /// Gas ceilings to draw on the gas chart, by name (`keepers`, `ETH-A transmitter`), gwei.
    var gasCeilings: [(name: String, gwei: Double)]

    /// Summary members written as measurements (floats), shown rounded in the table.
    static let measurements: Set<String> = ["gas_used_share"]

    static func read(_ files: RunFiles) throws(CascadeFailure) -> ReportSummary {
        let name = files.displayName("summary.json")
        guard files.exists("summary.json"),
            let data = FileManager.default.contents(atPath: files.readable("summary.json"))
        else {
            throw CascadeFailure(.badInput, "\(name): no such file")
        }
        let members = try JSONObjectFile.members(of: data, name: name)
        func text(_ key: String) throws(CascadeFailure) -> String {
            guard let member = members.first(where: { $0.key == key }) else {
                throw CascadeFailure(.badInput, "\(name): no field '\(key)'")
            }
            switch member.value.content {
            case .string(let value), .number(let value): return value
            default:
                throw CascadeFailure(
                    .badInput,
                    "\(name)\(position(member.value)): "
                        + "field '\(key)': expected a string or a number")
            }
        }
        // Whole seconds, up to ten years (26 million 12-second blocks): bounded, so every
        // time axis and its count of bars are.
        guard let seconds = UInt64(try text("sim_seconds")), seconds <= 315_360_000 else {
            throw CascadeFailure(
                .badInput,
                "\(name): field 'sim_seconds': expected whole seconds from 0 to 315360000")
        }
        var ceilings: [(String, Double)] = []
        if let member = members.first(where: { $0.key == "gas_ceilings_gwei" }),
            case .object(let entries) = member.value.content
        {
            for entry in entries {
                guard case .number(let number) = entry.value.content, let gwei = Double(number),
                    gwei >= 0, gwei <= 1e36
                else {
                    throw CascadeFailure(
                        .badInput,
                        "\(name)\(position(entry.value)): "
                            + "gas_ceilings_gwei.\(entry.key): expected a number")
                }
                ceilings.append((entry.key, gwei))
            }
        }
        var object = JSONObject()
        for member in members {
            object.append(member.key, output(member.value, key: member.key))
        }
        return ReportSummary(
            object: object, world: try text("world"), seed: try text("seed"),
            version: try text("cascade_version"), worldDigest: try text("world_digest"),
            model: try text("model"), durationHours: Double(seconds) / 3_600,
            durationMs: seconds * 1_000, gasCeilings: ceilings)
    }

    /// `:line:column` of a value read from the file.
    static func position(_ value: JSONValue) -> String {
        if case .file(let position) = value.origin {
            return ":\(position.line):\(position.column)"
        }
        return ""
    }

    /// A parsed JSON value as an output value, numbers kept as written (exact decimals),
    /// except the measurements.
    static func output(_ value: JSONValue, key: String) -> OutputJSON {
        switch value.content {
        case .null: return .null
        case .bool(let flag): return .boolean(flag)
        case .string(let text): return .string(text)
        case .number(let text):
            if measurements.contains(key), let double = Double(text) { return .double(double) }
            if let integer = Int(text) { return .integer(integer) }
            if let decimal = DecimalText(text: text) { return .decimal(decimal) }
            return .double(Double(text) ?? .nan)
        case .array(let elements): return .array(elements.map { output($0, key: key) })
        case .object(let members):
            var object = JSONObject()
            for member in members {
                object.append(member.key, output(member.value, key: member.key))
            }
            return .object(object)
        }
    }
}

/// Reads number cells for the charts: `Double` for placing ink only.
enum ReportCells {
    static func double(_ record: CSVRecord, _ column: Int, in csv: CSVStream)
        throws(CascadeFailure) -> Double
    {
        let text = record.fields[column]
        // Plain decimals only, and within ±10^36: far beyond any price or amount, and small
        // enough that no axis arithmetic overflows.
        // A byte scan for the exponent (Foundation's `contains` on strings is a locale-aware
        // search, and this runs for every cell of blocks.csv).
        let hasExponent = text.utf8.contains { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        guard let value = Double(text), value.isFinite, abs(value) <= 1e36, !text.isEmpty,
            text.first != "+", !hasExponent
        else {
            throw csv.bad(record, column: column, expected: "a number")
        }
        return value
    }

    static func optionalDouble(_ record: CSVRecord, _ column: Int, in csv: CSVStream)
        throws(CascadeFailure) -> Double?
    {
        record.fields[column].isEmpty ? nil : try double(record, column, in: csv)
    }

    static func block(_ record: CSVRecord, _ column: Int, in csv: CSVStream)
        throws(CascadeFailure) -> UInt64
    {
        guard let value = UInt64(record.fields[column]) else {
            throw csv.bad(record, column: column, expected: "a block number")
        }
        return value
    }

    static func optionalBlock(_ record: CSVRecord, _ column: Int, in csv: CSVStream)
        throws(CascadeFailure) -> UInt64?
    {
        record.fields[column].isEmpty ? nil : try block(record, column, in: csv)
    }
}

/// One row of `auctions.csv`, as the report needs it; the kick and end times and the
/// market price at the kick are filled in from `blocks.csv`.
struct ReportAuction {
    var asset: String
    var kickBlock: UInt64
    var endBlock: UInt64?
    var clearingPrice: Double?
    var marketPrice: Double?
    var kickHours: Double?
    var kickMarketPrice: Double?
    var endHours: Double?

    static func read(_ files: RunFiles) throws(CascadeFailure) -> [ReportAuction] {
        let csv = try files.csv("auctions.csv")
        let asset = try csv.column("asset")
        let kick = try csv.column("kick_block")
        let end = try csv.column("end_block")
        let clearing = try csv.column("clearing_price")
        let market = try csv.column("market_price")
        var auctions: [ReportAuction] = []
        while let record = try csv.next() {
            auctions.append(
                ReportAuction(
                    asset: record.fields[asset],
                    kickBlock: try ReportCells.block(record, kick, in: csv),
                    endBlock: try ReportCells.optionalBlock(record, end, in: csv),
                    clearingPrice: try ReportCells.optionalDouble(record, clearing, in: csv),
                    marketPrice: try ReportCells.optionalDouble(record, market, in: csv)))
        }
        return auctions
    }
}

/// The liquidation delays of `races.csv` (blocks from unsafe to liquidated), streamed.
enum ReportRaces {
    static func delays(_ files: RunFiles) throws(CascadeFailure) -> [Int] {
        let csv = try files.csv("races.csv")
        let unsafe = try csv.column("unsafe_block")
        let liquidatable = try csv.column("liquidatable_block")
        let liquidated = try csv.column("liquidated_block")
        var delays: [Int] = []
        while let record = try csv.next() {
            guard let end = try ReportCells.optionalBlock(record, liquidated, in: csv) else {
                continue
            }
            let marketStart = try ReportCells.optionalBlock(record, unsafe, in: csv)
            let chainStart = try ReportCells.optionalBlock(record, liquidatable, in: csv)
            let start = marketStart ?? chainStart ?? end
            delays.append(Int(clamping: end >= start ? end - start : 0))
        }
        return delays
    }
}
