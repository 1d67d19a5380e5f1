import CascadeContracts
import CascadeCore
import Testing

// Funding (REFERENCE.md §7.1): the rate formula against its published examples, and the
// lazy index settlement with its rounding dust.

private typealias Fixture = PerpFixture

@Suite("Perp funding")
struct PerpFundingTests {
    // BitMEX perpetual contracts guide, worked example (REFERENCE.md §7.1): quote rate
    // 1.00%/day, base rate 0.25%/day → I = 0.25% per 8 h, F = 0.25%; a long of 15,000
    // XBTUSD at $750 (20 XBT) pays 0.05 XBT.
    @Test func bitmexExample() throws {
        let interest = try PerpFundingMath.interestPpm(
            quoteRatePerDayPpm: percent("1"), baseRatePerDayPpm: percent("0.25"))
        #expect(interest == percent("0.25"))
        // Any premium within ±0.05% of the interest rate gives the interest rate.
        for premium in ["0.2", "0.25", "0.3"] {
            let rate = try PerpFundingMath.rate(
                premiumPpm: percent(premium), interestPpm: interest, clampPpm: percent("0.05"))
            #expect(rate == percent("0.25"))
        }
        let far = try PerpFundingMath.rate(
            premiumPpm: percent("0.5"), interestPpm: interest, clampPpm: percent("0.05"))
        #expect(far == percent("0.45"))

        // Inverse-contract arithmetic (BitMEX), here only: 15,000 contracts of $1 at $750.
        let contracts = 15_000
        let xbt = contracts / 750
        #expect(xbt == 20)
        // The exchange is linear: a market whose price is 1 quote per unit, 20 units long,
        // so the notional is 20 in the quote, as the 20 XBT of the example.
        var fixture = Fixture()
        let terms = PerpFundingTerms(
            intervalSeconds: 8 * 3600, interestPpm: interest, premiumClampPpm: percent("0.05"))
        let market = fixture.addMarket("XBT-linear", mark: "1", funding: terms)
        let long = fixture.account(Fixture.alice, "10")
        let short = fixture.account(Fixture.bob, "10")
        fixture.trade(market, buyer: long, seller: short, String(xbt), at: "1")
        fixture.now += 8 * 3600
        let events = fixture.mustRun(
            .fund(market: market, premiumPpm: percent("0.22")), as: Fixture.oracle)
        guard case .funded(let payment) = events.first else {
            Issue.record("no funding event")
            return
        }
        #expect(payment.ratePpm == percent("0.25"))
        #expect(payment.paymentPerUnit == usdc("0.0025") * PerpMath.fundingIndexScale)
        #expect(fixture.equity(long) == usdc("10") - usdc("0.05"))
        #expect(fixture.equity(short) == usdc("10") + usdc("0.05"))
        let fields = Dictionary(
            uniqueKeysWithValues: events[0].traceFields.map { ($0.name, $0.value) })
        #expect(events[0].traceType == "funding")
        #expect(fields["premium"] == "2200" && fields["rate"] == "2500")
        #expect(fields["interval_s"] == "28800" && fields["payment_per_unit"] == "2500000")
        #expect(fields["market"] == "perp#0")
    }

    // dYdX v4 `funding.mdx` (REFERENCE.md §7.1): |R| ≤ clampFactor × (IMF − MMF); the
    // default factor 600% with IMF 5% and MMF 3% caps the 8-hour rate at 12%, and an hourly
    // payment is an eighth of it.
    @Test func dydxRateCap() throws {
        let cap = try PerpFundingMath.rateCapPpm(
            clampFactorPpm: 6_000_000, initialMarginPpm: percent("5"),
            maintenanceMarginPpm: percent("3"))
        #expect(cap == percent("12"))

        var fixture = Fixture()
        let terms = PerpFundingTerms(
            intervalSeconds: 3600, interestPpm: 0, clampFactorPpm: 6_000_000)
        let market = fixture.addMarket(
            initialMargin: "5", maintenance: "3", mark: "1000", funding: terms)
        let long = fixture.account(Fixture.alice, "1000")
        let short = fixture.account(Fixture.bob, "1000")
        fixture.trade(market, buyer: long, seller: short, "1", at: "1000")
        for (premium, paid) in [("50", "15"), ("-50", "-15")] {
            fixture.now += 3600
            let events = fixture.mustRun(
                .fund(market: market, premiumPpm: percent(premium)), as: Fixture.oracle)
            guard case .funded(let payment) = events.first else {
                Issue.record("no funding event")
                return
            }
            #expect(payment.ratePpm == (premium.hasPrefix("-") ? -cap : cap))
            // 12% / 8 of $1000 per ETH.
            #expect(payment.paymentPerUnit == usdc(paid) * PerpMath.fundingIndexScale)
        }
        #expect(fixture.equity(long) == usdc("1000"))
    }

