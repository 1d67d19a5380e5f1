import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// The stress grid (REFERENCE.md §8.3) and the options exchange's books: trades, margin
// modes, liquidation, settlement, reverts and invariants.

private let wad = OptionsMath.wadInteger

private func dollars(_ value: Int128) -> Int128 { value * wad }

/// An exchange with one underlying (ETH at $2,000 unless told) and a few 7- and 30-day
/// series, and helpers to open accounts and trade.
private struct OptionsFixture {
    static let oracle = Address(1)
    static let matcher = Address(2)
    static let week: UInt64 = 7 * 86_400
    var exchange: OptionsExchange
    var eth: OptionUnderlyingID
    var now: UInt64 = 1
    var nextOwner: UInt32 = 100

    init(surface: VolatilitySurface? = nil, spot: Int128 = 2_000) {
        exchange = OptionsExchange(
            configuration: .init(oracle: Self.oracle, matcher: Self.matcher))
        let skewed = VolatilitySurface(
            shape: .skewed(
                atm: [
                    .init(seconds: Self.week, volatilityPpm: 800_000),
                    .init(seconds: 30 * 86_400, volatilityPpm: 700_000),
                ], skewPpm: -150_000, curvaturePpm: 50_000))
        eth = exchange.addUnderlying(
            OptionUnderlying(
                name: "ETH", surface: surface ?? skewed, ratePpm: 50_000, dividendYieldPpm: 0))
        setSpot(spot)
    }

    mutating func list(_ kind: OptionKind, strike: Int128, expiry: UInt64 = week)
        -> OptionSeriesID
    {
        let id = exchange.addSeries(
            OptionSeries(underlying: eth, kind: kind, strike: dollars(strike), expiry: expiry))
        setSpot(exchange.underlying(eth).spot / wad)
        return id
    }

    mutating func setSpot(_ spot: Int128) {
        setSpotWad(dollars(spot))
    }

    mutating func setSpotWad(_ spot: Int128) {
        do {
            try run(.updatePrice(underlying: eth, price: spot), Self.oracle)
        } catch {
            preconditionFailure("the fixture's price post reverted: \(error)")
        }
    }

    mutating func account(_ mode: OptionMarginMode, deposit: Int128) -> OptionAccountID {
        nextOwner += 1
        let id = exchange.openAccount(owner: Address(nextOwner), mode: mode)
        guard deposit > 0 else { return id }
        do {
            try run(.deposit(account: id, amount: deposit), Self.matcher)
        } catch {
            preconditionFailure("the fixture's deposit reverted: \(error)")
        }
        return id
    }

    mutating func run(_ call: OptionsExchange.Call, _ caller: Address) throws(Revert) {
        var events: [OptionsExchange.Event] = []
        try exchange.apply(
            call, caller: caller, block: BlockContext(number: now, timestamp: now),
            events: &events)
    }

    mutating func trade(
        _ series: OptionSeriesID, buyer: OptionAccountID, seller: OptionAccountID, units: Int128
    ) throws(Revert) {
        try run(
            .trade(
                series: series, buyer: buyer, seller: seller, size: units * wad,
                price: exchange.series(series).mark), Self.matcher)
    }

    func margin(_ id: OptionAccountID) -> OptionAccountMargin {
        exchange.margin(of: id, now: now)
    }
}

