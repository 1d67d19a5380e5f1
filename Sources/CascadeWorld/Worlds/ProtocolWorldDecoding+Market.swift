import CascadeAgents
import CascadeChain
import CascadeKernel

extension ProtocolWorldDecoding {
    /// The prices a market may start at or pass through as a historical anchor (quote per
    /// unit): beyond them the contracts' integer prices overflow.
    static let priceRange: ClosedRange<Double> = 1e-6...1e12

    /// `market`: `resolution` (default 1 s) and `assets`; the horizon is the world's duration.
    static func decodeMarket(_ reader: JSONReader, seed: UInt64, duration: Int64)
        throws(WorldError) -> MarketConfiguration
    {
        let object = try reader.object()
        let resolution =
            try object.optional("resolution")?.durationMilliseconds(in: 100...3_600_000) ?? 1_000
        var assets: [MarketAsset] = []
        for entry in try object.required("assets").array(count: 1...16) {
            let asset = try entry.object()
            let name = try asset.required("name").nonEmptyString()
            guard !assets.contains(where: { $0.name == name }) else {
                throw entry.error("asset \(name) is named twice")
            }
            let priceModel = try decodePriceModel(
                try asset.required("model"), resolution: resolution, duration: duration)
            var shocks: [ScriptedShock] = []
            if let list = asset.optional("shocks") {
                for shockReader in try list.array(count: 0...1_000) {
                    shocks.append(try decodeShock(shockReader))
                }
            }
            try asset.finish()
            assets.append(MarketAsset(name: name, model: priceModel, shocks: shocks))
        }
        let correlation = try object.optional("correlation").map {
            reader throws(WorldError) in try decodeCorrelation(reader, assets: assets)
        }
        try object.finish()
        let configuration = MarketConfiguration(
            assets: assets, correlation: correlation, resolution: .milliseconds(resolution),
            horizon: .milliseconds(max(duration, resolution)))
        do {
            _ = try MarketPath(configuration: configuration, seed: seed)
        } catch {
            throw reader.error(error.description)
        }
        return configuration
    }

    /// `market.correlation`: one number, the correlation of every pair of diffusive assets
    /// (constant and historical assets take no shocks: 0 with them), or the whole matrix as
    /// rows in asset order. `MarketPath` checks the matrix (square, symmetric, unit
    /// diagonal, positive definite) and its message names the problem.
    static func decodeCorrelation(_ reader: JSONReader, assets: [MarketAsset])
        throws(WorldError) -> [[Double]]
    {
        if case .array = reader.value.content {
            return try reader.array(count: assets.count...assets.count) {
                row throws(WorldError) in
                try row.array(count: assets.count...assets.count) {
                    cell throws(WorldError) in try cell.double(in: -1...1)
                }
            }
        }
        let pairwise = try reader.double(in: -1...1)
        let diffusive = assets.map(\.model.isDiffusive)
        return assets.indices.map { i in
            assets.indices.map { j -> Double in
                if i == j { return 1 }
                return diffusive[i] && diffusive[j] ? pairwise : 0
            }
        }
    }

    static func decodePriceModel(_ reader: JSONReader, resolution: Int64, duration: Int64)
        throws(WorldError) -> PriceModel
    {
        let model = try reader.object()
        let kind = try model.required("kind").oneOf(["gbm", "jump_diffusion", "historical"])
        let priceModel: PriceModel
        switch kind {
        case "historical":
            let anchors = try decodeHistorical(model)
            if let problem = anchors.problem(resolution: .milliseconds(resolution)) {
                throw reader.error(problem)
            }
            let covered = anchors.period.milliseconds * Int64(anchors.bars.count)
            guard covered >= duration else {
                throw reader.error(
                    "the table covers \(anchors.bars.count) bars of \(anchors.period), "
                        + "shorter than the world's duration")
            }
            priceModel = .historical(anchors)
        case "gbm":
            let process = GeometricBrownianMotion(
                price: try model.required("price").double(in: Self.priceRange),
                drift: try model.optional("drift")?.double(in: -10...10) ?? 0,
                volatility: try model.required("volatility").double(in: 0...10))
            if let problem = process.problem { throw reader.error(problem) }
            priceModel = .geometricBrownian(process)
        default:
            let process = MertonJumpDiffusion(
                price: try model.required("price").double(in: Self.priceRange),
                drift: try model.optional("drift")?.double(in: -10...10) ?? 0,
                volatility: try model.required("volatility").double(in: 0...10),
                jumpIntensity: try model.required("jump_intensity").double(in: 0...10_000),
                jumpMean: try model.required("jump_mean").double(in: -5...5),
                jumpVolatility: try model.required("jump_volatility").double(in: 0...5))
            if let problem = process.problem { throw reader.error(problem) }
            priceModel = .jumpDiffusion(process)
        }
        try model.finish()
        return priceModel
    }

