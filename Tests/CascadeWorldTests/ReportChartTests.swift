import Foundation
import Testing

@testable import CascadeRun

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Counts elements while parsing, and remembers the first parse error.
final class XMLCheck: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        elements[elementName, default: 0] += 1
    }

    /// Parses `text`; true when it is well-formed XML.
    static func parse(_ text: String) -> (wellFormed: Bool, check: XMLCheck) {
        let check = XMLCheck()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = check
        return (parser.parse(), check)
    }
}

@Suite("Report: nice ticks")
struct ReportNiceScaleTests {
    @Test(
        "Steps are 1, 2 or 5 times a power of ten",
        arguments: [
            (0.0, 97.0, 5, [0.0, 20, 40, 60, 80, 100], ["0", "20", "40", "60", "80", "100"]),
            (0.3, 0.9, 3, [0.2, 0.4, 0.6, 0.8, 1.0], ["0.2", "0.4", "0.6", "0.8", "1"]),
            (0.0, 0.3, 3, [0.0, 0.1, 0.2, 0.3], ["0", "0.1", "0.2", "0.3"]),
            (
                101.0, 219.0, 6, [100, 120, 140, 160, 180, 200, 220],
                ["100", "120", "140", "160", "180", "200", "220"]
            ),
            (0.0, 5_400_000.0, 3, [0, 2e6, 4e6, 6e6], ["0", "2M", "4M", "6M"]),
            (
                0.0, 2_500_000.0, 5, [0, 5e5, 1e6, 1.5e6, 2e6, 2.5e6],
                ["0", "0.5M", "1M", "1.5M", "2M", "2.5M"]
            ),
            (0.0, 45_000.0, 4, [0, 2e4, 4e4, 6e4], ["0", "20k", "40k", "60k"]),
            (
                0.0, 45_000.0, 5, [0, 1e4, 2e4, 3e4, 4e4, 5e4],
                ["0", "10k", "20k", "30k", "40k", "50k"]
            ),
            (-3.0, 7.0, 5, [-4, -2, 0, 2, 4, 6, 8], ["-4", "-2", "0", "2", "4", "6", "8"]),
            (
                0.000012, 0.000031, 4, [1e-5, 1.5e-5, 2e-5, 2.5e-5, 3e-5, 3.5e-5],
                ["0.00001", "0.000015", "0.00002", "0.000025", "0.00003", "0.000035"]
            ),
        ])
    func ticks(low: Double, high: Double, target: Int, ticks: [Double], labels: [String]) {
        let scale = NiceScale(minimum: low, maximum: high, targetTickCount: target)
        #expect(scale.labels == labels)
        #expect(scale.ticks.count == ticks.count)
        for (tick, expected) in zip(scale.ticks, ticks) {
            #expect(abs(tick - expected) <= 1e-9 * max(1, abs(expected)))
        }
        #expect([1, 2, 5].contains(scale.stepMantissa))
        #expect(scale.lower <= low && scale.upper >= high)
    }

    @Test func dataBoundsWithoutExtension() {
        let scale = NiceScale(minimum: 0, maximum: 72, targetTickCount: 4, extendsToTicks: false)
        #expect(scale.lower == 0 && scale.upper == 72)
        #expect(scale.labels == ["0", "20", "40", "60"])
    }

    @Test func degenerateRanges() {
        let single = NiceScale(minimum: 5, maximum: 5)
        #expect(single.lower < 5 && single.upper > 5)
        let zero = NiceScale(minimum: 0, maximum: 0)
        #expect(zero.lower == 0 && zero.upper >= 1)
        let infinite = NiceScale(minimum: -.infinity, maximum: .nan)
        #expect(infinite.lower.isFinite && infinite.upper.isFinite)
    }
}

@Suite("Report: histograms and downsampling")
struct ReportDataTests {
    @Test func integerHistogramUsesUnitBinsWhenItCan() {
        let bins = Histogram.bins(integers: [3, 3, 4, 7])
        #expect(bins.map(\.lower) == [3, 4, 5, 6, 7])
        #expect(bins.map(\.count) == [2, 1, 0, 0, 1])
    }

    @Test func integerHistogramWidensToNiceWidths() {
        let bins = Histogram.bins(integers: Array(0..<1_000) + [-7], maxBins: 30)
        #expect(bins.count <= 30)
        #expect(bins.first?.lower == -50)
        #expect(bins.first.map { $0.upper - $0.lower } == 50)
        #expect(bins.map(\.count).reduce(0, +) == 1_001)
    }

    @Test func measurementHistogram() {
        let bins = Histogram.bins(measurements: [0.5, 1.5, 1.7, 9.9, .nan, .infinity])
        #expect(bins.map(\.count).reduce(0, +) == 4)
        #expect(bins.first?.lower == 0.5)  // 9.4 wide over ~20 bins: steps of 0.5
        #expect(bins.last?.upper == 10)
        #expect(Histogram.bins(measurements: []).isEmpty)
    }