@Suite("Options exchange")
struct OptionsExchangeTests {
    // McMillan, Options as a Strategic Investment, ch. 34 (REFERENCE.md §8.3): S&P 500 with
    // a price scan range of $10,000. A long future's risk array is 0, 0, ±3,330, ±6,670,
    // ±10,000 and the extremes ±7,000 (35% × 2 × 10,000), to the book's $10 rounding.
    @Test func spanLongFutureArray() {
        let grid = RiskGrid.span(scanRange: 0.10, volatilityScan: 0.04)
        #expect(grid.scenarios.count == 16)
        let notional = 100_000.0
        let array = grid.riskArray(profitAndLoss: grid.scenarios.map { notional * $0.priceMove })
        let rounded = array.map { ($0 / 10).rounded() * 10 }
        #expect(
            rounded == [
                0, 0, 3_330, 3_330, -3_330, -3_330, 6_670, 6_670, -6_670, -6_670, 10_000, 10_000,
                -10_000, -10_000, 7_000, -7_000,
            ])
        #expect(abs(RiskGrid.requirement(riskArray: array) - 10_000) < 1e-9)
    }

    // McMillan's long Dec 410 call array (REFERENCE.md §8.3): the SPAN requirement is the
    // worst scenario, scenario 14's −3,990. Fed as unweighted profit and loss (the extremes
    // divided by their 35% weight), the grid weights them back and finds the same $3,990.
    @Test func spanLongCallRequirement() {
        let array: [Double] = [
            460, -610, 2_640, 1_730, -1_270, -2_340, 5_210, 4_540, -2_540, -3_430, 8_060, 7_640,
            -3_380, -3_990, 3_130, -1_500,
        ]
        #expect(RiskGrid.requirement(riskArray: array) == 3_990)
        let grid = RiskGrid.span(scanRange: 0.10, volatilityScan: 0.04)
        var raw = array
        raw[14] /= 0.35
        raw[15] /= 0.35
        #expect(abs(grid.requirement(profitAndLoss: raw) - 3_990) < 1e-9)
        // The extreme down move counts 35% of its 4,285.71 loss: 1,500, not the worst.
        #expect(abs(grid.riskArray(profitAndLoss: raw)[15] - -1_500) < 1e-9)
    }

    // Deribit/Paradex portfolio grid (REFERENCE.md §8.3): ±16% in 9 evenly spaced steps,
    // volatility up, unchanged, down; shocks scaled by (30/max(1, DTE))^power with the
    // power 0.30 below 30 days and 0.13 from 30 days.
    @Test func portfolioGridLayout() {
        let grid = RiskGrid.portfolio(.init())
        #expect(grid.scenarios.count == 27)
        let moves = stride(from: 0, to: 27, by: 3).map { grid.scenarios[$0].priceMove }
        for (step, move) in moves.enumerated() {
            #expect(abs(move - (-0.16 + 0.04 * Double(step))) < 1e-15)
        }
        let up = grid.scenarios[0]
        let down = grid.scenarios[2]
        #expect(up.volatilityShock == 0.4 && down.volatilityShock == -0.22)
        let week = grid.volatilityScale(up, days: 7)
        #expect(abs(week - (1 + 0.4 * OptionMath.pow(30.0 / 7, 0.3))) < 1e-15)
        let twoMonths = grid.volatilityScale(down, days: 60)
        #expect(abs(twoMonths - (1 - 0.22 * OptionMath.pow(0.5, 0.13))) < 1e-15)
        // Under a day counts as one day.
        #expect(grid.volatilityScale(up, days: 0.2) == grid.volatilityScale(up, days: 1))
        #expect(grid.volatilityScale(grid.scenarios[1], days: 3) == 1)
    }

    // Portfolio margin ≤ the sum of isolated margins for hedged books (vertical spreads,
    // collars and calendar-free straddles against their wings), over seeds.
    @Test(arguments: 0..<25 as Range<UInt64>)
    func portfolioNeverExceedsIsolatedSum(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        var fixture = OptionsFixture(spot: 1_500 + Int128(random.next(below: 1_000)))
        let spot = fixture.exchange.underlying(fixture.eth).spot / wad
        let maker = fixture.account(.cross(fixture.eth), deposit: dollars(100_000_000))
        let portfolio = fixture.account(.portfolio(fixture.eth), deposit: dollars(10_000_000))
        var isolatedSum: Int128 = 0
        for _ in 0..<(1 + Int(random.next(below: 4))) {
            let kind: OptionKind = random.next(below: 2) == 0 ? .call : .put
            let expiry: UInt64 = [OptionsFixture.week, 30 * 86_400][Int(random.next(below: 2))]
            let near = spot * Int128(80 + random.next(below: 40)) / 100
            let far = near + spot * Int128(2 + random.next(below: 20)) / 100
            let (short, long) = kind == .call ? (near, far) : (far, near)
            let units = Int128(1 + random.next(below: 20))
            let shortSeries = fixture.list(kind, strike: short, expiry: expiry)
            let longSeries = fixture.list(kind, strike: long, expiry: expiry)
            try fixture.trade(shortSeries, buyer: maker, seller: portfolio, units: units)
            try fixture.trade(longSeries, buyer: portfolio, seller: maker, units: units)
            for (series, isLong) in [(shortSeries, false), (longSeries, true)] {
                let isolated = fixture.account(.isolated, deposit: dollars(10_000_000))
                if isLong {
                    try fixture.trade(series, buyer: isolated, seller: maker, units: units)
                } else {
                    try fixture.trade(series, buyer: maker, seller: isolated, units: units)
                }
                isolatedSum += fixture.margin(isolated).initial
            }
        }
        let book = fixture.margin(portfolio).initial
        // Strictly less: each long leg offsets its short leg inside every scenario.
        #expect(book < isolatedSum, "seed \(seed): portfolio \(book) ≥ isolated \(isolatedSum)")
        try fixture.exchange.checkInvariants()
    }

    // The premium is ⌈size·price⌉, paid by the buyer to the seller; sizes balance.
    @Test func tradeMovesExactPremium() throws {
        var fixture = OptionsFixture()
        let put = fixture.list(.put, strike: 1_800)
        let buyer = fixture.account(.isolated, deposit: dollars(10_000))
        let writer = fixture.account(.portfolio(fixture.eth), deposit: dollars(10_000))
        let mark = fixture.exchange.series(put).mark
        #expect(mark > 0)
        let size: Int128 = 3 * wad + 1
        try fixture.run(
            .trade(series: put, buyer: buyer, seller: writer, size: size, price: mark),
            OptionsFixture.matcher)
        let premium = (size * (mark / wad) + (size * (mark % wad) + wad - 1) / wad)
        #expect(fixture.exchange.account(buyer).collateral == dollars(10_000) - premium)
        #expect(fixture.exchange.account(writer).collateral == dollars(10_000) + premium)
        #expect(fixture.exchange.series(put).openInterest == size)
        try fixture.exchange.checkInvariants()
    }

    // Liquidation: the book moves to the liquidator at the mark; the penalty is
    // ⌊20% × maintenance⌋ capped by what is left; a deficit is the insurance fund's, then
    // bad debt. Every figure checked to the wei.
    @Test func liquidationArithmeticIsExact() throws {
        var fixture = OptionsFixture()
        let put = fixture.list(.put, strike: 1_900)
        let buyer = fixture.account(.cross(fixture.eth), deposit: dollars(1_000_000))
        let writer = fixture.account(.portfolio(fixture.eth), deposit: dollars(0))
        let liquidator = fixture.account(.portfolio(fixture.eth), deposit: dollars(1_000_000))
        // Just enough for the initial margin of 10 puts after the premium.
        try fixture.run(.deposit(account: writer, amount: dollars(2_500)), OptionsFixture.matcher)
        try fixture.trade(put, buyer: buyer, seller: writer, units: 10)
        #expect(fixture.margin(writer).meetsInitial)
        #expect(throws: Revert("Options/not-liquidatable")) {
            let owner = fixture.exchange.account(liquidator).owner
            try fixture.run(.liquidate(account: writer, liquidator: liquidator), owner)
        }
        fixture.now = 3_600
        fixture.setSpot(1_600)
        let before = fixture.margin(writer)
        #expect(before.isLiquidatable)
        let collateral = fixture.exchange.account(writer).collateral
        let liquidatorCollateral = fixture.exchange.account(liquidator).collateral
        let mark = fixture.exchange.series(put).mark
        let value = -10 * mark  // ⌊−10·mark⌋, exact for a whole size
        let penaltyDue = before.maintenance * 200_000 / 1_000_000
        let left = collateral + value
        let penalty = min(penaltyDue, max(left, 0))
        let owner = fixture.exchange.account(liquidator).owner
        try fixture.run(.liquidate(account: writer, liquidator: liquidator), owner)
        #expect(fixture.exchange.account(writer).positions.isEmpty)
        #expect(fixture.exchange.account(liquidator).size(in: put) == -10 * wad)
        #expect(
            fixture.exchange.account(liquidator).collateral
                == liquidatorCollateral - value + penalty)
        let shortfall = max(0, -(left - penalty))
        #expect(fixture.exchange.account(writer).collateral == max(0, left - penalty))
        #expect(fixture.exchange.badDebt == shortfall)
        #expect(fixture.exchange.liquidationCount == 1)
        try fixture.exchange.checkInvariants()
    }

    // A deficit goes to the insurance fund first, then to bad debt.
    @Test func shortfallHitsFundThenBadDebt() throws {
        var fixture = OptionsFixture()
        let put = fixture.list(.put, strike: 2_000)
        let buyer = fixture.account(.cross(fixture.eth), deposit: dollars(1_000_000))
        let writer = fixture.account(.isolated, deposit: dollars(3_000))
        let liquidator = fixture.account(.portfolio(fixture.eth), deposit: dollars(1_000_000))
        try fixture.run(.fundInsurance(amount: dollars(100)), OptionsFixture.matcher)
        try fixture.trade(put, buyer: buyer, seller: writer, units: 10)
        fixture.now = 3_600
        fixture.setSpot(1_000)  // each put now worth about $1,000: far past the collateral
        let collateral = fixture.exchange.account(writer).collateral
        let mark = fixture.exchange.series(put).mark
        let value = -10 * mark
        let deficit = -(collateral + value)
        #expect(deficit > dollars(100))
        let owner = fixture.exchange.account(liquidator).owner
        try fixture.run(.liquidate(account: writer, liquidator: liquidator), owner)
        #expect(fixture.exchange.insuranceFund == 0)
        #expect(fixture.exchange.insurancePaid == dollars(100))
        #expect(fixture.exchange.badDebt == deficit - dollars(100))
        try fixture.exchange.checkInvariants()
    }

    // Settlement at the oracle's first price at or after expiry: longs get ⌊size·payoff⌋,
    // shorts pay ⌈size·payoff⌉, the remainder goes to the insurance fund.
    @Test func settlementIsExact() throws {
        var fixture = OptionsFixture()
        let call = fixture.list(.call, strike: 2_100, expiry: 86_400)
        let longs = fixture.account(.cross(fixture.eth), deposit: dollars(100_000))
        let shorts = fixture.account(.portfolio(fixture.eth), deposit: dollars(100_000))
        let size: Int128 = 7 * wad + 3
        try fixture.run(
            .trade(series: call, buyer: longs, seller: shorts, size: size, price: dollars(50)),
            OptionsFixture.matcher)
        #expect(throws: Revert("Options/not-expired")) {
            try fixture.run(.settle(series: call), Address(9))
        }
        let longBefore = fixture.exchange.account(longs).collateral
        let shortBefore = fixture.exchange.account(shorts).collateral
        fixture.now = 86_400
        let settlement: Int128 = dollars(2_345) + 123_456_789
        fixture.setSpotWad(settlement)
        #expect(fixture.exchange.series(call).settlementPrice == settlement)
        try fixture.run(.settle(series: call), Address(9))
        let payoff = settlement - dollars(2_100)
        // size = 7 + 3e-18 units: the whole part is exact, the 3 wei part rounds.
        let paid = 7 * payoff + 3 * payoff / wad
        let owed = 7 * payoff + (3 * payoff + wad - 1) / wad
        #expect(fixture.exchange.account(longs).collateral == longBefore + paid)
        #expect(fixture.exchange.account(shorts).collateral == shortBefore - owed)
        #expect(fixture.exchange.insuranceFund == owed - paid)
        #expect(owed - paid == 1)
        #expect(fixture.exchange.series(call).openInterest == 0)
        #expect(throws: Revert("Options/already-settled")) {
            try fixture.run(.settle(series: call), Address(9))
        }
        try fixture.exchange.checkInvariants()
    }

    // A reverted call leaves the exchange equal to what it was.
    @Test func revertsLeaveStateUnchanged() throws {
        var fixture = OptionsFixture()
        let put = fixture.list(.put, strike: 1_800)
        let buyer = fixture.account(.cross(fixture.eth), deposit: dollars(100_000))
        let writer = fixture.account(.isolated, deposit: dollars(5_000))
        try fixture.trade(put, buyer: buyer, seller: writer, units: 5)
        let before = fixture.exchange
        let owner = fixture.exchange.account(writer).owner
        let calls: [(OptionsExchange.Call, Address)] = [
            (.withdraw(account: writer, amount: dollars(4_999)), owner),
            (
                .trade(series: put, buyer: buyer, seller: writer, size: 1_000 * wad, price: 1),
                OptionsFixture.matcher
            ),
            (.liquidate(account: writer, liquidator: buyer), fixture.exchange.account(buyer).owner),
            (.updatePrice(underlying: fixture.eth, price: 0), OptionsFixture.oracle),
            (.settle(series: put), owner),
            (.deposit(account: OptionAccountID(99), amount: 1), owner),
        ]
        for (call, caller) in calls {
            #expect(throws: Revert.self) { try fixture.run(call, caller) }
            #expect(fixture.exchange == before, "\(call)")
        }
    }

    // Seeded random call sequences: after every call the books hold (conservation, sizes
    // balancing, no negative balance), and every revert leaves the exchange as it was.
    @Test(arguments: 0..<30 as Range<UInt64>)
    func randomCallsKeepBooks(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        var fixture = OptionsFixture()
        let series = [
            fixture.list(.put, strike: 1_800, expiry: 86_400),
            fixture.list(.put, strike: 1_600, expiry: 7 * 86_400),
            fixture.list(.call, strike: 2_200, expiry: 86_400),
        ]
        var accounts: [OptionAccountID] = []
        for number in 0..<6 {
            let mode: OptionMarginMode =
                [.isolated, .cross(fixture.eth), .portfolio(fixture.eth)][number % 3]
            accounts.append(
                fixture.account(mode, deposit: dollars(Int128(2_000 + random.next(below: 50_000)))))
        }
        func pick<T>(_ options: [T]) -> T {
            options[Int(random.next(below: UInt64(options.count)))]
        }
        for step in 0..<150 {
            fixture.now += 60 + random.next(below: 1_800)
            let before = fixture.exchange
            let buyer = pick(accounts)
            let seller = pick(accounts)
            let call: OptionsExchange.Call
            let caller: Address
            switch random.next(below: 6) {
            case 0:
                let spot = fixture.exchange.underlying(fixture.eth).spot
                let move = Int128(random.next(below: 300)) - 160  // −16% … +14%, per mille
                call = .updatePrice(
                    underlying: fixture.eth, price: max(wad, spot + spot * move / 1_000))
                caller = OptionsFixture.oracle
            case 1, 2:
                let id = pick(series)
                call = .trade(
                    series: id, buyer: buyer, seller: seller,
                    size: Int128(1 + random.next(below: 20)) * wad / 2,
                    price: fixture.exchange.series(id).mark)
                caller = OptionsFixture.matcher
            case 3:
                call = .liquidate(account: buyer, liquidator: seller)
                caller = fixture.exchange.account(seller).owner
            case 4:
                call = .withdraw(
                    account: buyer, amount: dollars(Int128(1 + random.next(below: 5_000))))
                caller = fixture.exchange.account(buyer).owner
            default:
                call = .settle(series: pick(series))
                caller = OptionsFixture.matcher
            }
            do {
                try fixture.run(call, caller)
            } catch {
                #expect(fixture.exchange == before, "seed \(seed) step \(step): \(call)")
            }
            do {
                try fixture.exchange.checkInvariants()
            } catch {
                Issue.record("seed \(seed) step \(step) after \(call): \(error)")
                return
            }
        }
    }

    // The skew prices a crash put above the flat surface at the same ATM volatility.
    @Test func skewRaisesDownsideMarks() {
        var skewed = OptionsFixture()
        var flat = OptionsFixture(surface: VolatilitySurface(shape: .flat(volatilityPpm: 800_000)))
        let skewedPut = skewed.list(.put, strike: 1_600)
        let flatPut = flat.list(.put, strike: 1_600)
        #expect(skewed.exchange.series(skewedPut).mark > flat.exchange.series(flatPut).mark)
    }
}
