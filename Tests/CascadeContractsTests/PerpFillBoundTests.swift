import CascadeContracts
import CascadeCore
import Testing

// dYdX v4's fillable price (REFERENCE.md §7.2; `protocol/x/clob/keeper/liquidations.go`
// `GetFillablePrice`, genesis `fillable_price_config`: bankruptcy adjustment 1,000,000 ppm,
// spread to maintenance margin ratio 100,000 ppm):
//
//     fillable = P × (1 ∓ SMMR × MMF × ABR),    ABR = clamp(BA × (1 − TNC / TMMR), 0, 1)
//
// Each vector is worked by hand beside its test.

private typealias Fixture = PerpFixture

/// ETH at $1000, IMF 10%, MMF 5%, dYdX's genesis fill terms; alice holds 10 ETH (long, or
/// short with `long: false`) on 1000 USDC against bob; carol (100,000 USDC) liquidates.
private struct BoundScenario {
    var fixture = Fixture(spreadToMaintenanceMarginRatioPpm: 100_000)
    let eth: PerpMarketID
    let alice: PerpAccountID
    let bob: PerpAccountID
    let carol: PerpAccountID

    init(long: Bool) {
        eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "1000")
        alice = fixture.account(Fixture.alice, "1000")
        bob = fixture.account(Fixture.bob, "100000")
        carol = fixture.account(Fixture.carol, "100000")
        fixture.trade(
            eth, buyer: long ? alice : bob, seller: long ? bob : alice, "10", at: "1000")
    }

    func liquidate(atQuantums fill: Int128) -> PerpExchange.Call {
        .liquidate(
            account: alice, market: eth, size: size("10"), fillPrice: fill, liquidator: carol)
    }
}

@Suite("Perp liquidation fill bound")
struct PerpFillBoundTests {
    /// Long at mark 940: TNC 400, TMMR 470, ABR = 70/470 = 148,936 ppm (rounded down);
    /// spread = 940 × 5% × 10% × 0.148936 = 0.6999992 → 0.699999 USDC; bound 939.300001.
    @Test func longFillsAtOrAboveTheFillablePrice() throws {
        var scenario = BoundScenario(long: true)
        scenario.fixture.setPrice(scenario.eth, "940")
        let bound = try scenario.fixture.exchange.fillablePrice(
            account: scenario.alice, market: scenario.eth)
        #expect(bound == price("939.300001"))
        #expect(
            scenario.fixture.reason(
                scenario.liquidate(atQuantums: price("939.300001") - 1), as: Fixture.carol)
                == "Perp/fill-price-out-of-bounds")
        #expect(
            scenario.fixture.reason(
                scenario.liquidate(atQuantums: price("939.300001")), as: Fixture.carol) == nil)
    }

    /// Short at mark 1060: TNC 400, TMMR 530, ABR = 130/530 = 245,283 ppm; spread =
    /// 1060 × 5% × 10% × 0.245283 = 1.2999999 → 1.299999 USDC; bound 1061.299999.
    @Test func shortFillsAtOrBelowTheFillablePrice() throws {
        var scenario = BoundScenario(long: false)
        scenario.fixture.setPrice(scenario.eth, "1060")
        let bound = try scenario.fixture.exchange.fillablePrice(
            account: scenario.alice, market: scenario.eth)
        #expect(bound == price("1061.299999"))
        #expect(
            scenario.fixture.reason(
                scenario.liquidate(atQuantums: price("1061.3")), as: Fixture.carol)
                == "Perp/fill-price-out-of-bounds")
        #expect(
            scenario.fixture.reason(
                scenario.liquidate(atQuantums: price("1061.299999")), as: Fixture.carol) == nil)
    }

    /// The gap this bound closes: a liquidator colluding with a bankrupt long cannot buy it
    /// at $1 and leave the fund to pay the difference. At mark 890 (TNC −100 < 0) ABR is
    /// clamped to 1: the spread is 890 × 5% × 10% = 4.45, so the long sells at 885.55 or
    /// better and the fund pays only the market's deficit, 100 + 10 × 4.45 = 144.5.
    @Test func aBankruptPositionCannotBeBoughtForNothing() throws {
        var scenario = BoundScenario(long: true)
        scenario.fixture.mustRun(.fundInsurance(amount: usdc("50000")), as: Fixture.dave)
        scenario.fixture.setPrice(scenario.eth, "890")
        #expect(scenario.fixture.equity(scenario.alice) == usdc("-100"))
        #expect(
            scenario.fixture.reason(scenario.liquidate(atQuantums: price("1")), as: Fixture.carol)
                == "Perp/fill-price-out-of-bounds")
        #expect(scenario.fixture.exchange.insuranceFund == usdc("50000"))
        #expect(
            try scenario.fixture.exchange.fillablePrice(
                account: scenario.alice, market: scenario.eth) == price("885.55"))
        #expect(
            scenario.fixture.reason(
                scenario.liquidate(atQuantums: price("885.55")), as: Fixture.carol) == nil)
        #expect(scenario.fixture.exchange.insuranceFund == usdc("50000") - usdc("144.5"))
        #expect(scenario.fixture.equity(scenario.alice) == 0)
    }

    /// Not liquidatable, no position: no fillable price.
    @Test func noBoundWithoutALiquidatablePosition() throws {
        let scenario = BoundScenario(long: true)
        #expect(
            try scenario.fixture.exchange.fillablePrice(
                account: scenario.alice, market: scenario.eth) == nil)
        #expect(
            try scenario.fixture.exchange.fillablePrice(
                account: scenario.carol, market: scenario.eth) == nil)
    }

    /// `isLiquidatable(_:atPrices:)` agrees with `risk(of:)` at the mark and answers for
    /// other prices without changing the books.
    @Test func liquidatableAtHypotheticalPrices() throws {
        var scenario = BoundScenario(long: true)
        let exchange = scenario.fixture.exchange
        // Long 10 on 1000: liquidatable below 10 × p − 9000 < 0.5 × p, p < 947.368…
        #expect(try !exchange.isLiquidatable(scenario.alice, atPrices: [price("947.37")]))
        #expect(try exchange.isLiquidatable(scenario.alice, atPrices: [price("947.36")]))
        #expect(try !exchange.isLiquidatable(scenario.alice, atPrices: []))
        scenario.fixture.setPrice(scenario.eth, "947.36")
        #expect(scenario.fixture.risk(scenario.alice).isLiquidatable)
    }
}

