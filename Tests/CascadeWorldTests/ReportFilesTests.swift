import Foundation
import Testing

@testable import CascadeRun

/// The report drawn from a run's files: the streaming CSV reader, the protocol charts'
/// "nothing to draw" cases, and the headline's rounding.
@Suite("Report: from the run's files")
struct ReportFilesTests {
    static func write(_ text: String, named name: String, in folder: String) throws {
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }

    static func records(_ text: String, name: String, chunkBytes: Int = 4) throws
        -> (CSVStream, [CSVRecord])
    {
        // One folder per text: the tests of the suite run in parallel.
        let folder = makeScratchFolder("csv-stream-\(name)")
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true)
        try write(text, named: "t.csv", in: folder)
        let csv = try CSVStream(
            path: folder + "/t.csv", displayName: "t.csv", chunkBytes: chunkBytes)
        var records: [CSVRecord] = []
        while let record = try csv.next() { records.append(record) }
        return (csv, records)
    }

    @Test("CSV: quoted fields, doubled quotes, line breaks inside quotes, CRLF, tiny buffers")
    func csvDialect() throws {
        let (csv, rows) = try Self.records(
            "a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n3,,z", name: "dialect")
        #expect(csv.columns == ["a", "b", "c"])
        #expect(
            rows.map(\.fields) == [
                ["1", "x,y", "say \"hi\""], ["2", "two\nlines", ""], ["3", "", "z"],
            ])
        #expect(rows.map(\.line) == [2, 3, 5])
    }

    @Test("CSV: a short row, a stray quote, an open quote and an empty file name the line")
    func csvErrors() throws {
        var count = 0
        func message(_ text: String) -> String {
            count += 1
            do {
                _ = try Self.records(text, name: "error-\(count)")
                return ""
            } catch {
                return (error as? CascadeFailure)?.message ?? "\(error)"
            }
        }
        #expect(message("a,b\n1,2\n3\n") == "t.csv:3: expected 2 fields, found 1")
        #expect(message("a,b\n1,2x\"\n").hasPrefix("t.csv:2: field 2: a quote"))
        #expect(message("a,b\n1,\"2\n").contains("t.csv:2: a quoted field is not closed"))
        #expect(message("").hasPrefix("t.csv:1: the file is empty"))
        #expect(message("a,a\n").contains("'a' appears twice"))
    }

    @Test("charts with nothing to draw say so")
    func nothingToDraw() {
        let layout = ReportLayout(durationHours: 6)
        let blocks = ReportBlocks()
        let charts = [
            ProtocolCharts.delays([]),
            ProtocolCharts.clearingPrices([], assets: ["ETH", "WBTC"])[0],
            ProtocolCharts.liquidations(blocks, auctions: [], layout: layout),
            ProtocolCharts.price(ReportAsset(name: "ETH"), layout: layout),
        ]
        for chart in charts {
            #expect(!chart.hasData, "\(chart.title)")
            #expect(chart.svg(id: "c").contains(SVGWriter.escape(chart.emptyNote)))
        }
        #expect(charts[0].emptyNote == "no liquidations in this run")
        // Blocks with zero liquidations are still nothing to draw.
        var quiet = ReportBlocks()
        quiet.liquidations = [ChartBar(lower: 0, upper: 0.25, values: [0, 0])]
        #expect(!ProtocolCharts.liquidations(quiet, auctions: [], layout: layout).hasData)
    }

    @Test("the gas chart draws a base fee only on a chain that has one (EIP-1559)")
    func gasChartBaseFee() {
        var blocks = ReportBlocks()
        blocks.baseFee = [ChartPoint(x: 0, y: 0), ChartPoint(x: 1, y: 0)]
        blocks.averagePrice = [ChartPoint(x: 0, y: 40), ChartPoint(x: 1, y: 90)]
        blocks.lastHours = 1
        func names(_ chart: Chart) -> [String] {
            chart.layers.compactMap { layer in
                if case .line(let name, _, _) = layer { name } else { nil }
            }
        }
        let ceilings = [(name: "ETH-A transmitter", gwei: 100.0)]
        // A first-price chain: every base fee 0, so no line at zero under the prices paid.
        let legacy = ChainCharts.gasPrices(blocks, ceilings: ceilings)
        #expect(names(legacy) == ["average price paid", "ETH-A transmitter gas ceiling"])
        #expect(legacy.caption?.contains("first-price auction") == true)
        #expect(legacy.caption?.contains("the price it takes to be included") == true)
        blocks.baseFee[1].y = 12
        blocks.hasBaseFee = true
        let london = ChainCharts.gasPrices(blocks, ceilings: ceilings)
        #expect(
            names(london) == ["base fee", "average price paid", "ETH-A transmitter gas ceiling"])
        #expect(london.caption?.contains("while the base fee is above a ceiling") == true)
        // The fullness chart's target and its reading, likewise.
        let layout = ReportLayout(durationHours: 1)
        #expect(ChainCharts.fullness(blocks, layout: layout).caption?.contains("EIP-1559") == true)
        blocks.hasBaseFee = false
        #expect(ChainCharts.fullness(blocks, layout: layout).caption?.contains("EIP-1559") == false)
    }

    @Test("the clearing-price chart draws one dot per settled auction and the diagonal")
    func clearingPrices() {
        let auctions = [
            ReportAuction(
                asset: "ETH", kickBlock: 1, endBlock: 5, clearingPrice: 120, marketPrice: 130),
            ReportAuction(
                asset: "ETH", kickBlock: 1, endBlock: 6, clearingPrice: 0, marketPrice: 128),
            ReportAuction(
                asset: "ETH", kickBlock: 2, endBlock: nil, clearingPrice: nil, marketPrice: nil),
        ]
        let charts = ProtocolCharts.clearingPrices(auctions, assets: ["ETH", "WBTC"])
        #expect(charts.count == 1, "only assets whose auctions sold get a chart")
        let chart = charts[0]
        guard case .scatter(_, let points) = chart.layers.first else {
            Issue.record("no scatter layer")
            return
        }
        #expect(points == [ChartPoint(x: 130, y: 120), ChartPoint(x: 128, y: 0)])
        // A zero bid pulls the square domain down to zero, so its dot sits on the x axis.
        #expect(chart.xRange?.lowerBound == 0 && chart.yRange == chart.xRange)
    }

    @Test(
        "the table rounds long decimals on their digits",
        arguments: [
            ("-12143.627799002546406387", "-12143.6278"), ("3.375978639277486", "3.376"),
            ("0.99999", "1"), ("-0.00001", "0"), ("2.5", "2.5"), ("999.99995", "1000"),
        ])
    func rounding(text: String, rounded: String) {
        #expect(HeadlineFigure.rounded(text, fractionDigits: 4) == rounded)
    }
}

