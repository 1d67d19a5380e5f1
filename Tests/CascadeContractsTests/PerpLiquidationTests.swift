import CascadeContracts
import CascadeCore
import Testing

// The loss waterfall: liquidation with its penalty, the insurance fund, the backstop
// vault, auto-deleveraging (REFERENCE.md §7.3) and socialised loss (§7.4).

private typealias Fixture = PerpFixture

/// ETH at $1000 (IMF 10%, MMF 5%, penalty 1%); alice is long 10 ETH on 1000 USDC against
/// bob's short; carol's account (100,000 USDC) liquidates.
private struct LongScenario {
    var fixture: Fixture
    let eth: PerpMarketID
    let alice: PerpAccountID
    let bob: PerpAccountID
    let carol: PerpAccountID

    init(deleveragingPrice: PerpExchange.DeleveragingPrice = .bankruptcy) {
        fixture = Fixture(deleveragingPrice: deleveragingPrice)
        eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "1000")
        alice = fixture.account(Fixture.alice, "1000")
        bob = fixture.account(Fixture.bob, "100000")
        carol = fixture.account(Fixture.carol, "100000")
        fixture.trade(eth, buyer: alice, seller: bob, "10", at: "1000")
    }

    func liquidate(_ amount: String = "10", at fill: String) -> PerpExchange.Call {
        .liquidate(
            account: alice, market: eth, size: size(amount), fillPrice: price(fill),
            liquidator: carol)
    }
}

/// An event's trace fields by name.
private func fields(of event: PerpExchange.Event) -> [String: String] {
    Dictionary(uniqueKeysWithValues: event.traceFields.map { ($0.name, $0.value) })
}