@Suite("Perp insurance fund on partial liquidations")
struct PerpPartialLiquidationTests {
    /// dYdX v4's insurance-fund delta: a partial fill of a bankrupt account draws only the
    /// closed part's share of its deficit. Alice: long 10 on 1000 USDC, mark 880: equity
    /// −200, MMR 440. Selling 5 at the mark closes MMR 220 of 440, so the fund pays 100 and
    /// alice keeps −100 with 5 left; selling the other 5 draws the rest, 100.
    @Test func aPartialFillDrawsItsShareOfTheDeficit() throws {
        var fixture = Fixture()
        let eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "1000")
        let alice = fixture.account(Fixture.alice, "1000")
        let bob = fixture.account(Fixture.bob, "100000")
        let carol = fixture.account(Fixture.carol, "100000")
        fixture.trade(eth, buyer: alice, seller: bob, "10", at: "1000")
        fixture.mustRun(.fundInsurance(amount: usdc("1000")), as: Fixture.dave)
        fixture.setPrice(eth, "880")
        #expect(fixture.equity(alice) == usdc("-200"))
        let half = PerpExchange.Call.liquidate(
            account: alice, market: eth, size: size("5"), fillPrice: price("880"),
            liquidator: carol)
        let events = try fixture.run(half, as: Fixture.carol)
        #expect(fixture.exchange.insuranceFund == usdc("900"))
        #expect(fixture.equity(alice) == usdc("-100"))
        if case .liquidated(let fill) = events.first {
            #expect(fill.insuranceDelta == usdc("-100") && fill.penalty == 0)
        } else {
            Issue.record("no liquidation event")
        }
        try fixture.run(half, as: Fixture.carol)
        #expect(fixture.exchange.insuranceFund == usdc("800"))
        #expect(fixture.equity(alice) == 0)
        #expect(fixture.exchange.account(alice).positions.isEmpty)
    }
}
