import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// Seeded property and model-based tests of the perpetuals exchange. Every failure message
// carries its seed; rerun a single seed by narrowing the `arguments` range.

private typealias Fixture = PerpFixture

extension OperandGenerator {
    fileprivate mutating func chance(_ percent: UInt64) -> Bool {
        next(below: 100) < percent
    }

    fileprivate mutating func pick<T>(_ options: [T]) -> T {
        options[Int(next(below: UInt64(options.count)))]
    }

    /// A value in `low...high`.
    fileprivate mutating func amount(_ low: Int128, _ high: Int128) -> Int128 {
        low + Int128(next(below: UInt64(high - low + 1)))
    }

    /// `value` moved by a random fraction of at most `ppm` either way, at least 1.
    fileprivate mutating func nudge(_ value: Int128, byAtMostPpm ppm: Int128) -> Int128 {
        let move = amount(-ppm, ppm)
        return max(1, value + value * move / PerpMath.ppm)
    }
}

@Suite("Perp properties (seeded)")
struct PerpPropertyTests {
    // Lazy, index-based funding against the eager exact model: each account pays its exact
    // funding rounded up by less than a quantum per settlement, the exact amounts of longs
    // and shorts sum to zero, and what the accounts paid in total is exactly the dust swept
    // into the insurance fund plus what is left in the pool.
    @Test(arguments: 0..<100 as Range<UInt64>)
    func fundingMatchesExactReference(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        var fixture = Fixture()
        let market = fixture.addMarket(
            mark: "2000", funding: PerpFundingTerms(intervalSeconds: 3600))
        let traders = (0..<5).map { _ in fixture.account(Fixture.alice, "1000000") }
        let count = fixture.exchange.accountCount
        var model = ReferencePerpsFunding(accounts: count)
        var flows = [Int128](repeating: usdc("1000000"), count: count)
        var settlements = [Int128](repeating: 1, count: count)
        var swept: Int128 = 0
        for step in 0..<60 {
            let context = "seed \(seed) step \(step)"
            switch random.next(below: 4) {
            case 0:
                let buyer = random.pick(traders)
                let seller = random.pick(traders)
                let amount = random.amount(1, size("5"))
                let fill = random.nudge(fixture.exchange.market(market).price, byAtMostPpm: 10_000)
                let trade = PerpExchange.Call.trade(
                    market: market, buyer: buyer, seller: seller, size: amount, price: fill)
                guard buyer != seller, fixture.reason(trade, as: Fixture.matcher) == nil else {
                    continue
                }
                let quote = try PerpMath.mulDiv(amount, fill, PerpMath.sizeScale, .down)
                flows[Int(buyer.rawValue)] -= quote
                flows[Int(seller.rawValue)] += quote
                settlements[Int(buyer.rawValue)] += 1
                settlements[Int(seller.rawValue)] += 1
                model.trade(buyer: Int(buyer.rawValue), seller: Int(seller.rawValue), size: amount)
            case 1:
                fixture.now += 3600
                let premium = random.amount(-3_000, 3_000)
                let events = try fixture.run(
                    .fund(market: market, premiumPpm: premium), as: Fixture.oracle)
                guard case .funded(let payment) = events.first else {
                    Issue.record("\(context): no funding event")
                    return
                }
                model.pay(perUnit: payment.paymentPerUnit)
                swept += payment.dustToInsurance
            case 2:
                let mark = random.nudge(fixture.exchange.market(market).price, byAtMostPpm: 50_000)
                try fixture.run(.updatePrice(market: market, price: mark), as: Fixture.oracle)
            default:
                let account = random.pick(traders)
                try fixture.run(.settleFunding(account: account), as: Fixture.carol)
                settlements[Int(account.rawValue)] += 1
            }
        }
        for account in traders {
            try fixture.run(.settleFunding(account: account), as: Fixture.carol)
        }
        #expect(model.totalOwed == 0, "seed \(seed)")
        var paidTotal: Int128 = 0
        for account in traders {
            let index = Int(account.rawValue)
            let paid = flows[index] - fixture.exchange.account(account).quoteBalance
            let excess = paid * PerpMath.fundingPaymentDivisor - model.owedExactly[index]
            #expect(excess >= 0, "seed \(seed) account \(index): paid less than owed")
            #expect(
                excess < settlements[index] * PerpMath.fundingPaymentDivisor,
                "seed \(seed) account \(index): rounded by more than a quantum a settlement")
            paidTotal += paid
        }
        let pool = fixture.exchange.market(market).fundingPool
        #expect(paidTotal == swept + pool, "seed \(seed): funding does not balance")
        #expect(pool >= 0 && fixture.exchange.insuranceFund == swept, "seed \(seed)")
    }

    // Random trading, price shocks, funding, deposits and withdrawals, and the whole loss
    // waterfall. After every call: the books balance (`checkInvariants`: equal long and
    // short sizes, conserved USDC, a fund that is never negative); the fund moved by what
    // the events record; a revert changed nothing; no account is left without positions and with negative equity; losses
    // beyond the fund appear only with a `socialized_loss` event; deleveraging takes no
    // solvent account below zero.
    @Test(arguments: 0..<150 as Range<UInt64>)
    func randomWaterfall(seed: UInt64) {
        var world = Waterfall(seed: seed)
        for _ in 0..<120 { world.step() }
    }

    // The insurance fund moves only by what the events record: penalties and deficits of
    // liquidations, backstop settlements, draws on socialised losses, funding dust and
    // deposits. It is never negative (`checkInvariants`), so a deficit beyond it cannot
    // vanish: it shows as an `adl` fill or a `socialized_loss` event (the waterfall checks
    // above). Other seeds than `randomWaterfall`'s, the same checks on every call.
    @Test(arguments: 1_000..<1_100 as Range<UInt64>)
    func insuranceFundMovesOnlyByRecordedEvents(seed: UInt64) {
        var world = Waterfall(seed: seed)
        for _ in 0..<120 { world.step() }
    }

    // The property test above is only as good as the paths it reaches: over a few dozen
    // seeds every step of the waterfall happens.
    @Test func randomWaterfallReachesEveryStep() {
        var seen: [String: Int] = [:]
        var fundMoves = 0
        for seed in 0..<40 as Range<UInt64> {
            var world = Waterfall(seed: seed)
            for _ in 0..<120 { world.step() }
            seen.merge(world.eventCounts) { $0 + $1 }
            fundMoves += world.fundMoves
        }
        #expect(fundMoves > 40, "the fund moved only \(fundMoves) times in 40 seeds")
        for type in [
            "perp_liquidation", "backstop_settlement", "adl", "socialized_loss", "funding",
        ] {
            #expect(seen[type, default: 0] > 0, "no \(type) event in 40 seeds")
        }
    }
}