    @Test("Envelope keeps at most four points per column", arguments: [10, 100, 640])
    func envelopeBounds(columns: Int) {
        let points = (0..<200_000).map { ChartPoint(x: Double($0), y: sin(Double($0) / 50)) }
        let kept = Downsampling.envelope(points, xRange: 0...199_999, columns: columns)
        #expect(kept.count <= 4 * columns)
        #expect(kept.first == points.first && kept.last == points.last)
        #expect(kept.map(\.y).max() == points.map(\.y).max())
        #expect(kept.map(\.y).min() == points.map(\.y).min())
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $0.x < $1.x })
    }

    @Test func envelopeLeavesShortSeriesAlone() {
        let points = (0..<50).map { ChartPoint(x: Double($0), y: 1) }
        #expect(Downsampling.envelope(points, xRange: 0...49, columns: 100) == points)
    }

    @Test func onePerCellDropsOverplottedPoints() {
        let points = (0..<10_000).map { ChartPoint(x: Double($0 % 100), y: Double($0 / 100)) }
        let kept = Downsampling.onePerCell(points, cell: 10) { ($0.x, $0.y) }
        #expect(kept.count == 100)
        #expect(kept.first == points.first)
    }
}

@Suite("Report: SVG and page")
struct ReportSVGTests {
    static let big = BlackThursdayLikeData.page(marketPoints: 200_000)

    @Test func everyChartIsWellFormedXML() {
        for (index, chart) in Self.big.charts.enumerated() {
            let (wellFormed, check) = XMLCheck.parse(chart.svg(id: "c\(index)"))
            #expect(wellFormed, "chart \(index) is not well-formed")
            #expect(check.elements["svg"] == 1)
            #expect(check.elements["title"] == 1)
        }
    }

    @Test func sameInputSameBytes() {
        let first = BlackThursdayLikeData.page(marketPoints: 5_000).html()
        let second = BlackThursdayLikeData.page(marketPoints: 5_000).html()
        #expect(first == second)
    }

    @Test func longSeriesStaySmall() {
        let chart = Self.big.charts[0]
        let svg = chart.svg(id: "price")
        // 200 000 market points on a ~560-pixel plot: at most 4 per column are drawn.
        #expect(svg.utf8.count < 80_000, "price chart is \(svg.utf8.count) bytes")
        let commands = svg.split(separator: "L").count
        #expect(commands < 4 * Int(chart.width) + 100)
    }

    @Test func emptyChartShowsItsNote() {
        let chart = Chart(
            title: "Liquidation delay", x: ChartAxis("delay", unit: "blocks"),
            y: ChartAxis("liquidations"), layers: [.bars(names: ["liquidations"], bars: [])],
            emptyNote: "no liquidations in this run")
        let svg = chart.svg(id: "empty")
        #expect(svg.contains("no liquidations in this run"))
        #expect(XMLCheck.parse(svg).wellFormed)
    }

    @Test func textIsEscaped() {
        let chart = Chart(
            title: "A & B <\"quoted\"> 'single'", x: ChartAxis("x"), y: ChartAxis("y"),
            layers: [.line(name: "<series>", points: [ChartPoint(x: 0, y: 1)], style: .solid)],
            emptyNote: "none")
        let svg = chart.svg(id: "esc")
        #expect(svg.contains("A &amp; B &lt;&quot;quoted&quot;&gt; &#39;single&#39;"))
        #expect(XMLCheck.parse(svg).wellFormed)
    }

    @Test func pageIsSelfContained() {
        let html = BlackThursdayLikeData.page(marketPoints: 1_000).html()
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("href="))
        #expect(!html.contains("@import"))
        #expect(html.contains("@media print"))
        #expect(html.contains("4,512,345.67"))
    }

    @Test(
        "Figures are grouped for reading",
        arguments: [
            ("1234", "1234"), ("12345", "12,345"), ("-1234567.891", "-1,234,567.891"),
            ("4512345.67", "4,512,345.67"), ("0.5", "0.5"),
        ])
    func grouping(plain: String, grouped: String) {
        #expect(HeadlineFigure.grouped(plain) == grouped)
    }
}

@Suite("Report: bars from events")
struct ReportBarTests {
    @Test func sumsIntoBuckets() {
        let bars = ChartBar.sums(
            of: [(x: 0.2, values: [1, 0]), (x: 0.9, values: [2, 1]), (x: 3.5, values: [1, 1])],
            width: 1, seriesCount: 2)
        #expect(bars.map(\.lower) == [0, 1, 2, 3])
        #expect(bars.map(\.values) == [[3, 1], [0, 0], [0, 0], [1, 1]])
        #expect(ChartBar.sums(of: [], width: 1, seriesCount: 1).isEmpty)
    }
}
