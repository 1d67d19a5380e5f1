import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// `OptionsMath.double` against the standard library's `Double(Int128)`: bit for bit, on
/// the edges (powers of two, ties just above 2^53 and 2^64 + …, the extremes) and on random
/// values of every width. The exchange's prices depend on it, so any difference would move
/// a mark by a bit.
@Suite("Options: Int128 to Double")
struct OptionsConversionTests {
    static func check(_ value: Int128) {
        let expected = Double(value)
        let actual = OptionsMath.double(value)
        #expect(actual.bitPattern == expected.bitPattern, "\(value)")
    }

    @Test("edges: powers of two, ties, extremes")
    func edges() {
        var values: [Int128] = [0, 1, -1, .max, .min, .max - 1, .min + 1]
        for bits in 0..<127 {
            let power = Int128(1) << bits
            values += [power, power - 1, power + 1, -power, -power + 1, -power - 1]
            // Ties and near-ties at each width: 2^bits + 2^(bits − 53) (± 1).
            if bits > 53 {
                let half = Int128(1) << (bits - 53)
                values += [power + half, power + half - 1, power + half + 1, power + 3 * half]
                values += [-(power + half), -(power + 3 * half)]
            }
        }
        for value in values { Self.check(value) }
    }

    @Test("random values of every width", arguments: 0..<8 as Range<UInt64>)
    func random(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<20_000 {
            let raw = UInt128(random.next()) << 64 | UInt128(random.next())
            let width = Int(random.next(below: 128))
            let value = Int128(truncatingIfNeeded: raw >> (127 - width))
            Self.check(random.next(below: 2) == 0 ? value : -value)
        }
    }
}

/// `seriesRisk` prices every grid scenario with what does not change between scenarios
/// (years, strike, forward, smile, discounts) computed once. It must give the same bits as
/// the straightforward valuation it replaced — a `BlackScholes` per scenario at the surface's
/// shocked volatility, its `valuation.price` — on skewed and flat surfaces, calls and puts,
/// live and expired series, over random spots and times.
@Suite("Options: a risk table's bits")
struct OptionsRiskTableBitsTests {
    @Test(arguments: 0..<6 as Range<UInt64>)
    func scenariosMatchOneValuationEach(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        let wad = OptionsMath.wadInteger
        let surfaces = [
            VolatilitySurface(
                shape: .skewed(
                    atm: [
                        .init(seconds: 86_400, volatilityPpm: 750_000),
                        .init(seconds: 30 * 86_400, volatilityPpm: 650_000),
                    ], skewPpm: -150_000, curvaturePpm: 40_000)),
            VolatilitySurface(shape: .flat(volatilityPpm: 700_000)),
        ]
        for surface in surfaces {
            var books = OptionsExchange(
                configuration: .init(oracle: Address(1), matcher: Address(2)))
            let eth = books.addUnderlying(
                OptionUnderlying(
                    name: "ETH", surface: surface, ratePpm: Int64(random.next(below: 80_000)),
                    dividendYieldPpm: Int64(random.next(below: 30_000))))
            for _ in 0..<12 {
                _ = books.addSeries(
                    OptionSeries(
                        underlying: eth, kind: random.next(below: 2) == 0 ? .call : .put,
                        strike: Int128(500 + random.next(below: 4_000)) * wad
                            + Int128(random.next(below: 1_000_000)),
                        expiry: 1_000 + random.next(below: 40 * 86_400)))
            }
            for _ in 0..<8 {
                let now = random.next(below: 41 * 86_400)
                let spot =
                    Int128(300 + random.next(below: 5_000)) * wad
                    + Int128(random.next(below: 1_000_000_000))
                var events: [OptionsExchange.Event] = []
                try? books.apply(
                    .updatePrice(underlying: eth, price: spot), caller: Address(1),
                    block: BlockContext(number: 1, timestamp: now), events: &events)
                let asset = books.underlying(eth)
                for id in books.seriesIDs where books.series(id).settlementPrice == nil {
                    let option = books.series(id)
                    let risk = books.seriesRisk(id, now: now)
                    let years =
                        (option.expiry > now ? Double(option.expiry - now) : 0)
                        / OptionsMath.secondsPerYear
                    let strike = Double(option.strike) / OptionsMath.wad
                    let current = Double(asset.spot) / OptionsMath.wad
                    let forward =
                        current * OptionMath.exp((asset.rate - asset.dividendYield) * years)
                    let days =
                        option.expiry > now
                        ? Double(option.expiry - now) / OptionsMath.secondsPerDay : 0
                    for (scenario, value) in zip(books.grid.scenarios, risk.scenarios) {
                        let reference = BlackScholes(
                            kind: option.kind, spot: current * (1 + scenario.priceMove),
                            strike: strike, rate: asset.rate, dividendYield: asset.dividendYield,
                            volatility: asset.surface.volatility(
                                strike: strike, forward: forward, years: years,
                                scale: books.grid.volatilityScale(scenario, days: days)),
                            years: years
                        ).valuation.price
                        #expect(
                            value.bitPattern == reference.bitPattern,
                            "seed \(seed) series \(id.rawValue) at \(now)")
                    }
                }
            }
        }
    }
}