/// A random little exchange for `randomWaterfall`: two markets, six traders in cross or
/// isolated accounts, a keeper with deep pockets and a small insurance fund.
private struct Waterfall {
    let seed: UInt64
    var random: OperandGenerator
    var fixture: Fixture
    let markets: [PerpMarketID]
    var traders: [PerpAccountID] = []
    let keeper: PerpAccountID
    var eventCounts: [String: Int] = [:]
    /// Calls that changed the insurance fund.
    var fundMoves = 0

    init(seed: UInt64) {
        self.seed = seed
        random = OperandGenerator(seed: seed)
        fixture = Fixture(
            backstopThresholdPpm: random.pick([500_000, 666_667]),
            deleveragingPrice: random.pick([.bankruptcy, .mark]))
        markets = [
            fixture.addMarket(initialMargin: "10", maintenance: "5", mark: "1000"),
            fixture.addMarket("SOL-USD", initialMargin: "20", maintenance: "10", mark: "100"),
        ]
        for owner in 0..<6 {
            let mode: PerpMarginMode = random.chance(50) ? .cross : .isolated(random.pick(markets))
            let collateral = String(random.amount(300, 3000))
            traders.append(fixture.account(Address(UInt32(100 + owner)), collateral, mode: mode))
        }
        keeper = fixture.account(Fixture.keeper, "10000000")
        fixture.mustRun(
            .fundInsurance(amount: usdc(String(random.amount(0, 300)))), as: Fixture.dave)
    }

