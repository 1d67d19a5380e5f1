import CascadeAgents
import CascadeKernel
import CascadeTestSupport
import Testing

/// The historical replay: the Brownian bridge through every hour of Black Thursday
/// (HISTORY.md §1) must hit each hour's open, high, low and close exactly.
@Suite("Market: OHLC bridge")
struct MarketBridgeTests {
    static var blackThursday: HistoricalAnchors {
        HistoricalAnchors(
            period: .hours(1),
            bars: MarketFixtures.blackThursdayETH.map { row in
                PriceBar(
                    start: .hours(Int64(row.hour)), open: row.open, high: row.high,
                    low: row.low, close: row.close)
            })
    }

    /// Checks every bar of `history` against the table; returns the number of bars checked.
    static func checkBars(_ history: SampledHistory, anchors: HistoricalAnchors, seed: UInt64) {
        let perBar = Int(anchors.period.milliseconds / history.resolution.milliseconds)
        #expect(history.samples.count == perBar * anchors.bars.count, "seed \(seed)")
        for (index, bar) in anchors.bars.enumerated() {
            let slice = history.samples[(index * perBar)..<((index + 1) * perBar)]
            let label = "seed \(seed), bar \(index)"
            #expect(slice.first == bar.open, "\(label): open")
            #expect(slice.last == bar.close, "\(label): close")
            #expect(slice.max() == bar.high, "\(label): high")
            #expect(slice.min() == bar.low, "\(label): low")
            let highIndex = history.highIndices[index]
            let lowIndex = history.lowIndices[index]
            #expect(slice.indices.contains(highIndex), "\(label): high instant in the bar")
            #expect(slice.indices.contains(lowIndex), "\(label): low instant in the bar")
            #expect(history.samples[highIndex] == bar.high, "\(label): high at its instant")
            #expect(history.samples[lowIndex] == bar.low, "\(label): low at its instant")
            // Extremes strictly inside the bar are ordered consistently with it.
            let start = index * perBar
            let interior = (start + 1)..<(start + perBar - 1)
            if interior.contains(highIndex) && interior.contains(lowIndex) {
                if bar.close < bar.open { #expect(highIndex < lowIndex, "\(label): order") }
                if bar.close > bar.open { #expect(lowIndex < highIndex, "\(label): order") }
            }
        }
    }

    @Test("the bridge hits every hour's open, high, low and close exactly (50 seeds, 1 min)")
    func blackThursdayAtOneMinute() {
        let anchors = Self.blackThursday
        #expect(anchors.problem(resolution: .minutes(1)) == nil)
        for seed in UInt64(1)...50 {
            var random = RandomStream(seed: seed, name: "market.ETH")
            let history = anchors.path(resolution: .minutes(1), random: &random)
            Self.checkBars(history, anchors: anchors, seed: seed)
        }
    }

    @Test("the same at one-second resolution", arguments: [UInt64(7), 8, 9])
    func blackThursdayAtOneSecond(seed: UInt64) {
        let anchors = Self.blackThursday
        var random = RandomStream(seed: seed, name: "market.ETH")
        let history = anchors.path(resolution: .seconds(1), random: &random)
        Self.checkBars(history, anchors: anchors, seed: seed)
    }

    @Test("a fixed bridge volatility, large or zero, still hits the table exactly")
    func fixedVolatility() {
        for volatility in [0.0, 0.5, 40.0] {
            var anchors = Self.blackThursday
            anchors.bridgeVolatility = volatility
            for seed in UInt64(1)...10 {
                var random = RandomStream(seed: seed, name: "market.ETH")
                let history = anchors.path(resolution: .seconds(30), random: &random)
                Self.checkBars(history, anchors: anchors, seed: seed)
            }
        }
    }

    @Test("an extreme equal to the open or close sits there")
    func extremesAtTheEnds() {
        // Hour 04: open = high = 182.84. Hour 23: open = high = 126.90.
        let anchors = Self.blackThursday
        var random = RandomStream(seed: 3, name: "market.ETH")
        let history = anchors.path(resolution: .minutes(1), random: &random)
        #expect(history.highIndices[4] == 4 * 60)
        #expect(history.highIndices[23] == 23 * 60)
        // A bar whose close is its low and open its high: no interior extremes at all.
        let falling = HistoricalAnchors(
            period: .minutes(10),
            bars: [PriceBar(start: .zero, open: 100, high: 100, low: 90, close: 90)])
        let path = falling.path(resolution: .minutes(1), random: &random)
        #expect(path.highIndices == [0] && path.lowIndices == [9])
        #expect(path.samples.max() == 100 && path.samples.min() == 90)
        // A flat bar stays flat.
        let flat = HistoricalAnchors(
            period: .minutes(10),
            bars: [PriceBar(start: .zero, open: 5, high: 5, low: 5, close: 5)])
        #expect(flat.path(resolution: .minutes(1), random: &random).samples.allSatisfy { $0 == 5 })
    }

    @Test("the market's price at time t replays the table: opens, closes, and the range")
    func marketPathReplay() throws {
        let configuration = MarketConfiguration(
            assets: [MarketAsset(name: "ETH", model: .historical(Self.blackThursday))],
            resolution: .seconds(10), horizon: .days(1))
        for seed in UInt64(1)...5 {
            let market = try MarketPath(configuration: configuration, seed: seed)
            let eth = try #require(market.asset(named: "ETH"))
            var random = RandomStream(seed: seed, name: "queries")
            for (hour, row) in MarketFixtures.blackThursdayETH.enumerated() {
                let start = Int64(hour) * 3_600_000
                #expect(market.price(of: eth, at: .milliseconds(start)) == row.open)
                #expect(market.price(of: eth, at: .milliseconds(start + 3_590_000)) == row.close)
                // Any millisecond inside the hour's sampled span stays within its range.
                for _ in 0..<50 {
                    let offset = random.uniformInt(in: 0...3_590_000)
                    let price = market.price(of: eth, at: .milliseconds(start + offset))
                    #expect(price >= row.low && price <= row.high, "seed \(seed) hour \(hour)")
                }
            }
            // Before the table: its first open; after it: its last close.
            #expect(market.price(of: eth, at: .zero) == 195.21)
            #expect(market.price(of: eth, at: .days(3)) == 107.52)
        }
    }

    @Test("bad tables are refused with a reason")
    func validation() {
        let good = PriceBar(start: .zero, open: 10, high: 11, low: 9, close: 10)
        let gap = HistoricalAnchors(
            period: .hours(1),
            bars: [
                good,
                PriceBar(
                    start: .hours(2), open: 10, high: 11,
                    low: 9, close: 10),
            ])
        #expect(gap.problem(resolution: .minutes(1))?.contains("one period after") == true)
        let inverted = HistoricalAnchors(
            period: .hours(1),
            bars: [PriceBar(start: .zero, open: 12, high: 11, low: 9, close: 10)])
        #expect(inverted.problem(resolution: .minutes(1)) != nil)
        let single = HistoricalAnchors(period: .hours(1), bars: [good])
        #expect(single.problem(resolution: .minutes(7)) != nil)  // 60 is not a multiple of 7
        #expect(single.problem(resolution: .minutes(20)) != nil)  // 3 samples per bar
        #expect(
            HistoricalAnchors(period: .hours(1), bars: []).problem(resolution: .minutes(1))
                != nil)
        let configuration = MarketConfiguration(
            assets: [MarketAsset(name: "ETH", model: .historical(inverted))],
            resolution: .minutes(1), horizon: .hours(1))
        #expect(throws: MarketError.self) {
            _ = try MarketPath(configuration: configuration, seed: 1)
        }
    }
}
