import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// Margin, trading rules and the liquidation price (dYdX v4, REFERENCE.md §7.2).

private typealias Fixture = PerpFixture

@Suite("Perp margin and trading")
struct PerpMarginTests {
    // dYdX v4 docs, `margin.mdx` (REFERENCE.md §7.2): isolated liquidation price
    // p' = (e − s·p) / (|s|·MMF − s); e = 1000, s = −3, p = 3000, MMF 5% → 3174.60.
    @Test func dydxIsolatedLiquidationPrice() throws {
        var fixture = Fixture()
        let eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "3000")
        let alice = fixture.account(Fixture.alice, "1000", mode: .isolated(eth))
        let bob = fixture.account(Fixture.bob, "100000")
        fixture.trade(eth, buyer: bob, seller: alice, "3", at: "3000")
        #expect(fixture.equity(alice) == usdc("1000"))
        let liquidation = try #require(
            try fixture.exchange.liquidationPrice(account: alice, market: eth))
        #expect(liquidation == price("3174.603174"))
        #expect(liquidation / 10_000 == 317_460)  // 3174.60 to the cent
        // Just below it the account is safe, at it the account can be liquidated.
        fixture.setPrice(eth, "3174.603173")
        #expect(!fixture.risk(alice).isLiquidatable)
        fixture.setPrice(eth, "3174.603175")
        #expect(fixture.risk(alice).isLiquidatable)
    }

    // dYdX v4 docs, `margin.mdx` (REFERENCE.md §7.2): cross liquidation price
    // p' = (e − s·p − MMR_o) / (|s|·MMF − s); short 1.5 ETH at 3000 plus 1000 STRK at 1.75
    // with MMF 10% (MMR_o = 175), equity 1000, ETH MMF 5% → 3380.95.
    @Test func dydxCrossLiquidationPrice() throws {
        var fixture = Fixture()
        let eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "3000")
        let strk = fixture.addMarket(
            "STRK-USD", initialMargin: "20", maintenance: "10", mark: "1.75")
        let alice = fixture.account(Fixture.alice, "1000")
        let bob = fixture.account(Fixture.bob, "100000")
        fixture.trade(eth, buyer: bob, seller: alice, "1.5", at: "3000")
        fixture.trade(strk, buyer: alice, seller: bob, "1000", at: "1.75")
        #expect(fixture.equity(alice) == usdc("1000"))
        #expect(fixture.risk(alice).maintenanceMargin == usdc("225") + usdc("175"))
        let liquidation = try #require(
            try fixture.exchange.liquidationPrice(account: alice, market: eth))
        #expect(liquidation == price("3380.952380"))
        #expect(liquidation / 10_000 == 338_095)  // 3380.95 to the cent
    }

    @Test func initialMarginGatesNewRisk() {
        var fixture = Fixture()
        let eth = fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "1000")
        let alice = fixture.account(Fixture.alice, "1000")
        let bob = fixture.account(Fixture.bob, "100000")
        let buy: (String) -> PerpExchange.Call = { amount in
            .trade(market: eth, buyer: alice, seller: bob, size: size(amount), price: price("1000"))
        }
        // 10 ETH at $1000 needs exactly 1000 USDC at 10%; one more unit is refused.
        #expect(
            fixture.reason(buy("10.000000001"), as: Fixture.matcher) == "Perp/insufficient-margin")
        #expect(fixture.reason(buy("10"), as: Fixture.matcher) == nil)
        // Below initial margin (but above maintenance), it may only reduce.
        fixture.setPrice(eth, "960")
        #expect(fixture.risk(alice).equity == usdc("600"))
        #expect(fixture.reason(buy("0.1"), as: Fixture.matcher) == "Perp/insufficient-margin")
        let sell = PerpExchange.Call.trade(
            market: eth, buyer: bob, seller: alice, size: size("2"), price: price("960"))
        #expect(fixture.reason(sell, as: Fixture.matcher) == nil)
        // …but not at a price that worsens its equity per unit of maintenance margin.
        let dump = PerpExchange.Call.trade(
            market: eth, buyer: bob, seller: alice, size: size("4"), price: price("850"))
        #expect(fixture.reason(dump, as: Fixture.matcher) == "Perp/insufficient-margin")
    }

    @Test func tradeChecks() {
        var fixture = Fixture()
        let eth = fixture.addMarket(mark: "1000", openInterestCap: "20")
        let btc = fixture.addMarket("BTC-USD", mark: "50000")
        let alice = fixture.account(Fixture.alice, "10000", mode: .isolated(eth))
        let bob = fixture.account(Fixture.bob, "100000")
        let carol = fixture.account(Fixture.carol, "100000")
        func trade(
            _ market: PerpMarketID, _ buyer: PerpAccountID, _ seller: PerpAccountID,
            _ amount: String
        ) -> PerpExchange.Call {
            .trade(
                market: market, buyer: buyer, seller: seller, size: size(amount),
                price: price("1000"))
        }
        #expect(
            fixture.reason(trade(btc, alice, bob, "0.1"), as: Fixture.matcher)
                == "Perp/isolated-market-mismatch")
        #expect(
            fixture.reason(trade(eth, bob, carol, "21"), as: Fixture.matcher)
                == "Perp/open-interest-cap")
        #expect(
            fixture.reason(trade(eth, bob, bob, "1"), as: Fixture.matcher) == "Perp/same-account")
        #expect(
            fixture.reason(trade(eth, bob, carol, "1"), as: Fixture.bob) == "Perp/not-authorized")
        #expect(
            fixture.reason(trade(eth, bob, carol, "0"), as: Fixture.matcher) == "Perp/invalid-size")
        #expect(fixture.reason(trade(eth, bob, carol, "20"), as: Fixture.matcher) == nil)
        // At the cap, trades that do not raise open interest still go through.
        #expect(fixture.reason(trade(eth, alice, bob, "1"), as: Fixture.matcher) == nil)
        #expect(fixture.exchange.market(eth).openInterest == size("20"))
    }

    // Mango Markets (HISTORY.md §4): two accounts of one owner trade with each other, the
    // oracle is pushed up, and unrealised profit is withdrawn until the vault is empty.
    @Test func selfTradeThenWithdrawUnrealisedProfit() {
        var fixture = Fixture()
        let mngo = fixture.addMarket("MNGO-USD", mark: "0.0382")
        let long = fixture.account(Fixture.alice, "1000")
        let short = fixture.account(Fixture.alice, "1000")
        let bystander = fixture.account(Fixture.bob, "500")
        let selfTrade = PerpExchange.Call.trade(
            market: mngo, buyer: long, seller: short, size: size("200000"), price: price("0.0382"))
        #expect(fixture.reason(selfTrade, as: Fixture.alice) == nil)
        fixture.setPrice(mngo, "0.91")
        let profit = fixture.equity(long)
        #expect(profit == usdc("1000") + usdc("174360"))  // 200,000 × (0.91 − 0.0382)
        // The exchange holds 2,500 USDC: that is all that can leave.
        #expect(
            fixture.reason(.withdraw(account: long, amount: usdc("2500.000001")), as: Fixture.alice)
                == "Perp/insufficient-vault-balance")
        #expect(
            fixture.reason(.withdraw(account: long, amount: usdc("2500")), as: Fixture.alice) == nil
        )
        #expect(fixture.exchange.account(long).quoteBalance < 0)
        #expect(fixture.exchange.netDeposits == 0)
        #expect(fixture.equity(short) < 0)
        _ = bystander
    }

    @Test func withdrawKeepsInitialMargin() {
        var fixture = Fixture()
        let eth = fixture.addMarket(initialMargin: "10", mark: "1000")
        let alice = fixture.account(Fixture.alice, "1500")
        let bob = fixture.account(Fixture.bob, "100000")
        fixture.trade(eth, buyer: alice, seller: bob, "10", at: "1000")
        #expect(
            fixture.reason(.withdraw(account: alice, amount: usdc("500")), as: Fixture.bob)
                == "Perp/not-owner")
        #expect(
            fixture.reason(.withdraw(account: alice, amount: usdc("500.000001")), as: Fixture.alice)
                == "Perp/insufficient-margin")
        #expect(
            fixture.reason(.withdraw(account: alice, amount: usdc("500")), as: Fixture.alice) == nil
        )
    }

    // dYdX v4 `margin.mdx` (REFERENCE.md §7.2): IMF_eff = min(base + max(0, (OI·price −
    // lower) / (upper − lower)) · (1 − base), 100%). Base 5%, 1,500 ETH open at $1,000 between
    // caps of $1M and $2M → 5% + ½ · 95% = 52.5%.
    @Test func openInterestScalesInitialMargin() throws {
        var fixture = Fixture()
        let scaling = PerpOpenInterestScaling(
            lowerCapQuantums: usdc("1000000"), upperCapQuantums: usdc("2000000"))
        let eth = fixture.addMarket(
            initialMargin: "5", maintenance: "3", mark: "1000", scaling: scaling)
        let alice = fixture.account(Fixture.alice, "10000000")
        let bob = fixture.account(Fixture.bob, "10000000")
        #expect(try fixture.exchange.market(eth).effectiveInitialMarginPpm == percent("5"))
        fixture.trade(eth, buyer: alice, seller: bob, "1500", at: "1000")
        #expect(try fixture.exchange.market(eth).effectiveInitialMarginPpm == percent("52.5"))
        fixture.trade(eth, buyer: alice, seller: bob, "1000", at: "1000")
        #expect(try fixture.exchange.market(eth).effectiveInitialMarginPpm == percent("100"))
    }

    // Dynamic margin: IMF ≥ multiplier × σ. A 3σ rule with σ = 8% asks 24%.
    @Test func volatilityRaisesInitialMargin() throws {
        var fixture = Fixture()
        let eth = fixture.addMarket(
            initialMargin: "10", mark: "1000", volatilityMultiplier: 3_000_000)
        let alice = fixture.account(Fixture.alice, "2000")
        let bob = fixture.account(Fixture.bob, "100000")
        let buy = PerpExchange.Call.trade(
            market: eth, buyer: alice, seller: bob, size: size("10"), price: price("1000"))
        fixture.mustRun(
            .setVolatility(market: eth, volatilityPpm: percent("8")), as: Fixture.oracle)
        #expect(try fixture.exchange.market(eth).effectiveInitialMarginPpm == percent("24"))
        #expect(fixture.reason(buy, as: Fixture.matcher) == "Perp/insufficient-margin")
        #expect(
            fixture.reason(
                .setVolatility(market: eth, volatilityPpm: percent("2")), as: Fixture.alice)
                == "Perp/not-oracle")
        fixture.mustRun(
            .setVolatility(market: eth, volatilityPpm: percent("2")), as: Fixture.oracle)
        #expect(fixture.reason(buy, as: Fixture.matcher) == nil)
    }

    @Test func signedArithmeticRoundsAsNamed() throws {
        #expect(try PerpMath.mulDiv(-1, 1, 3, .down) == -1)
        #expect(try PerpMath.mulDiv(-1, 1, 3, .up) == 0)
        #expect(try PerpMath.mulDiv(-1, 1, 3, .towardZero) == 0)
        #expect(try PerpMath.mulDiv(7, -2, -3, .down) == 4)
        #expect(try PerpMath.mulDiv(7, 2, 3, .up) == 5)
        #expect(try PerpMath.mulDiv(.max, .max, .max, .down) == .max)
        #expect(throws: Revert("Perp/overflow")) { try PerpMath.mulDiv(.max, 2, 1, .down) }
        #expect(throws: Revert("Perp/overflow")) { try PerpMath.add(.max, 1) }
        #expect(throws: Revert("Perp/division-by-zero")) { try PerpMath.div(1, 0, .down) }
        // A short's value rounds down: it owes a little more, never less.
        #expect(try PerpMath.value(size: size("-1"), price: 1) == -1)
    }

    /// `mulDiv` takes a native path when the product fits 128 bits (and the processor's
    /// 128-by-64-bit division when the divisor and quotient fit 64 bits): every path must
    /// give the 256-bit reference's quotient, rounding and overflow. Operands of every bit
    /// length, so all three paths and their edges are hit.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func mulDivMatchesWideReference(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        func operand() -> Int128 {
            let bits = Int(random.next(below: 128))
            let magnitude = Int128(
                truncatingIfNeeded: UInt128(random.next()) << 64 | UInt128(random.next()))
            let value = bits == 0 ? 0 : (magnitude & Int128.max) >> (127 - bits)
            return random.next(below: 2) == 0 ? value : -value
        }
        for step in 0..<4_000 {
            let (a, b, d) = (operand(), operand(), operand())
            guard d != 0 else { continue }
            for rounding in [PerpMath.Rounding.down, .up, .towardZero] {
                let expected = Self.referenceMulDiv(a, b, d, rounding)
                let found = try? PerpMath.mulDiv(a, b, d, rounding)
                #expect(found == expected, "seed \(seed) step \(step): \(a)·\(b)/\(d)")
            }
        }
    }

    /// `a·b/d` rounded as asked, through `UInt256` magnitudes; nil when it overflows `Int128`.
    static func referenceMulDiv(
        _ a: Int128, _ b: Int128, _ d: Int128, _ rounding: PerpMath.Rounding
    ) -> Int128? {
        let product = UInt256(a.magnitude) * UInt256(b.magnitude)
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: UInt256(d.magnitude))
        let negative = ((a < 0) != (b < 0)) != (d < 0) && !product.isZero
        var magnitude = quotient
        let awayFromZero = rounding == .down ? negative : rounding == .up && !negative
        if !remainder.isZero && awayFromZero {
            magnitude += .one
        }
        guard magnitude <= UInt256(UInt128(Int128.max)) else { return nil }
        let value = Int128(magnitude.toUInt128())
        return negative ? -value : value
    }
}
