import CascadeContracts
import CascadeCore
import Testing

/// Borrowing against perpetual equity (docs/model/perpetuals.md, "Borrowing against
/// unrealised profit"): the Mango Markets v3 rule, where a withdrawal may take the quote
/// balance below zero up to equity minus initial margin, out of the other depositors' USDC,
/// and the counterfactual rule that keeps open gains out of it. Figures worked by hand at
/// one thousandth of the attack's size: 483,000 MNGO at $0.0382 between two $5,000 accounts,
/// IMF 20%, MMF 10%.
@Suite("Perpetuals: borrowing against unrealised profit")
struct PerpBorrowingTests {
    typealias Fixture = PerpFixture

    struct Attack {
        var fixture: Fixture
        let market: PerpMarketID
        let long: PerpAccountID
        let short: PerpAccountID
        let pool: PerpAccountID
    }

    /// The self-trade done, a pool of `pool` USDC deposited by Bob.
    static func attack(pool: String, backs: Bool = true) -> Attack {
        var fixture = Fixture(unrealisedProfitBacksWithdrawals: backs)
        let mngo = fixture.addMarket(
            "MNGO-PERP", initialMargin: "20", maintenance: "10", mark: "0.0382",
            openInterestCap: "1000000000")
        let long = fixture.account(Fixture.alice, "5000")
        let short = fixture.account(Fixture.alice, "5000")
        let pool = fixture.account(Fixture.bob, pool)
        let selfTrade = PerpExchange.Call.trade(
            market: mngo, buyer: long, seller: short, size: size("483000"),
            price: price("0.0382"))
        #expect(fixture.reason(selfTrade, as: Fixture.alice) == nil)
        return Attack(fixture: fixture, market: mngo, long: long, short: short, pool: pool)
    }

    @Test func borrowingIsEquityMinusInitialMarginExactly() throws {
        var attack = Self.attack(pool: "1000000")
        attack.fixture.setPrice(attack.market, "0.91")
        // Equity 5,000 + 483,000 × (0.91 − 0.0382) = 426,079.4; IMR 483,000 × 0.91 × 20% =
        // 87,906; free 338,173.4, below the 1,010,000 the exchange holds.
        #expect(attack.fixture.equity(attack.long) == usdc("426079.4"))
        #expect(attack.fixture.risk(attack.long).initialMargin == usdc("87906"))
        let exchange = attack.fixture.exchange
        #expect(try exchange.freeCollateral(attack.long) == usdc("338173.4"))
        #expect(try exchange.withdrawable(attack.long) == usdc("338173.4"))
        let tooMuch = PerpExchange.Call.withdraw(
            account: attack.long, amount: usdc("338173.400001"))
        #expect(attack.fixture.reason(tooMuch, as: Fixture.alice) == "Perp/insufficient-margin")
        let all = PerpExchange.Call.withdraw(account: attack.long, amount: usdc("338173.4"))
        #expect(attack.fixture.reason(all, as: Fixture.alice) == nil)
        // The loan: the quote balance is 5,000 − 18,450.6 − 338,173.4.
        #expect(attack.fixture.exchange.account(attack.long).quoteBalance == usdc("-351624"))
        #expect(attack.fixture.equity(attack.long) == usdc("87906"))
        #expect(try attack.fixture.exchange.withdrawable(attack.long) == 0)
    }

    @Test func theDrainStopsAtTheUSDCHeldAndDepositorsAreShortByIt() throws {
        var attack = Self.attack(pool: "100000")
        attack.fixture.setPrice(attack.market, "0.91")
        // Free margin 338,173.4, but the exchange holds 110,000.
        #expect(try attack.fixture.exchange.withdrawable(attack.long) == usdc("110000"))
        let beyond = PerpExchange.Call.withdraw(account: attack.long, amount: usdc("110000.000001"))
        #expect(
            attack.fixture.reason(beyond, as: Fixture.alice) == "Perp/insufficient-vault-balance")
        let all = PerpExchange.Call.withdraw(account: attack.long, amount: usdc("110000"))
        #expect(attack.fixture.reason(all, as: Fixture.alice) == nil)
        let exchange = attack.fixture.exchange
        #expect(exchange.netDeposits == 0)
        // Books still balance (the fixture checks after every call); Bob's claim of 100,000
        // is backed by nothing: the 100,000 beyond the attacker's own 10,000 is his loss,
        // carried by the short account's negative equity.
        #expect(exchange.account(attack.pool).quoteBalance == usdc("100000"))
        #expect(attack.fixture.equity(attack.short) == usdc("-416079.4"))
    }

    @Test func withoutTheRuleOpenGainsBackNothing() throws {
        var attack = Self.attack(pool: "1000000", backs: false)
        // At the entry price: 5,000 against an IMR of 3,690.12.
        #expect(try attack.fixture.exchange.freeCollateral(attack.long) == usdc("1309.88"))
        let over = PerpExchange.Call.withdraw(account: attack.long, amount: usdc("1309.880001"))
        #expect(attack.fixture.reason(over, as: Fixture.alice) == "Perp/insufficient-margin")
        attack.fixture.setPrice(attack.market, "0.91")
        let exchange = attack.fixture.exchange
        #expect(try exchange.unrealisedProfit(of: attack.long) == usdc("421079.4"))
        #expect(
            try exchange.withdrawableCollateral(
                of: attack.long, equity: attack.fixture.equity(attack.long)) == usdc("5000"))
        #expect(try exchange.withdrawable(attack.long) == 0)
        let any = PerpExchange.Call.withdraw(account: attack.long, amount: usdc("0.000001"))
        #expect(attack.fixture.reason(any, as: Fixture.alice) == "Perp/insufficient-margin")
    }

    @Test func withoutTheRuleLossesStillCountAndTheShortsGainDoesNot() throws {
        var attack = Self.attack(pool: "1000000", backs: false)
        attack.fixture.setPrice(attack.market, "0.03")
        let exchange = attack.fixture.exchange
        // Long: 5,000 − 483,000 × 0.0082 = 1,039.4 against IMR 2,898; no gain to remove.
        #expect(try exchange.unrealisedProfit(of: attack.long) == 0)
        #expect(try exchange.freeCollateral(attack.long) == usdc("-1858.6"))
        // Short: gain 3,960.6 left out, 5,000 against 2,898.
        #expect(try exchange.unrealisedProfit(of: attack.short) == usdc("3960.6"))
        #expect(try exchange.freeCollateral(attack.short) == usdc("2102"))
        let under = PerpExchange.Call.withdraw(account: attack.short, amount: usdc("2102"))
        #expect(attack.fixture.reason(under, as: Fixture.alice) == nil)
    }

    @Test func theRuleOnlyGatesWithdrawals() {
        // The same trades, liquidation tests and requirements either way: only `withdraw`
        // reads the switch.
        var with = Self.attack(pool: "1000", backs: true)
        var without = Self.attack(pool: "1000", backs: false)
        with.fixture.setPrice(with.market, "0.5")
        without.fixture.setPrice(without.market, "0.5")
        #expect(with.fixture.risk(with.long) == without.fixture.risk(without.long))
        #expect(with.fixture.risk(with.short) == without.fixture.risk(without.short))
    }
}