@Suite("Perp liquidation, backstop, deleveraging")
struct PerpLiquidationTests {
    @Test func liquidationPaysPenaltyToInsurance() throws {
        var scenario = LongScenario()
        scenario.fixture.setPrice(scenario.eth, "960")  // equity 600 ≥ MMR 480
        #expect(
            scenario.fixture.reason(scenario.liquidate(at: "960"), as: Fixture.carol)
                == "Perp/not-liquidatable")
        #expect(
            scenario.fixture.reason(scenario.liquidate(at: "960"), as: Fixture.bob)
                == "Perp/not-owner")
        scenario.fixture.setPrice(scenario.eth, "940")  // equity 400 < MMR 470
        let events = try scenario.fixture.run(scenario.liquidate(at: "935"), as: Fixture.carol)
        // Alice sold 10 at 935: equity 350, of which the 1% penalty (93.5) goes to the fund.
        #expect(scenario.fixture.exchange.insuranceFund == usdc("93.5"))
        #expect(scenario.fixture.equity(scenario.alice) == usdc("256.5"))
        #expect(scenario.fixture.positionSize(of: scenario.carol, in: scenario.eth) == size("10"))
        let event = try #require(events.first)
        #expect(event.traceType == "perp_liquidation")
        #expect(
            event.traceFields.map(\.name).prefix(8) == [
                "market", "account", "size", "mark_price", "margin", "maintenance_margin",
                "counterparty", "rank_score",
            ])
        #expect(
            fields(of: event) == [
                "market": "perp#0", "account": "1", "size": "10000000000",
                "mark_price": "940000000", "margin": "400000000",
                "maintenance_margin": "470000000", "counterparty": "3", "rank_score": "",
                "kind": "market", "fill_price": "935000000", "penalty": "93500000",
                "insurance_delta": "93500000",
            ])
    }

    @Test func insuranceFundCoversTheDeficitOrRefuses() {
        var scenario = LongScenario()
        scenario.fixture.setPrice(scenario.eth, "890")  // equity −100
        scenario.fixture.mustRun(.fundInsurance(amount: usdc("99")), as: Fixture.dave)
        #expect(
            scenario.fixture.reason(scenario.liquidate(at: "890"), as: Fixture.carol)
                == "Perp/insurance-fund-depleted")
        #expect(
            scenario.fixture.reason(.backstop(account: scenario.alice), as: Fixture.dave)
                == "Perp/insurance-fund-depleted")
        scenario.fixture.mustRun(.fundInsurance(amount: usdc("1")), as: Fixture.dave)
        #expect(
            scenario.fixture.reason(
                .deleverage(account: scenario.alice, market: scenario.eth), as: Fixture.dave)
                == "Perp/insurance-fund-can-cover")
        #expect(scenario.fixture.reason(scenario.liquidate(at: "890"), as: Fixture.carol) == nil)
        #expect(scenario.fixture.exchange.insuranceFund == 0)
        #expect(scenario.fixture.equity(scenario.alice) == 0)
    }

    // HISTORY.md §7: the backstop vault takes over below two thirds of maintenance margin.
    @Test func backstopTakesPositionsAndMargin() throws {
        var scenario = LongScenario()
        scenario.fixture.setPrice(scenario.eth, "945")  // equity 450, MMR 472.5: ⅔ is 315
        #expect(
            scenario.fixture.reason(.backstop(account: scenario.alice), as: Fixture.dave)
                == "Perp/above-backstop-threshold")
        scenario.fixture.setPrice(scenario.eth, "930")  // equity 300 < ⅔ × 465 = 310
        let vault = PerpExchange.backstopVaultAccount
        let events = try scenario.fixture.run(.backstop(account: scenario.alice), as: Fixture.dave)
        #expect(scenario.fixture.exchange.account(scenario.alice).positions.isEmpty)
        #expect(scenario.fixture.exchange.account(scenario.alice).quoteBalance == 0)
        #expect(scenario.fixture.positionSize(of: vault, in: scenario.eth) == size("10"))
        #expect(scenario.fixture.equity(vault) == usdc("300"))
        #expect(events.map(\.traceType) == ["perp_liquidation", "backstop_settlement"])
        #expect(
            events.last.map(fields(of:)) == [
                "account": "1", "margin_to_vault": "300000000", "insurance_delta": "0",
            ])
        #expect(
            scenario.fixture.reason(.backstop(account: vault), as: Fixture.dave)
                == "Perp/backstop-vault")
    }

    // BitMEX "What is Auto-Deleveraging" (REFERENCE.md §7.3): rank = PnL% × leverage for
    // profitable positions, leverage = |value| / equity; closed at the bankruptcy price.
    @Test func deleveragingRanksByProfitAndLeverage() throws {
        var fixture = Fixture()
        let eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "1000")
        let alice = fixture.account(Fixture.alice, "4000")
        let bob = fixture.account(Fixture.bob, "2000")
        let carol = fixture.account(Fixture.carol, "10000")
        let dave = fixture.account(Fixture.dave, "1500")
        fixture.trade(eth, buyer: alice, seller: bob, "10", at: "1000")
        fixture.trade(eth, buyer: alice, seller: carol, "10", at: "1000")
        fixture.trade(eth, buyer: alice, seller: dave, "10", at: "1050")
        fixture.setPrice(eth, "880")
        #expect(fixture.equity(alice) == usdc("-100"))
        // bob: PnL 12% × leverage 8800/3200 = 0.33; carol: 12% × 8800/11200 = 0.0943;
        // dave: PnL 1700/10500 = 16.19% × 8800/3200 = 0.4452.
        let queue = try fixture.exchange.deleveragingQueue(market: eth, longs: false)
        #expect(queue.map(\.account) == [dave, bob, carol])
        #expect(queue.map(\.score.description) == ["445238", "330000", "94285"])
        let equities = [bob, carol, dave].map { fixture.equity($0) }
        let events = try fixture.run(.deleverage(account: alice, market: eth), as: Fixture.keeper)
        // Bankruptcy price 880 + 100/30, rounded up: the long sells at or above it.
        let bankruptcy = price("883.333334")
        #expect(events.map(\.traceType) == ["adl", "adl", "adl"])
        for (event, counterparty) in zip(events, [dave, bob, carol]) {
            guard case .deleveraged(let fill) = event else { continue }
            #expect(fill.counterparty == counterparty && fill.price == bankruptcy)
            #expect(fill.size == size("10") && fill.margin == usdc("-100"))
        }
        // Alice ends at zero or a sliver above; each counterparty gave up 10 × 3.333334.
        #expect((0..<usdc("0.01")).contains(fixture.equity(alice)))
        for (account, before) in zip([bob, carol, dave], equities) {
            #expect(fixture.equity(account) == before - usdc("33.33334"))
        }
        #expect(fixture.exchange.market(eth).openInterest == 0)
        #expect(fixture.exchange.insuranceFund == 0)
    }

    // A counterparty is only deleveraged as far as its equity lasts; the rest goes to the
    // next in the queue, then (at the mark) to whoever is left. Bob's ETH long is in profit
    // but his SOL long has eaten his margin, so he ranks first and can take little.
    @Test func deleveragingNeverBankruptsACounterparty() throws {
        var fixture = Fixture()
        let eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "1000")
        let sol = fixture.addMarket("SOL-USD", initialMargin: "10", maintenance: "5", mark: "100")
        let alice = fixture.account(Fixture.alice, "2000")
        let bob = fixture.account(Fixture.bob, "2000")
        let carol = fixture.account(Fixture.carol, "100000")
        let dave = fixture.account(Fixture.dave, "100000")
        fixture.trade(eth, buyer: bob, seller: alice, "10", at: "1000")
        fixture.trade(eth, buyer: carol, seller: alice, "10", at: "1000")
        fixture.trade(sol, buyer: bob, seller: dave, "100", at: "100")
        fixture.setPrice(eth, "1150")
        fixture.setPrice(sol, "68")
        #expect(fixture.equity(alice) == usdc("-1000") && fixture.equity(bob) == usdc("300"))
        let events = try fixture.run(.deleverage(account: alice, market: eth), as: Fixture.keeper)
        // Bankruptcy price 1150 − 1000/20 = 1100: 50 a unit against the longs. Bob can take
        // (300 − 2 quantums) / 50 units, carol all of hers, then bob the rest at the mark.
        let fills = events.compactMap { event -> PerpDeleveraging? in
            if case .deleveraged(let fill) = event { fill } else { nil }
        }
        #expect(fills.map(\.counterparty) == [bob, carol, bob])
        #expect(fills.map(\.price) == [price("1100"), price("1100"), price("1150")])
        #expect(fills.map(\.size) == [-5_999_999_960, size("-10"), -4_000_000_040])
        #expect(fixture.equity(bob) == 2 && fixture.equity(carol) > 0)
        #expect(fixture.exchange.account(alice).positions.isEmpty)
        // Four units went at the mark, so 4 × 50 (and the rounding) is still owed, and no
        // open interest is left to charge it to.
        #expect(events.last?.traceType == "socialized_loss")
        #expect(fixture.exchange.uncoveredLoss == usdc("200.000002"))
        #expect(fixture.equity(alice) == 0)
    }

    // HISTORY.md §7's rule: deleverage at the mark; the deficit stays and is charged, after
    // the insurance fund, to the remaining open interest (Drift's funding bump).
    @Test func markDeleveragingSocialisesTheDeficit() throws {
        var scenario = LongScenario(deleveragingPrice: .mark)
        let dave = scenario.fixture.account(Fixture.dave, "10000")
        scenario.fixture.trade(scenario.eth, buyer: scenario.carol, seller: dave, "5", at: "1000")
        scenario.fixture.setPrice(scenario.eth, "890")  // alice: equity −100
        scenario.fixture.mustRun(.fundInsurance(amount: usdc("30")), as: Fixture.keeper)
        let before = [scenario.bob, scenario.carol, dave].map { scenario.fixture.equity($0) }
        let events = try scenario.fixture.run(
            .deleverage(account: scenario.alice, market: scenario.eth), as: Fixture.keeper)
        // Dave (short 5 on 10,000) is more leveraged than bob (short 10 on 100,000): first.
        #expect(events.map(\.traceType) == ["adl", "adl", "socialized_loss"])
        // 70 USDC over 5 long + 5 short units: Drift's delta = ⌈70e6 · 1e9 / 10e9⌉ · 1e3.
        let delta = try PerpFundingMath.socializedLossDelta(
            lossQuantums: usdc("70"), longOpenInterest: size("5"), shortOpenInterest: size("5"))
        #expect(delta == usdc("7") * PerpMath.fundingIndexScale)
        #expect(
            events.last.map(fields(of:)) == [
                "market": "perp#0", "account": "1", "deficit": "100000000",
                "insurance_draw": "30000000", "socialized": "70000000", "uncovered": "0",
                "open_interest": "5000000000", "delta": "\(delta)", "long_index": "\(delta)",
                "short_index": "-\(delta)",
            ])
        #expect(scenario.fixture.equity(scenario.alice) == 0)
        // The 5 units still open on each side (carol long, bob short) pay 7 USDC each.
        let after = [scenario.bob, scenario.carol, dave].map { scenario.fixture.equity($0) }
        #expect(after == [before[0] - usdc("35"), before[1] - usdc("35"), before[2]])
        #expect(scenario.fixture.exchange.insuranceFund == 0)
    }

    @Test func deficitWithNoOpenInterestLeftIsUncovered() throws {
        var scenario = LongScenario(deleveragingPrice: .mark)
        scenario.fixture.setPrice(scenario.eth, "890")
        let events = try scenario.fixture.run(
            .deleverage(account: scenario.alice, market: scenario.eth), as: Fixture.keeper)
        guard case .lossSocialized(let loss) = events.last else {
            Issue.record("no socialized_loss event")
            return
        }
        #expect(loss.uncovered == usdc("100") && loss.socialized == 0 && loss.delta == 0)
        #expect(scenario.fixture.exchange.uncoveredLoss == usdc("100"))
    }

    // Drift v2 `programs/drift/src/math/liquidation/tests.rs` (REFERENCE.md §7.4): a loss of
    // 100 USDC over 7 long and 4 short base units → delta 9090910000.
    @Test func driftSocializedLossVector() throws {
        let delta = try PerpFundingMath.socializedLossDelta(
            lossQuantums: usdc("100"), longOpenInterest: size("7"), shortOpenInterest: size("-4"))
        #expect(delta == 9_090_910_000)
        #expect(throws: Revert("Perp/no-open-interest")) {
            try PerpFundingMath.socializedLossDelta(
                lossQuantums: usdc("100"), longOpenInterest: 0, shortOpenInterest: 0)
        }
    }

    @Test func deleverageChecks() {
        var scenario = LongScenario()
        let deleverage = PerpExchange.Call.deleverage(account: scenario.alice, market: scenario.eth)
        #expect(scenario.fixture.reason(deleverage, as: Fixture.keeper) == "Perp/not-bankrupt")
        #expect(
            scenario.fixture.reason(
                .deleverage(account: scenario.carol, market: scenario.eth), as: Fixture.keeper)
                == "Perp/no-position")
        #expect(
            scenario.fixture.reason(
                .deleverage(account: PerpAccountID(99), market: scenario.eth), as: Fixture.keeper)
                == "Perp/unknown-account")
    }
}