@Suite("Report: thinning while streaming")
struct StreamingSeriesTests {
    /// A deterministic wiggly series with spikes (no system randomness).
    static func series(_ count: Int) -> [ChartPoint] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 40) / Double(1 << 24)
            let spike = index % 997 == 0 ? 50.0 : 0
            return ChartPoint(x: Double(index) / Double(count) * 6, y: noise + spike)
        }
    }

    @Test("keeps at most four points a column, the extremes, the first and the last")
    func envelope() {
        let points = Self.series(100_000)
        var thinner = StreamingEnvelope(range: 0...6, columns: 500)
        for point in points { thinner.append(point) }
        let kept = thinner.points
        #expect(kept.count <= 4 * 500)
        #expect(kept.first == points.first && kept.last == points.last)
        #expect(kept.map(\.y).max() == points.map(\.y).max())
        #expect(kept.map(\.y).min() == points.map(\.y).min())
        #expect(kept.map(\.x) == kept.map(\.x).sorted())
        // The spikes survive.
        #expect(kept.filter { $0.y >= 50 }.count == points.filter { $0.y >= 50 }.count)
    }

    @Test("a short series is kept whole")
    func shortSeries() {
        let points = Self.series(300)
        var thinner = StreamingEnvelope(range: 0...6, columns: 2_048)
        for point in points { thinner.append(point) }
        #expect(thinner.points == points)
    }

    @Test("bins sum as ChartBar.sums does")
    func bins() {
        let points = Self.series(5_000).filter { $0.x > 1.3 }
        let events = points.map { (x: $0.x, values: [$0.y, 1.0]) }
        var bins = StreamingBins(width: 0.25, seriesCount: 2)
        for event in events { bins.add(x: event.x, event.values) }
        #expect(bins.bars == ChartBar.sums(of: events, width: 0.25, seriesCount: 2))
    }
}
