import CascadeAgents
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// A random perpetuals exchange driven call by call, with a `PerpAccountIndex` fed only by
/// the events: 3 markets (different maintenance fractions and prices), ~240 accounts,
/// isolated and cross (so some cross accounts hold several markets), trades near the mark,
/// deposits and withdrawals, funding in both directions, price moves (half of them onto an
/// account's exact liquidation price ±1 quantum), liquidations at the fillable price,
/// backstops and deleveraging. The events of the calls since `takeEvents()` are kept, so a
/// test can cut the calls into blocks.
struct RandomBook {
    static let oracle = Address(1)
    static let matcher = Address(2)
    static let vaultOwner = Address(3)
    static let keeperOwner = Address(4)

    var exchange: PerpExchange
    var index: PerpAccountIndex
    var random: RandomStream
    var now: UInt64 = 1_000
    var markets: [PerpMarketID] = []
    var traders: [PerpAccountID] = []
    var keeper = PerpAccountID(0)
    /// Events of the calls applied since the last `takeEvents()`.
    var pendingEvents: [PerpExchange.Event] = []
    var block: BlockContext { BlockContext(number: now / 12, timestamp: now) }

    init(seed: UInt64) {
        random = RandomStream(seed: seed, name: "perp-index-test")
        exchange = PerpExchange(
            configuration: PerpExchange.Configuration(
                oracle: Self.oracle, matcher: Self.matcher, backstopVault: Self.vaultOwner,
                deleveragingPrice: seed % 2 == 0 ? .bankruptcy : .mark))
        index = PerpAccountIndex(exchange: 0, state: exchange)
        let terms: [(String, Int128, Int128)] = [
            ("ETH-USD", 100_000, 50_000), ("BTC-USD", 50_000, 30_000), ("YFI-USD", 200_000, 60_000),
        ]
        for ((name, initial, maintenance), mark) in zip(terms, Self.firstPrices) {
            let market = exchange.addMarket(
                PerpMarketTerms(
                    name: name, initialMarginPpm: initial, maintenanceMarginPpm: maintenance,
                    openInterestCap: Int128(1) << 100, liquidationPenaltyPpm: 10_000,
                    funding: PerpFundingTerms(intervalSeconds: 3_600)),
                at: now)
            markets.append(market)
            mustApply(.updatePrice(market: market, price: mark), as: Self.oracle)
        }
        keeper = exchange.openAccount(owner: Self.keeperOwner, mode: .cross)
        mustApply(
            .deposit(account: keeper, amount: 1_000_000_000_000_000_000), as: Self.keeperOwner)
        mustApply(.fundInsurance(amount: 50_000_000_000), as: Self.keeperOwner)
        for number in 0..<240 {
            let owner = Address(UInt32(100 + number))
            let market = markets[Int(random.uniformInt(below: 3))]
            let mode: PerpMarginMode = random.uniform() < 0.5 ? .cross : .isolated(market)
            let account = exchange.openAccount(owner: owner, mode: mode)
            traders.append(account)
            let collateral = Int128(random.uniformInt(in: 50...20_000)) * 1_000_000
            mustApply(.deposit(account: account, amount: collateral), as: owner)
        }
        index = PerpAccountIndex(exchange: 0, state: exchange)
        for _ in 0..<600 { trade() }
    }

    mutating func apply(_ call: PerpExchange.Call, as caller: Address) -> Bool {
        var events: [PerpExchange.Event] = []
        do {
            try exchange.apply(call, caller: caller, block: block, events: &events)
        } catch {
            return false
        }
        index.apply(events, exchange: exchange)
        pendingEvents += events
        return true
    }

    /// The events since the last call, for one block.
    mutating func takeEvents() -> [PerpExchange.Event] {
        defer { pendingEvents.removeAll() }
        return pendingEvents
    }

    mutating func mustApply(_ call: PerpExchange.Call, as caller: Address) {
        #expect(apply(call, as: caller), "\(call) reverted")
    }

    mutating func pick<T>(_ list: [T]) -> T {
        list[Int(random.uniformInt(below: UInt64(list.count)))]
    }

