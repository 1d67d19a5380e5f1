import CascadeAgents
import CascadeKernel
import CascadeTestSupport
import Testing

/// Determinism: the same stream gives the same path, bit for bit, and the first prices
/// of each process are pinned. A change to any of these numbers changes every market in
/// every world: re-record deliberately (print `Self.current` and paste), and say why in
/// the commit.
@Suite("Market: determinism and golden paths")
struct MarketGoldenTests {
    static func gbmPrefix() -> [Double] {
        var random = RandomStream(seed: 42, name: "market.ETH")
        var process = GeometricBrownianMotion(price: 100, drift: 0.1, volatility: 0.8)
        return (0..<4).map { _ in process.advance(by: .minutes(1), random: &random) }
    }

    static func jumpDiffusionPrefix() -> [Double] {
        var random = RandomStream(seed: 42, name: "market.ETH")
        var process = MertonJumpDiffusion(
            price: 100, drift: 0, volatility: 0.6, jumpIntensity: 100, jumpMean: -0.05,
            jumpVolatility: 0.03)
        return (0..<4).map { _ in process.advance(by: .days(1), random: &random) }
    }

    static func bridgePrefix() -> [Double] {
        var random = RandomStream(seed: 42, name: "market.ETH")
        let history = MarketBridgeTests.blackThursday.path(
            resolution: .minutes(1), random: &random)
        return Array(history.samples[0..<4])
            + [Double(history.highIndices[0]), Double(history.lowIndices[0])]
    }

    static func correlatedPrefix() throws -> [Double] {
        let market = try MarketPath(configuration: correlatedConfiguration, seed: 42)
        return Array(market.basePaths[0].samples[0..<3]) + Array(market.basePaths[1].samples[0..<3])
    }

    static let correlatedConfiguration = MarketConfiguration(
        assets: [
            MarketAsset(
                name: "ETH",
                model: .geometricBrownian(
                    GeometricBrownianMotion(price: 195, drift: 0, volatility: 0.9))),
            MarketAsset(
                name: "BTC",
                model: .jumpDiffusion(
                    MertonJumpDiffusion(
                        price: 7_900, drift: 0, volatility: 0.7, jumpIntensity: 20,
                        jumpMean: -0.05, jumpVolatility: 0.02))),
        ],
        correlation: [[1, 0.8], [0.8, 1]], resolution: .seconds(1), horizon: .minutes(10))

    static func current() throws -> [[Double]] {
        [gbmPrefix(), jumpDiffusionPrefix(), bridgePrefix(), try correlatedPrefix()]
    }

    /// Recorded from this build (Linux, Swift 6.3); they must match on every platform.
    static let golden: [[Double]] = [
        [100.08169861919257, 100.20778564212411, 100.22353570857705, 100.15991435577556],
        [93.0637057773773, 92.46119131000029, 94.67553281073086, 94.47651887903174],
        // Black Thursday's first hour: the open, three bridge samples, then the instants
        // (minutes) of the hour's high and low — a falling hour, so the high comes first.
        [195.21, 195.2281133043987, 195.2344466694937, 195.2324951290289, 44, 46],
        [195, 195.02313929805933, 195.0588138821934, 7_900, 7900.33714250236, 7901.794677771857],
    ]

    @Test("the first prices of each process are pinned")
    func goldenPrefixes() throws {
        let current = try Self.current()
        #expect(current == Self.golden, "to re-record deliberately: \(current)")
    }

    @Test(
        "the same seed gives the same market; another seed another", arguments: [UInt64(1), 2, 3])
    func sameSeedSamePath(seed: UInt64) throws {
        let configuration = MarketConfiguration(
            assets: Self.correlatedConfiguration.assets + [
                MarketAsset(name: "ETH-1h", model: .historical(MarketBridgeTests.blackThursday)),
                MarketAsset(name: "DAI", model: .constant(price: 1)),
            ],
            correlation: [[1, 0.8, 0, 0], [0.8, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
            resolution: .seconds(5), horizon: .days(1))
        let first = try MarketPath(configuration: configuration, seed: seed)
        let second = try MarketPath(configuration: configuration, seed: seed)
        let other = try MarketPath(configuration: configuration, seed: seed + 100)
        #expect(first == second, "seed \(seed)")
        for asset in 0..<3 {
            #expect(first.basePaths[asset] != other.basePaths[asset], "seed \(seed)")
        }
        let dai = try #require(first.asset(named: "DAI"))
        #expect(first.price(of: dai, at: .hours(5)) == 1)
        #expect(first.assetNames == ["ETH", "BTC", "ETH-1h", "DAI"])
        #expect(first.asset(named: "SOL") == nil)
    }

    @Test("the price at t does not depend on how often or in what order anyone asked")
    func queriesDoNotDisturb() throws {
        let market = try MarketPath(configuration: Self.correlatedConfiguration, seed: 9)
        let eth = try #require(market.asset(named: "ETH"))
        let times = (0..<600).map { SimTime(milliseconds: Int64($0) * 997) }
        let forwards = times.map { market.price(of: eth, at: $0) }
        let backwards = times.reversed().map { market.price(of: eth, at: $0) }
        #expect(forwards == backwards.reversed())
        // Between samples the price is the straight line between them.
        let halfway = market.price(of: eth, at: .milliseconds(1_500))
        let ends = (market.price(of: eth, at: .seconds(1)), market.price(of: eth, at: .seconds(2)))
        #expect(abs(halfway - (ends.0 + ends.1) / 2) < 1e-12)
        // At a sample's own time the price is the sample itself.
        #expect(market.price(of: eth, at: .seconds(3)) == market.basePaths[0].samples[3])
        // At time zero it is the configured price exactly; past the horizon, the last sample.
        #expect(market.price(of: eth, at: .zero) == 195)
        #expect(market.price(of: eth, at: .hours(5)) == market.basePaths[0].samples.last)
    }
}
