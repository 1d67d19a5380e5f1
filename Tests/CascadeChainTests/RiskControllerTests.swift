import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The risk controller's readings and rules (docs/model/governance.md). The volatility
/// vectors are computed by hand from the formula on that page:
/// `σ = sqrt(Σ ln(pᵢ/pᵢ₋₁)² · 31,536,000 / window)`.
@Suite("Risk controller: indicators and rules")
struct RiskControllerTests {
    static let prices: [(at: SimTime, price: Double)] = [
        (.zero, 100), (.seconds(60), 110), (.seconds(120), 99),
    ]

    @Test("realised volatility over the whole history: ln 1.1 and ln 0.9 over an hour")
    func volatilityWholeWindow() {
        // (ln 1.1)² + (ln 0.9)² = 0.0201848686…; × 8,760 (a year over an hour) → 13.2973…
        let sigma = RiskController.realisedVolatility(
            Self.prices, at: .seconds(120), windowSeconds: 3_600)
        #expect(abs(sigma - 13.297347451051223) < 1e-9)
    }

    @Test("the price in force at the window's start is the first reference")
    func volatilityWindowStart() {
        // At 3,660 s the window starts at 60 s: only 110 → 99 is inside it.
        // sqrt((ln 0.9)² · 8,760) = 9.8612…
        let sigma = RiskController.realisedVolatility(
            Self.prices, at: .seconds(3_660), windowSeconds: 3_600)
        #expect(abs(sigma - 9.86120394043362) < 1e-9)
        // Long after, nothing moved inside the window: zero.
        #expect(
            RiskController.realisedVolatility(
                Self.prices, at: .seconds(10_000), windowSeconds: 3_600) == 0)
    }

    @Test("a rule triggers strictly beyond its threshold, above or below")
    func ruleComparison() {
        let above = RiskRule(
            indicator: .oracleLag(asset: 0), above: true, threshold: 600,
            parameter: .breakerMove(guard: 0), value: 1, label: "x")
        #expect(!above.triggers(600))
        #expect(above.triggers(600.5))
        #expect(!above.triggers(10))
        var below = above
        below.above = false
        #expect(below.triggers(599))
        #expect(!below.triggers(600))
    }
}