    mutating func nudge(_ value: Int128, ppm: UInt64) -> Int128 {
        let step = Int128(random.uniformInt(in: -Int64(ppm)...Int64(ppm)))
        return max(1, value + value * step / 1_000_000)
    }

    mutating func trade() {
        let buyer = pick(traders)
        let seller = pick(traders)
        let market: PerpMarketID
        if case .isolated(let only) = exchange.account(buyer).mode {
            market = only
        } else if case .isolated(let only) = exchange.account(seller).mode {
            market = only
        } else {
            // A cross account mostly trades its home market, sometimes another.
            let home = markets[Int(buyer.rawValue) % markets.count]
            market = random.uniform() < 0.85 ? home : pick(markets)
        }
        let mark = exchange.market(market).price
        // Notional from 100 to 60,000 USDC.
        let notional = Int128(random.uniformInt(in: 100...60_000)) * 1_000_000
        let size = max(1, notional * PerpMath.sizeScale / mark)
        _ = apply(
            .trade(
                market: market, buyer: buyer, seller: seller, size: size,
                price: nudge(mark, ppm: 10_000)),
            as: Self.matcher)
    }

    /// A move of up to ±8%, or onto an account's exact liquidation price ±1 quantum; kept
    /// within a tenth and ten times the market's first price, as a world's prices are.
    mutating func movePrice() {
        let market = pick(markets)
        var price = nudge(exchange.market(market).price, ppm: 80_000)
        if random.uniform() < 0.5 {
            let account = pick(traders)
            if let exact = try? exchange.liquidationPrice(account: account, market: market) {
                price = exact + Int128(random.uniformInt(in: -1...1))
            }
        }
        mustApply(.updatePrice(market: market, price: bounded(price, market)), as: Self.oracle)
    }

    func bounded(_ price: Int128, _ market: PerpMarketID) -> Int128 {
        let first = Self.firstPrices[Int(market.rawValue)]
        return min(max(price, first / 10), first * 10)
    }

    static let firstPrices: [Int128] = [3_000_000_000, 60_000_000_000, 14_500_000_000]

    mutating func payFunding() {
        now += 3_600
        for market in markets {
            let premium = Int128(random.uniformInt(in: -20_000...20_000))
            mustApply(.fund(market: market, premiumPpm: premium), as: Self.oracle)
        }
    }

    mutating func moveCollateral() {
        let account = pick(traders)
        let owner = exchange.account(account).owner
        let amount = Int128(random.uniformInt(in: 1...2_000)) * 1_000_000
        _ = apply(
            random.uniform() < 0.5
                ? .deposit(account: account, amount: amount)
                : .withdraw(account: account, amount: amount),
            as: owner)
    }

    /// Liquidates some liquidatable accounts at their fillable price; where that cannot go
    /// through, the backstop, then deleveraging.
    mutating func liquidateSome() {
        guard let accounts = try? exchange.liquidatableAccounts() else { return }
        for account in accounts where random.uniform() < 0.5 {
            for position in exchange.account(account).positions {
                guard
                    let bound = try? exchange.fillablePrice(
                        account: account, market: position.market)
                else { continue }
                let held = position.size.magnitude
                let size = Int128(random.uniform() < 0.3 ? held / 2 + 1 : held)
                if apply(
                    .liquidate(
                        account: account, market: position.market, size: size,
                        fillPrice: bound, liquidator: keeper),
                    as: Self.keeperOwner)
                {
                    continue
                }
                if apply(.backstop(account: account), as: Self.keeperOwner) { break }
                _ = apply(
                    .deleverage(account: account, market: position.market), as: Self.keeperOwner)
            }
        }
    }

    mutating func step() {
        switch random.uniformInt(below: 10) {
        case 0, 1, 2: movePrice()
        case 3, 4: trade()
        case 5: payFunding()
        case 6, 7: moveCollateral()
        default: liquidateSome()
        }
    }

