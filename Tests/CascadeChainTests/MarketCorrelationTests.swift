import CascadeAgents
import CascadeKernel
import CascadeTestSupport
import Testing

/// Correlated assets: the Cholesky factor and the correlation of the sampled increments.
@Suite("Market: correlation")
struct MarketCorrelationTests {
    static func gbm(_ price: Double, volatility: Double) -> PriceModel {
        .geometricBrownian(GeometricBrownianMotion(price: price, drift: 0, volatility: volatility))
    }

    static func logIncrements(_ samples: [Double]) -> [Double] {
        (1..<samples.count).map {
            DeterministicMath.log(samples[$0]) - DeterministicMath.log(samples[$0 - 1])
        }
    }

    @Test("L·Lᵀ reproduces the matrix")
    func choleskyReproduces() throws {
        let rows: [[Double]] = [[1, 0.8, 0.3], [0.8, 1, -0.2], [0.3, -0.2, 1]]
        let matrix = try CorrelationMatrix(rows: rows)
        for i in 0..<3 {
            for j in 0..<3 {
                var sum = 0.0
                for k in 0..<3 { sum += matrix.factor[i][k] * matrix.factor[j][k] }
                #expect(abs(sum - rows[i][j]) < 1e-12, "(\(i), \(j))")
                if j > i { #expect(matrix.factor[i][j] == 0) }
            }
        }
    }

    @Test("a matrix that is not positive definite is refused with a clear error")
    func notPositiveDefinite() throws {
        let impossible: [[Double]] = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
        #expect {
            _ = try CorrelationMatrix(rows: impossible)
        } throws: { error in
            guard case .notPositiveDefinite(let row, _) = error as? MarketError else {
                return false
            }
            return row == 2 && "\(error)".contains("not positive definite")
        }
        // Perfect correlation is singular: refused rather than divided by rounding.
        #expect(throws: MarketError.self) { _ = try CorrelationMatrix(rows: [[1, 1], [1, 1]]) }
        // Malformed matrices: shape, diagonal, range, symmetry.
        #expect(throws: MarketError.self) { _ = try CorrelationMatrix(rows: [[1, 0.5]]) }
        #expect(throws: MarketError.self) { _ = try CorrelationMatrix(rows: [[2]]) }
        #expect(throws: MarketError.self) {
            _ = try CorrelationMatrix(rows: [[1, 1.5], [1.5, 1]])
        }
        #expect(throws: MarketError.self) {
            _ = try CorrelationMatrix(rows: [[1, 0.5], [0.4, 1]])
        }
    }

    @Test("sampled increments have the target correlations (20 seeds × 2,000 steps)")
    func sampleCorrelation() throws {
        let target: [[Double]] = [[1, 0.7, -0.3], [0.7, 1, 0.1], [-0.3, 0.1, 1]]
        let configuration = MarketConfiguration(
            assets: [
                MarketAsset(name: "ETH", model: Self.gbm(200, volatility: 0.9)),
                MarketAsset(name: "BTC", model: Self.gbm(8_000, volatility: 0.7)),
                MarketAsset(
                    name: "LINK",
                    model: .jumpDiffusion(
                        MertonJumpDiffusion(
                            price: 3, drift: 0, volatility: 1.2, jumpIntensity: 0,
                            jumpMean: 0, jumpVolatility: 0))),
            ],
            correlation: target, resolution: .minutes(1), horizon: .minutes(2_000))
        var increments: [[Double]] = [[], [], []]
        for seed in UInt64(1)...20 {
            let market = try MarketPath(configuration: configuration, seed: seed)
            for asset in 0..<3 {
                increments[asset] += Self.logIncrements(market.basePaths[asset].samples)
            }
        }
        // Standard error of a sample correlation is about (1 − ρ²)/√n ≈ 0.005 here.
        for i in 0..<3 {
            for j in (i + 1)..<3 {
                let sample = MarketFixtures.correlation(increments[i], increments[j])
                #expect(abs(sample - target[i][j]) < 0.02, "(\(i), \(j)) gave \(sample)")
            }
        }
    }

    @Test("appending an asset leaves the earlier assets' paths unchanged")
    func appendingKeepsPaths() throws {
        let two = MarketConfiguration(
            assets: [
                MarketAsset(name: "ETH", model: Self.gbm(200, volatility: 0.9)),
                MarketAsset(name: "BTC", model: Self.gbm(8_000, volatility: 0.7)),
            ],
            correlation: [[1, 0.6], [0.6, 1]], resolution: .seconds(10), horizon: .hours(1))
        var three = two
        three.assets.append(MarketAsset(name: "LINK", model: Self.gbm(3, volatility: 1)))
        three.correlation = [[1, 0.6, 0.2], [0.6, 1, 0.3], [0.2, 0.3, 1]]
        for seed in UInt64(1)...5 {
            let a = try MarketPath(configuration: two, seed: seed)
            let b = try MarketPath(configuration: three, seed: seed)
            #expect(a.basePaths[0] == b.basePaths[0], "seed \(seed)")
            #expect(a.basePaths[1] == b.basePaths[1], "seed \(seed)")
        }
    }

    @Test("a historical or constant asset cannot be correlated")
    func noShocksNoCorrelation() {
        let configuration = MarketConfiguration(
            assets: [
                MarketAsset(name: "ETH", model: Self.gbm(200, volatility: 0.9)),
                MarketAsset(name: "DAI", model: .constant(price: 1)),
            ],
            correlation: [[1, 0.5], [0.5, 1]], resolution: .seconds(10), horizon: .hours(1))
        #expect(throws: MarketError.self) {
            _ = try MarketPath(configuration: configuration, seed: 1)
        }
        var wrongSize = configuration
        wrongSize.correlation = [[1]]
        #expect(throws: MarketError.self) { _ = try MarketPath(configuration: wrongSize, seed: 1) }
    }
}