    mutating func step() {
        switch random.next(below: 10) {
        case 0...3: trade()
        case 4, 5: movePrice()
        case 6: payFunding()
        case 7: moveCollateral()
        case 8: attempt(.backstop(account: random.pick(traders)), as: Fixture.dave)
        default: liquidateEveryone()
        }
    }

    private mutating func trade() {
        let market = random.pick(markets)
        let buyer = random.pick(traders + [keeper])
        let seller = random.pick(traders)
        let mark = fixture.exchange.market(market).price
        // Up to about 6,000 USDC of notional.
        let amount = random.amount(1, 6_000 * PerpMath.sizeScale * PerpMath.quantumsPerUSDC / mark)
        let fill = random.nudge(mark, byAtMostPpm: 20_000)
        let call = PerpExchange.Call.trade(
            market: market, buyer: buyer, seller: seller, size: amount, price: fill)
        attempt(random.chance(50) ? call : call.swapped, as: Fixture.matcher)
    }

    private mutating func movePrice() {
        let market = random.pick(markets)
        let shock: Int128 = random.chance(15) ? 350_000 : 80_000
        let mark = random.nudge(fixture.exchange.market(market).price, byAtMostPpm: shock)
        attempt(.updatePrice(market: market, price: mark), as: Fixture.oracle)
    }

    private mutating func payFunding() {
        fixture.now += 3600
        for market in markets {
            attempt(
                .fund(market: market, premiumPpm: random.amount(-10_000, 10_000)),
                as: Fixture.oracle)
        }
    }

    private mutating func moveCollateral() {
        let account = random.pick(traders)
        let amount = usdc(String(random.amount(1, 500)))
        let owner = fixture.exchange.account(account).owner
        attempt(
            random.chance(50)
                ? .deposit(account: account, amount: amount)
                : .withdraw(account: account, amount: amount),
            as: owner)
    }

    /// A keeper's sweep: liquidate every liquidatable position at a fill near the mark;
    /// where the fund cannot take the loss, the backstop, then deleveraging. Some sweeps
    /// call the backstop first, as a venue whose book is empty would.
    private mutating func liquidateEveryone() {
        guard let accounts = try? fixture.exchange.liquidatableAccounts() else {
            Issue.record("seed \(seed): liquidatableAccounts overflowed")
            return
        }
        for account in accounts {
            if random.chance(30) && attempt(.backstop(account: account), as: Fixture.dave) != nil {
                continue
            }
            for position in fixture.exchange.account(account).positions {
                let mark = fixture.exchange.market(position.market).price
                let held = position.size.magnitude
                let size = Int128(random.chance(30) ? held / 2 + 1 : held)
                let liquidate = PerpExchange.Call.liquidate(
                    account: account, market: position.market, size: size,
                    fillPrice: random.nudge(mark, byAtMostPpm: 30_000), liquidator: keeper)
                if attempt(liquidate, as: Fixture.keeper) != nil { continue }
                if attempt(.backstop(account: account), as: Fixture.dave) != nil { break }
                attempt(.deleverage(account: account, market: position.market), as: Fixture.dave)
            }
        }
    }