    /// Brute force: every account liquidatable at `prices` by the contract's rule.
    func bruteForce(atPrices prices: [Int128]) -> [PerpAccountID] {
        (0..<exchange.accountCount).map { PerpAccountID(UInt32($0)) }.filter {
            !exchange.account($0).positions.isEmpty
                && ((try? exchange.isLiquidatable($0, atPrices: prices)) ?? false)
        }
    }
}

@Suite("Perp account index")
struct PerpAccountIndexTests {
    @Test(
        "the index returns exactly the contract's liquidatable accounts",
        arguments: Array(UInt64(1)...16))
    func matchesTheContract(seed: UInt64) throws {
        var book = RandomBook(seed: seed)
        var returned = 0
        var hypothetical = 0
        var watchedVisits = 0
        for step in 0..<400 {
            book.step()
            watchedVisits += 2 * book.index.watchedCount
            let expected = try book.exchange.liquidatableAccounts()
            let found = book.index.liquidatableAccounts(in: book.exchange).sorted()
            #expect(found == expected, "seed \(seed) step \(step): at the marks")
            returned += expected.count
            // Other prices: each market moved, half onto an account's liquidation price.
            var prices = book.exchange.marketIDs.map { book.exchange.market($0).price }
            for slot in prices.indices {
                prices[slot] = book.nudge(prices[slot], ppm: 150_000)
                if book.random.uniform() < 0.5 {
                    let account = book.pick(book.traders)
                    let market = PerpMarketID(rawValue: UInt16(slot))
                    if let exact = try? book.exchange.liquidationPrice(
                        account: account, market: market)
                    {
                        prices[slot] = exact + Int128(book.random.uniformInt(in: -1...1))
                    }
                    prices[slot] = book.bounded(prices[slot], PerpMarketID(rawValue: UInt16(slot)))
                }
            }
            let unsafe = book.index.unsafeAccounts(in: book.exchange, atPrices: prices).sorted()
            let brute = book.bruteForce(atPrices: prices)
            #expect(unsafe == brute, "seed \(seed) step \(step): at \(prices)")
            hypothetical += brute.count
        }
        // The walk found something to find and never fell back to a scan; besides the
        // watched multi-market accounts, it tested the accounts it returned and at most a
        // few near the line per query (the 2-quantum rounding slack).
        #expect(returned > 0 && hypothetical > 0, "seed \(seed): nothing was ever unsafe")
        #expect(book.index.fallbackScans == 0)
        let indexed = book.index.candidateCount - watchedVisits
        #expect(
            indexed <= returned + hypothetical + 4 * book.index.queryCount,
            "seed \(seed): \(indexed) candidates for \(returned + hypothetical) results")
    }

    @Test("a multi-market cross account is watched, and indexed again with one market left")
    func crossAccountsAreWatched() throws {
        var book = RandomBook(seed: 99)
        let owner = Address(9_999)
        let account = book.exchange.openAccount(owner: owner, mode: .cross)
        book.mustApply(.deposit(account: account, amount: 100_000_000_000), as: owner)
        // Isolated counterparties, so only the cross account holds several markets.
        let first = book.exchange.openAccount(owner: owner, mode: .isolated(book.markets[0]))
        let second = book.exchange.openAccount(owner: owner, mode: .isolated(book.markets[1]))
        for counterparty in [first, second] {
            book.mustApply(.deposit(account: counterparty, amount: 100_000_000_000), as: owner)
        }
        let before = book.index.watchedCount
        book.mustApply(
            .trade(
                market: book.markets[0], buyer: account, seller: first,
                size: 1_000_000_000, price: book.exchange.market(book.markets[0]).price),
            as: RandomBook.matcher)
        #expect(book.index.watchedCount == before)
        book.mustApply(
            .trade(
                market: book.markets[1], buyer: second, seller: account,
                size: 100_000_000, price: book.exchange.market(book.markets[1]).price),
            as: RandomBook.matcher)
        #expect(book.index.watchedCount == before + 1)
        book.mustApply(
            .trade(
                market: book.markets[1], buyer: account, seller: second,
                size: 100_000_000, price: book.exchange.market(book.markets[1]).price),
            as: RandomBook.matcher)
        #expect(book.index.watchedCount == before)
    }
}