    // Binance USDⓈ-M (REFERENCE.md §7.1): P = [max(0, bid − index) − max(0, index − ask)] /
    // index.
    @Test func premiumFromImpactPrices() throws {
        let index = price("100")
        let rich = try PerpFundingMath.premiumPpm(
            impactBid: price("100.5"), impactAsk: price("101"), index: index)
        let cheap = try PerpFundingMath.premiumPpm(
            impactBid: price("98"), impactAsk: price("99"), index: index)
        let fair = try PerpFundingMath.premiumPpm(
            impactBid: price("99.9"), impactAsk: price("100.1"), index: index)
        #expect(rich == percent("0.5") && cheap == percent("-1") && fair == 0)
    }

    // Lazy settlement rounds against each account: the payer pays the ceiling, the
    // receiver gets the floor, and the quantum between them reaches the insurance fund at
    // the next payment.
    @Test func roundingDustGoesToInsurance() {
        var fixture = Fixture()
        let terms = PerpFundingTerms(intervalSeconds: 8 * 3600, interestPpm: 100)
        let market = fixture.addMarket(mark: "1", funding: terms)
        let long = fixture.account(Fixture.alice, "10")
        let short = fixture.account(Fixture.bob, "10")
        fixture.trade(market, buyer: long, seller: short, "0.333333333", at: "1")
        let quoteBefore = [long, short].map { fixture.exchange.account($0).quoteBalance }
        let equityBefore = [long, short].map { fixture.equity($0) }
        fixture.now += 8 * 3600
        fixture.mustRun(.fund(market: market, premiumPpm: 100), as: Fixture.oracle)
        // 0.333333333 units × 0.0001 USDC = 33.33… quantums.
        #expect(fixture.equity(long) == equityBefore[0] - 34)
        #expect(fixture.equity(short) == equityBefore[1] + 33)
        fixture.mustRun(.settleFunding(account: long), as: Fixture.carol)
        fixture.mustRun(.settleFunding(account: short), as: Fixture.carol)
        #expect(fixture.exchange.account(long).quoteBalance == quoteBefore[0] - 34)
        #expect(fixture.exchange.account(short).quoteBalance == quoteBefore[1] + 33)
        #expect(fixture.exchange.market(market).fundingPool == 1)
        #expect(fixture.exchange.insuranceFund == 0)
        fixture.now += 8 * 3600
        let events = fixture.mustRun(.fund(market: market, premiumPpm: 100), as: Fixture.oracle)
        guard case .funded(let payment) = events.first else {
            Issue.record("no funding event")
            return
        }
        #expect(payment.dustToInsurance == 1)
        #expect(fixture.exchange.insuranceFund == 1)
        #expect(fixture.exchange.market(market).fundingPool == 0)
    }

    @Test func paymentChecks() {
        var fixture = Fixture()
        let market = fixture.addMarket(mark: "1000")
        let fund = PerpExchange.Call.fund(market: market, premiumPpm: 0)
        #expect(fixture.reason(fund, as: Fixture.alice) == "Perp/not-oracle")
        #expect(fixture.reason(fund, as: Fixture.oracle) == "Perp/funding-not-due")
        fixture.now += 3599
        #expect(fixture.reason(fund, as: Fixture.oracle) == "Perp/funding-not-due")
        fixture.now += 1
        #expect(fixture.reason(fund, as: Fixture.oracle) == nil)
        // A late payment keeps the schedule: the next is due one interval after the last.
        fixture.now += 2 * 3600 + 5
        #expect(fixture.reason(fund, as: Fixture.oracle) == nil)
        #expect(fixture.reason(fund, as: Fixture.oracle) == nil)
        #expect(fixture.reason(fund, as: Fixture.oracle) == "Perp/funding-not-due")
    }
}
