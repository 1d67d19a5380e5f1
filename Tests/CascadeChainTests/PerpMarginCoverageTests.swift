import CascadeAgents
import CascadeContracts
import CascadeCore
import Testing

/// The margin coverage `PerpAccountIndex` keeps by running sums (blocks.csv's
/// `collateral_value` and `debt` in a perpetuals world) against a direct sum over every
/// account, on `RandomBook`'s random exchanges: trades, deposits and withdrawals, funding
/// both ways, price moves, liquidations, backstops, deleveraging and socialised losses.
///
/// The expected numbers follow the definition in docs/model/perpetuals.md ("Margin
/// coverage"), which takes the exchange's own formula (PerpAccountIndex's documentation):
/// `equity = Q + s·p/1e9 − s·(I − σ)/1e12`, `MMR = |s|·p·m/1e15`.
@Suite("Perp margin coverage")
struct PerpMarginCoverageTests {
    /// The exact equity (× 1e12) and maintenance margin (× 1e15) of `account` at `prices`,
    /// summed over its positions with no rounding.
    static func exact(_ account: PerpAccountID, in exchange: PerpExchange, prices: [Int128])
        -> (equity: WideSignedInteger, maintenance: WideSignedInteger)
    {
        let books = exchange.account(account)
        var equity = WideSignedInteger.product(books.quoteBalance, 1_000_000_000_000)
        var maintenance = WideSignedInteger.zero
        for position in books.positions {
            let market = exchange.market(position.market)
            let slot = Int(position.market.rawValue)
            let price = slot < prices.count && prices[slot] > 0 ? prices[slot] : market.price
            let index = position.size > 0 ? market.longFundingIndex : market.shortFundingIndex
            // s·p·1e3 − s·(I − σ)
            equity += .product(position.size, price * 1_000)
            equity -= .product(position.size, index - position.fundingSnapshot)
            let magnitude = position.size < 0 ? -position.size : position.size
            maintenance += .product(magnitude * price, market.terms.maintenanceMarginPpm)
        }
        return (equity, maintenance)
    }

    /// The direct sums over every account holding a position: the exchange's own rounded
    /// standing for all (`rounded`), and the exact numbers (`mixed`: exact for the accounts
    /// the index sums, which is all of them here, the exchange's standing for any other),
    /// with the positions of the accounts holding several markets and of all summed ones.
    static func direct(_ book: RandomBook, prices: [Int128]) throws -> (
        rounded: PerpMarginCoverageSums, mixed: PerpMarginCoverageSums,
        multiMarketPositions: Int, summedPositions: Int
    ) {
        var rounded = PerpMarginCoverageSums()
        var mixed = PerpMarginCoverageSums()
        var multiMarketPositions = 0
        var summedPositions = 0
        for raw in 0..<book.exchange.accountCount {
            let id = PerpAccountID(UInt32(raw))
            let positions = book.exchange.account(id).positions.count
            guard positions > 0 else { continue }
            let standing = try book.exchange.maintenanceStanding(of: id, atPrices: prices)
            let equity = WideSignedInteger.product(standing.equity, 1_000_000_000_000)
            let maintenance = WideSignedInteger.product(
                standing.maintenanceMargin, 1_000_000_000_000_000)
            rounded.equity += equity
            rounded.maintenance += maintenance
            if positions > 1 { multiMarketPositions += positions }
            if book.index.isSummed(id) {
                summedPositions += positions
                let sums = exact(id, in: book.exchange, prices: prices)
                mixed.equity += sums.equity
                mixed.maintenance += sums.maintenance
            } else {
                Issue.record("account \(raw): its numbers fit, yet it is not summed")
                mixed.equity += equity
                mixed.maintenance += maintenance
            }
        }
        return (rounded, mixed, multiMarketPositions, summedPositions)
    }

