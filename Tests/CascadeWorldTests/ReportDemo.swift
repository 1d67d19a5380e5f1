import Foundation
import Testing

@testable import CascadeRun

/// Synthetic, deterministic data shaped like Black Thursday (12–13 March 2020): ETH slides
/// from ~$195, crashes twice to ~$110, and recovers partly; an OSM reports the price an hour
/// late; gas prices spike; liquidations bunch up in the crash; auctions clear near zero.
/// A fixed formula, not history: it exists to draw and check the report.
enum BlackThursdayLikeData {
    static let hours = 72.0

    /// A tiny linear congruential generator (Knuth's MMIX constants): reproducible noise
    /// for a demo, nothing more.
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
    }

    /// The market price at `hour`: a smooth path with two crashes, plus small wiggles.
    static func trend(_ hour: Double) -> Double {
        func drop(_ hour: Double, at center: Double, depth: Double, width: Double) -> Double {
            depth / (1 + exp(-(hour - center) / width))
        }
        return 195 - drop(hour, at: 14, depth: 55, width: 1.2)
            - drop(hour, at: 30, depth: 32, width: 0.8) + drop(hour, at: 44, depth: 20, width: 4)
    }

    /// `count` market prices evenly spread over the run.
    static func market(count: Int) -> [ChartPoint] {
        var noise = Noise(state: 20_200_312)
        var wiggle = 0.0
        return (0..<count).map { index in
            let hour = hours * Double(index) / Double(count - 1)
            wiggle = 0.995 * wiggle + noise.next() * 0.9
            return ChartPoint(x: hour, y: trend(hour) + wiggle)
        }
    }

    /// The OSM: each hour it reports the price of the hour before.
    static func oracle() -> [ChartPoint] {
        var points = (0...Int(hours)).map { hour in
            ChartPoint(x: Double(hour), y: trend(Double(max(hour - 1, 0))))
        }
        points.append(ChartPoint(x: hours, y: points.last?.y ?? 0))
        return points
    }

    /// Liquidation times (hours): bunched where the oracle falls.
    static func liquidationHours() -> [Double] {
        var noise = Noise(state: 4_000)
        var result: [Double] = []
        for hour in 0..<Int(hours) {
            let fall = max(trend(Double(hour) - 1) - trend(Double(hour)), 0)
            let count = Int(fall * 3)
            for _ in 0..<count {
                result.append(Double(hour) + 0.5 + noise.next())
            }
        }
        return result.sorted()
    }

    static func gasPriceGwei() -> [ChartPoint] {
        (0..<Int(hours * 12)).map { step in
            let hour = Double(step) / 12
            let stress = max(trend(hour - 0.5) - trend(hour), 0)
            return ChartPoint(x: hour, y: 8 + 7 * sin(hour / 3.8) + stress * 40)
        }
    }

    static func delayBlocks() -> [Int] {
        var noise = Noise(state: 77)
        return liquidationHours().map { _ in Int(12 + 10 * noise.next() + 30 * abs(noise.next())) }
    }

    static func summary() -> JSONObject {
        let delays = Percentiles(delayBlocks())
        return [
            "world": "black-thursday-like-demo", "seed": 7, "cascade_version": "0.0.0-demo",
            "blocks": 19_636, "liquidations": .integer(liquidationHours().count),
            "auctions": .integer(liquidationHours().count), "zero_bid_auctions": 36,
            "bad_debt": .decimal(4_512_345_670_000_000_000_000_000, scale: 18),
            "bad_debt_unit": "DAI",
            "liquidation_delay_blocks": .object(
                delays.jsonObject(percents: [50, 90, 99]) {
                    .integer($0)
                }),
            "oracle_lag_seconds": ["p50": 1_800, "p90": 3_240, "max": 3_600],
        ]
    }

    /// The demo page: every kind of chart the report uses, one of them empty.
    static func page(marketPoints: Int = 100_000) -> ReportPage {
        let market = market(count: marketPoints)
        let liquidations = liquidationHours().map { ChartPoint(x: $0, y: trend($0)) }
        var perHourBites = [Double](repeating: 0, count: Int(hours))
        for hour in liquidationHours() { perHourBites[min(Int(hour), Int(hours) - 1)] += 1 }
        let bars = perHourBites.enumerated().map { hour, bites in
            ChartBar(
                lower: Double(hour), upper: Double(hour + 1),
                values: [bites, (bites * 0.6).rounded(.down)])
        }
        var badDebt = 0.0
        var fund = 1_600_000.0
        var debtPoints: [ChartPoint] = []
        var fundPoints: [ChartPoint] = []
        for (hour, bites) in perHourBites.enumerated() {
            badDebt += bites * 22_000
            fund = max(fund - bites * 9_000, 0)
            debtPoints.append(ChartPoint(x: Double(hour), y: badDebt))
            fundPoints.append(ChartPoint(x: Double(hour), y: fund))
        }
        var noise = Noise(state: 9)
        let clearing = liquidations.map { point in
            ChartPoint(x: point.y, y: max(point.y * (0.75 + 0.4 * noise.next()) - 40, 0))
        }
        let delays = Histogram.bins(integers: delayBlocks())
        let charts = [
            Chart(
                title: "ETH: market price and the price the oracle reports",
                x: ChartAxis("time since start", unit: "h"), y: ChartAxis("price", unit: "USD"),
                layers: [
                    .line(name: "market (Coinbase-like)", points: market, style: .solid),
                    .line(name: "OSM oracle (1 h delay)", points: oracle(), style: .stepped),
                    .markers(
                        name: "liquidation (bite)", points: liquidations, shape: .triangleDown),
                ], emptyNote: "no price data in this run",
                caption:
                    "Each triangle is a liquidation, placed at the market price when it happened."),
            Chart(
                title: "Gas price paid by included transactions",
                x: ChartAxis("time since start", unit: "h"),
                y: ChartAxis("gas price", unit: "gwei", includesZero: true),
                layers: [
                    .line(name: "median gas price", points: gasPriceGwei(), style: .area),
                    .line(
                        name: "feed reporters' ceiling",
                        points: [ChartPoint(x: 0, y: 100), ChartPoint(x: hours, y: 100)],
                        style: .dashed),
                ], emptyNote: "no blocks in this run"),
            Chart(
                title: "Liquidations and auctions settled, per hour",
                x: ChartAxis("time since start", unit: "h"),
                y: ChartAxis("count", unit: "per hour", includesZero: true),
                layers: [
                    .bars(names: ["liquidations (bite)", "auctions settled (deal)"], bars: bars)
                ],
                emptyNote: "no liquidations in this run"),
            Chart(
                title: "Cumulative bad debt and the insurance fund",
                x: ChartAxis("time since start", unit: "h"),
                y: ChartAxis("amount", unit: "DAI", includesZero: true),
                layers: [
                    .line(name: "bad debt (cumulative)", points: debtPoints, style: .area),
                    .line(
                        name: "insurance fund (surplus buffer)", points: fundPoints, style: .solid),
                ], emptyNote: "no bad debt in this run"),
            Chart(
                title: "Auction clearing price against market price",
                x: ChartAxis("market price at settlement", unit: "USD"),
                y: ChartAxis("clearing price", unit: "USD per ETH", includesZero: true),
                layers: [
                    .scatter(name: "settled auction", points: clearing),
                    .reference(
                        name: "clearing = market",
                        from: ChartPoint(x: 0, y: 0), to: ChartPoint(x: 200, y: 200)),
                ], emptyNote: "no auctions settled in this run"),
            Chart(
                title: "Liquidation delay: unsafe at market price → liquidated",
                x: ChartAxis("delay", unit: "blocks"),
                y: ChartAxis("liquidations", unit: "count", includesZero: true),
                layers: [
                    .bars(
                        names: ["liquidations"],
                        bars: delays.map {
                            ChartBar(lower: $0.lower, upper: $0.upper, values: [Double($0.count)])
                        })
                ], emptyNote: "no liquidations in this run"),
            Chart(
                title: "Dutch auctions (Clipper): take price against time",
                x: ChartAxis("time since start", unit: "h"), y: ChartAxis("price", unit: "USD"),
                layers: [.line(name: "take price", points: [], style: .solid)],
                emptyNote: "no Dutch auctions in this run (this world uses Flipper)"),
        ]
        let summary = summary()
        return ReportPage(
            title: "black-thursday-like-demo · seed 7",
            provenance: [
                ("world", "black-thursday-like-demo"), ("seed", "7"),
                ("cascade", "0.0.0-demo"), ("world digest", "3f2a9c0d"),
            ],
            headline: HeadlineFigure.rows(
                from: summary, excluding: ["world", "seed", "cascade_version", "bad_debt_unit"]
            ).map { figure in
                var figure = figure
                if figure.label == "bad debt" { figure.unit = "DAI" }
                return figure
            },
            charts: charts,
            notes: ["Synthetic data from a fixed formula, drawn to check the report's layout."])
    }
}

@Suite("Report: demo page")
struct ReportDemoTests {
    /// Writes the demo page to `$CASCADE_REPORT_DEMO_DIR` (or a temporary folder) for a
    /// person to open; checks only that it is written whole and deterministic.
    @Test func writesDemoPage() throws {
        let folderPath =
            ProcessInfo.processInfo.environment["CASCADE_REPORT_DEMO_DIR"]
            ?? NSTemporaryDirectory() + "cascade-report-demo"
        let page = BlackThursdayLikeData.page()
        let html = page.html()
        #expect(html == BlackThursdayLikeData.page().html())
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || !html.contains("src=\"http"))
        #expect(html.utf8.count < 600_000, "page is \(html.utf8.count) bytes")
        let folder = try RunFolder(path: folderPath)
        try folder.write(html, named: "report.html")
        try folder.commit()
        print("demo report: \(folderPath)/report.html (\(html.utf8.count) bytes)")
    }
}