    /// Applies `call`; on success checks the books and the waterfall's properties, on a
    /// revert checks that nothing changed.
    @discardableResult
    private mutating func attempt(_ call: PerpExchange.Call, as caller: Address)
        -> [PerpExchange.Event]?
    {
        let before = fixture.exchange
        var events: [PerpExchange.Event] = []
        do {
            try fixture.exchange.apply(call, caller: caller, block: fixture.block, events: &events)
        } catch {
            #expect(fixture.exchange == before, "seed \(seed): \(call) reverted and changed state")
            return nil
        }
        for event in events { eventCounts[event.traceType, default: 0] += 1 }
        let context = "seed \(seed): \(call)"
        let fundChange = fixture.exchange.insuranceFund - before.insuranceFund
        if fundChange != 0 { fundMoves += 1 }
        #expect(
            fundChange == Self.recordedFundChange(events),
            "\(context): the fund moved by \(fundChange) with no event saying so")
        do {
            try fixture.exchange.checkInvariants()
            try checkWaterfall(call, before: before, events: events, context: context)
        } catch {
            Issue.record("\(context): \(error)")
        }
        return events
    }

    /// What `events` say the insurance fund gained (negative: paid out).
    private static func recordedFundChange(_ events: [PerpExchange.Event]) -> Int128 {
        events.reduce(Int128(0)) { total, event in
            switch event {
            case .liquidated(let fill): total + fill.insuranceDelta
            case .backstopSettled(let settlement): total + settlement.insuranceDelta
            case .lossSocialized(let loss): total - loss.insuranceDraw
            case .funded(let payment): total + payment.dustToInsurance
            case .insuranceFunded(_, let amount): total + amount
            default: total
            }
        }
    }

    private func checkWaterfall(
        _ call: PerpExchange.Call, before: PerpExchange, events: [PerpExchange.Event],
        context: String
    ) throws {
        let exchange = fixture.exchange
        for index in 0..<exchange.accountCount {
            let account = exchange.account(PerpAccountID(UInt32(index)))
            if account.positions.isEmpty {
                #expect(account.quoteBalance >= 0, "\(context): account \(index) left in deficit")
            }
        }
        let losses = events.compactMap { event -> PerpSocializedLoss? in
            if case .lossSocialized(let loss) = event { loss } else { nil }
        }
        if losses.isEmpty {
            #expect(exchange.uncoveredLoss == before.uncoveredLoss, "\(context): silent loss")
            for market in markets {
                let spread = { (e: PerpExchange) in
                    e.market(market).longFundingIndex - e.market(market).shortFundingIndex
                }
                #expect(spread(exchange) == spread(before), "\(context): silent socialised loss")
            }
        }
        if case .deleverage(let bankrupt, let market) = call {
            try checkDeleveraging(
                bankrupt: bankrupt, market: market, before: before, events: events,
                delta: losses.first?.delta ?? 0, context: context)
        }
    }

    /// No account that was solvent before deleveraging is negative after it, once its share
    /// of any socialised loss (a separate charge, on everyone) is added back. The backstop
    /// vault taking the rest at the mark is a transfer to the buyer of last resort, not a
    /// deleveraging, and is left out.
    private func checkDeleveraging(
        bankrupt: PerpAccountID, market: PerpMarketID, before: PerpExchange,
        events: [PerpExchange.Event], delta: Int128, context: String
    ) throws {
        let vaultFallback = events.contains { event in
            if case .deleveraged(let fill) = event { fill.rankScore == nil } else { false }
        }
        for index in 0..<fixture.exchange.accountCount {
            let id = PerpAccountID(UInt32(index))
            guard id != bankrupt, try before.risk(of: id).equity >= 0 else { continue }
            if id == PerpExchange.backstopVaultAccount && vaultFallback { continue }
            var equity = try fixture.exchange.risk(of: id).equity
            if let position = fixture.exchange.account(id).position(in: market) {
                equity += try PerpMath.mulDiv(
                    abs(position.size), delta,
                    PerpMath.fundingPaymentDivisor, .up)
            }
            #expect(equity >= 0, "\(context): deleveraging took account \(index) below zero")
        }
    }
}

extension PerpExchange.Call {
    /// The same trade with buyer and seller exchanged.
    fileprivate var swapped: PerpExchange.Call {
        guard case .trade(let market, let buyer, let seller, let size, let price) = self else {
            return self
        }
        return .trade(market: market, buyer: seller, seller: buyer, size: size, price: price)
    }
}