    @Test(
        "running sums equal a direct sum over all accounts, at the marks and at other prices",
        arguments: Array(UInt64(1)...24))
    func runningSumsMatchDirectSums(seed: UInt64) throws {
        var book = RandomBook(seed: seed)
        var multiMarketSeen = 0
        var exactSteps = 0
        // Deleveraging settles the funding of queue candidates it passes over without an
        // event naming them; their terms then predate that settlement (the exchange counts
        // both the same), so from then on the equity is checked within the documented bound.
        var deleveraged = false
        for step in 0..<300 {
            _ = book.takeEvents()
            book.step()
            deleveraged =
                deleveraged
                || book.takeEvents().contains {
                    if case .deleveraged = $0 { return true } else { return false }
                }
            var prices = book.exchange.marketIDs.map { book.exchange.market($0).price }
            if step % 2 == 1 {
                for slot in prices.indices {
                    prices[slot] = book.bounded(
                        book.nudge(prices[slot], ppm: 200_000),
                        PerpMarketID(rawValue: UInt16(slot)))
                }
                // A missing price keeps the mark.
                if step % 4 == 1 { prices[0] = 0 }
            }
            let coverage = book.index.marginCoverage(in: book.exchange, atPrices: prices)
            let expected = try Self.direct(book, prices: prices)
            multiMarketSeen += expected.multiMarketPositions
            // The requirement never depends on a settlement: always the same numbers.
            #expect(
                coverage.maintenanceMargin == expected.mixed.maintenance,
                "seed \(seed) step \(step): maintenance margin")
            if !deleveraged {
                exactSteps += 1
                #expect(
                    coverage.equity == expected.mixed.equity, "seed \(seed) step \(step): equity")
            }
            // Against the exchange's own rounded numbers for every account: the sum's equity
            // is above by less than 2 quantums a position, its requirement below by less
            // than 1.
            let equityGap = coverage.equity - expected.rounded.equity
            #expect(!equityGap.isNegative, "seed \(seed) step \(step)")
            #expect(
                equityGap.magnitude
                    <= UInt256(2 * expected.summedPositions) * UInt256.powerOfTen(12),
                "seed \(seed) step \(step): equity gap \(equityGap.magnitude)")
            let requirementGap = expected.rounded.maintenance - coverage.maintenanceMargin
            #expect(!requirementGap.isNegative, "seed \(seed) step \(step)")
            #expect(
                requirementGap.magnitude
                    <= UInt256(expected.summedPositions) * UInt256.powerOfTen(15),
                "seed \(seed) step \(step): requirement gap")
        }
        #expect(book.index.coverageFallbacks == 0)
        #expect(multiMarketSeen > 0, "seed \(seed): no account held several markets")
        #expect(exactSteps > 0)
    }

    @Test("a flat book: equity is the deposits, the requirement |s|·p·m")
    func handComputedBook() throws {
        // Two isolated accounts trade 2 ETH at $3000 (maintenance 5%): each requires
        // 2·3000·0.05 = $300; equities are the deposits, $1000 and $2000, before any move.
        // At $2900 the long has lost $200 and the short gained it: the sum stays $3000 and
        // each requirement is 2·2900·0.05 = $290.
        var exchange = PerpExchange(
            configuration: PerpExchange.Configuration(
                oracle: Address(1), matcher: Address(2), backstopVault: Address(3)))
        let market = exchange.addMarket(
            PerpMarketTerms(
                name: "ETH-USD", initialMarginPpm: 100_000, maintenanceMarginPpm: 50_000,
                openInterestCap: Int128(1) << 100, liquidationPenaltyPpm: 10_000,
                funding: PerpFundingTerms(intervalSeconds: 3_600)),
            at: 1_000)
        let block = BlockContext(number: 1, timestamp: 1_000)
        var events: [PerpExchange.Event] = []
        try exchange.apply(
            .updatePrice(market: market, price: 3_000_000_000), caller: Address(1), block: block,
            events: &events)
        let long = exchange.openAccount(owner: Address(10), mode: .isolated(market))
        let short = exchange.openAccount(owner: Address(11), mode: .isolated(market))
        try exchange.apply(
            .deposit(account: long, amount: 1_000_000_000), caller: Address(10), block: block,
            events: &events)
        try exchange.apply(
            .deposit(account: short, amount: 2_000_000_000), caller: Address(11), block: block,
            events: &events)
        var index = PerpAccountIndex(exchange: 0, state: exchange)
        events.removeAll()
        try exchange.apply(
            .trade(
                market: market, buyer: long, seller: short, size: 2_000_000_000,
                price: 3_000_000_000),
            caller: Address(2), block: block, events: &events)
        index.apply(events, exchange: exchange)
        let atMark = index.marginCoverage(in: exchange, atPrices: [])
        #expect(atMark.equity == .product(3_000_000_000, 1_000_000_000_000))
        #expect(atMark.maintenanceMargin == .product(600_000_000, 1_000_000_000_000_000))
        let lower = index.marginCoverage(in: exchange, atPrices: [2_900_000_000])
        #expect(lower.equity == .product(3_000_000_000, 1_000_000_000_000))
        #expect(lower.maintenanceMargin == .product(580_000_000, 1_000_000_000_000_000))
        #expect(index.watchedCount == 0)

        // An account holding 2^79 quantums (its `Q·1e15` passes Int128) is too wide to sum
        // and is asked with the exchange's rule: buying 1 ETH at the mark it adds its
        // deposit and 1·3000·0.05 = $150 of requirement, on top of the short's extra ETH.
        let rich = exchange.openAccount(owner: Address(12), mode: .isolated(market))
        events.removeAll()
        try exchange.apply(
            .deposit(account: rich, amount: Int128(1) << 79), caller: Address(12), block: block,
            events: &events)
        try exchange.apply(
            .trade(
                market: market, buyer: rich, seller: short, size: 1_000_000_000,
                price: 3_000_000_000),
            caller: Address(2), block: block, events: &events)
        index.apply(events, exchange: exchange)
        #expect(!index.isSummed(rich) && index.isSummed(short))
        let withRich = index.marginCoverage(in: exchange, atPrices: [])
        #expect(withRich.equity == .product(3_000_000_000 + (Int128(1) << 79), 1_000_000_000_000))
        #expect(withRich.maintenanceMargin == .product(900_000_000, 1_000_000_000_000_000))
        #expect(index.coverageFallbacks == 0)
    }

    @Test("wide signed sums: products of extreme Int128s and mixed signs")
    func wideSignedInteger() {
        // 2^254 = (−2^127)², the largest product of two Int128s.
        let largest = WideSignedInteger.product(.min, .min)
        #expect(!largest.isNegative)
        #expect(largest.magnitude == UInt256.one << 254)
        let negative = WideSignedInteger.product(-3, .max)
        #expect(negative.isNegative)
        #expect(negative.magnitude == UInt256(UInt128(Int128.max)) * UInt256(UInt64(3)))
        #expect((negative + .product(3, .max)) == .zero)
        #expect((WideSignedInteger(-5) - WideSignedInteger(7)) == WideSignedInteger(-12))
        let bound = UInt256.one << 200
        #expect(largest.multiplied(by: WideSignedInteger(2), below: bound) == nil)
        #expect(
            WideSignedInteger(-4).multiplied(by: WideSignedInteger(5), below: bound)
                == WideSignedInteger(-20))
    }
}

/// A pair of coverage sums for the tests (equity × 1e12, requirement × 1e15).
struct PerpMarginCoverageSums {
    var equity = WideSignedInteger.zero
    var maintenance = WideSignedInteger.zero
}