    /// `kind: "historical"`: `data` names a CSV of bars (`open,high,low,close`, one row per
    /// `period`, the first starting at the world's start), `period` (default 1 h) and
    /// `bridge_volatility` (default: each bar's Parkinson estimate).
    static func decodeHistorical(_ model: JSONObjectReader) throws(WorldError)
        -> HistoricalAnchors
    {
        let dataReader = try model.required("data")
        let table = try CSVTable(file: try dataReader.dataFile())
        for column in ["open", "high", "low", "close"] where !table.columns.contains(column) {
            throw WorldError(
                file: table.displayName, path: column, line: 1,
                message: "missing column \(JSONSerializer.quoted(column)); a price table "
                    + "needs open, high, low and close")
        }
        let period =
            try model.optional("period")?.durationMilliseconds(in: 1_000...86_400_000)
            ?? 3_600_000
        let volatility = try model.optional("bridge_volatility")?.double(in: 0...50)
        guard !table.rows.isEmpty, table.rows.count <= 1_000_000 else {
            throw dataReader.error("a price table needs 1 to 1,000,000 rows")
        }
        // Rows are taken by position; a clock column, when the table has one, must agree,
        // so a missing or repeated row is an error rather than a shifted price path.
        let hours = table.columns.contains(Self.hourColumn)
        let firstHour = hours ? try Self.hourOfDay(table.rows[0]) : 0
        var bars: [PriceBar] = []
        bars.reserveCapacity(table.rows.count)
        for (index, row) in table.rows.enumerated() {
            if hours {
                let expected =
                    (Int64(firstHour) * 3_600_000 + Int64(index) * period)
                    / 3_600_000 % 24
                let hour = try Self.hourOfDay(row)
                guard hour == expected else {
                    throw row.error(
                        Self.hourColumn,
                        "found hour \(hour), expected \(expected): row \(index + 1) starts "
                            + "\(SimTime.milliseconds(Int64(index) * period).readable) after "
                            + "the first, rows being one period apart; is a row missing, "
                            + "repeated or out of order?")
                }
            }
            // The range a model's starting `price` has: beyond it the contracts' integer
            // prices overflow (a bar's high of 10³⁰ trapped a keeper's valuation).
            func price(_ column: String) throws(WorldError) -> Double {
                let value = try row.decimal(column)
                guard Self.priceRange.contains(value.approximateDouble) else {
                    throw row.error(
                        column, "a price must be between 1e-06 and 10^12, found \(value)")
                }
                return value.approximateDouble
            }
            let bar = PriceBar(
                start: .milliseconds(Int64(index) * period), open: try price("open"),
                high: try price("high"), low: try price("low"), close: try price("close"))
            if let problem = bar.problem {
                throw row.error("open", "bar at line \(row.line): \(problem)")
            }
            bars.append(bar)
        }
        return HistoricalAnchors(
            period: .milliseconds(period), bars: bars, bridgeVolatility: volatility)
    }

    /// A price table's optional clock column: the hour of the day (0–23, UTC) each row
    /// starts at. Checked against the rows' positions, never used to place them.
    static let hourColumn = "hour_utc"

    static func hourOfDay(_ row: CSVRow) throws(WorldError) -> Int64 {
        let hour = try row.integer(hourColumn, Int64.self)
        guard (0...23).contains(hour) else {
            throw row.error(hourColumn, "an hour of the day must be 0 to 23, found \(hour)")
        }
        return hour
    }

    static func decodeShock(_ reader: JSONReader) throws(WorldError) -> ScriptedShock {
        let object = try reader.object()
        let at = try object.required("at").durationMilliseconds(in: 0...Int64.max / 4)
        let change = try object.required("change").percentage(allowNegative: true)
            .approximateDouble
        let over = try object.optional("over")?.durationMilliseconds(in: 0...Int64.max / 4) ?? 0
        try object.finish()
        let shock = ScriptedShock(
            start: .milliseconds(at), change: change, duration: .milliseconds(over))
        if let problem = shock.problem { throw reader.error(problem) }
        return shock
    }
}
