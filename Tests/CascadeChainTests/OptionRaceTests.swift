import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import CascadeTestSupport
import Testing

/// A small options exchange fed to a race ledger block by block, as the run feeds it: an
/// ETH put series (strike $1,800, 7 days) and a 1-day put (strike $1,900) at a spot of
/// $2,000; a writer who sold 10 of the 7-day puts in a
/// portfolio account holding just over its initial margin; a deep-pocketed buyer; two
/// liquidators. Blocks are real transactions through `BlockBuilder.execute`; the market
/// spot is given per block, the oracle posts only when a block says so.
private struct OptionRaceFixture {
    static let oracle = Address(9_101)
    static let matcher = Address(9_102)
    static let custody = Address(9_103)
    static let buyerOwner = Address(9_201)
    static let writerOwner = Address(9_202)
    static let keeper1 = Address(9_301)
    static let keeper2 = Address(9_302)
    static let wad = OptionsMath.wadInteger
    static let baseFee: Wei = 1_000_000_000

    let sample: ProtocolSample
    var state: ProtocolState
    var ledger = RaceLedger()
    let exchange: Int
    let put: OptionSeriesID
    let shortPut: OptionSeriesID
    let buyer: OptionAccountID
    let usdc: TokenID
    let writer: OptionAccountID
    let liquidators: [OptionAccountID]
    let start: UInt64
    var number: UInt64 = 0
    var nonces: [Address: UInt64] = [:]
    var arrival: UInt64 = 0
    /// Every `option_liquidation` seen, in order, with its block.
    var liquidations: [OptionLiquidation] = []
    var liquidationBlocks: [UInt64] = []

    /// `insuranceFund` in dollars; the writer keeps `buffer` dollars above initial margin.
    init(insuranceFund: Int128 = 0, buffer: Int128 = 10) {
        let sample = ProtocolSample(vaults: 0, auctions: 0)
        self.sample = sample
        var state = sample.state
        start = sample.now
        let usdc = state.ledger.addToken(symbol: "USDC")
        self.usdc = usdc
        var books = OptionsExchange(
            configuration: .init(oracle: Self.oracle, matcher: Self.matcher))
        let eth = books.addUnderlying(
            OptionUnderlying(
                name: "ETH",
                surface: VolatilitySurface(
                    shape: .skewed(
                        atm: [.init(seconds: 86_400, volatilityPpm: 800_000)],
                        skewPpm: -150_000, curvaturePpm: 50_000)),
                ratePpm: 50_000, dividendYieldPpm: 0))
        put = books.addSeries(
            OptionSeries(
                underlying: eth, kind: .put, strike: 1_800 * Self.wad,
                expiry: sample.now + 7 * 86_400))
        shortPut = books.addSeries(
            OptionSeries(
                underlying: eth, kind: .put, strike: 1_900 * Self.wad,
                expiry: sample.now + 86_400))
        exchange = state.addOptionsExchange(
            books, wiring: PerpWiring(quote: usdc, custody: Self.custody))
        let index = exchange
        let now = sample.now
        func apply(_ call: OptionsExchange.Call, _ caller: Address) {
            var events: [ProtocolState.Event] = []
            do {
                try state.apply(
                    .options(exchange: index, call), caller: caller,
                    block: BlockContext(number: 0, timestamp: now), events: &events)
            } catch {
                preconditionFailure("fixture \(call): \(error)")
            }
        }
        func open(_ owner: Address, _ mode: OptionMarginMode, dollars: Int128) -> OptionAccountID {
            apply(.openAccount(mode: mode), owner)
            let id = OptionAccountID(state.optionsExchanges[index].accountCount - 1)
            state.ledger.mint(usdc, to: owner, amount: UInt128(dollars * Self.wad))
            apply(.deposit(account: id, amount: dollars * Self.wad), owner)
            return id
        }
        apply(.updatePrice(underlying: eth, price: 2_000 * Self.wad), Self.oracle)
        if insuranceFund > 0 {
            state.ledger.mint(
                usdc, to: ProtocolSample.governance, amount: UInt128(insuranceFund * Self.wad))
            apply(.fundInsurance(amount: insuranceFund * Self.wad), ProtocolSample.governance)
        }
        buyer = open(Self.buyerOwner, .cross(eth), dollars: 10_000_000)
        writer = open(Self.writerOwner, .portfolio(eth), dollars: 5_000)
        liquidators = [Self.keeper1, Self.keeper2].map {
            open($0, .portfolio(eth), dollars: 10_000_000)
        }
        let mark = state.optionsExchanges[index].series(put).mark
        apply(
            .trade(series: put, buyer: buyer, seller: writer, size: 10 * Self.wad, price: mark),
            Self.matcher)
        // Down to initial margin plus the buffer.
        let margin = state.optionsExchanges[index].margin(of: writer, now: now)
        let excess = margin.equity - margin.initial - buffer * Self.wad
        if excess > 0 { apply(.withdraw(account: writer, amount: excess), Self.writerOwner) }
        for address in [Self.oracle, Self.keeper1, Self.keeper2] {
            state.ledger.mint(sample.eth, to: address, amount: 1_000 * 1_000_000_000_000_000_000)
        }
        self.state = state
    }

    var books: OptionsExchange { state.optionsExchanges[exchange] }

    /// Opens another portfolio writer with `dollars`, selling `size` units of `series` at the
    /// mark, then withdrawing down to initial margin plus `buffer` dollars. Returns nil when
    /// the exchange refuses the trade.
    mutating func addWriter(
        _ owner: Address, dollars: Int128, series: OptionSeriesID, size: Int128, buffer: Int128
    ) -> OptionAccountID? {
        let block = BlockContext(number: 0, timestamp: start)
        let index = exchange
        var events: [ProtocolState.Event] = []
        func apply(_ call: OptionsExchange.Call, _ caller: Address) -> Bool {
            (try? state.apply(
                .options(exchange: index, call), caller: caller, block: block, events: &events))
                != nil
        }
        guard apply(.openAccount(mode: .portfolio(OptionUnderlyingID(rawValue: 0))), owner)
        else { return nil }
        let id = OptionAccountID(books.accountCount - 1)
        state.ledger.mint(self.usdc, to: owner, amount: UInt128(dollars * Self.wad))
        guard apply(.deposit(account: id, amount: dollars * Self.wad), owner),
            apply(
                .trade(
                    series: series, buyer: buyer, seller: id, size: size,
                    price: books.series(series).mark), Self.matcher)
        else { return nil }
        let margin = books.margin(of: id, now: start)
        let excess = margin.equity - margin.initial - buffer * Self.wad
        if excess > 0 { _ = apply(.withdraw(account: id, amount: excess), owner) }
        return id
    }

    func post(_ dollars: Int128) -> ProtocolState.Call {
        .options(
            exchange: exchange,
            .updatePrice(underlying: OptionUnderlyingID(rawValue: 0), price: dollars * Self.wad))
    }

    func liquidate(by keeper: Int) -> ProtocolState.Call {
        .options(exchange: exchange, .liquidate(account: writer, liquidator: liquidators[keeper]))
    }

    /// Builds, executes and records a block `seconds` after the start with the market at
    /// `market` dollars; `sends` are (sender, call) in block order.
    @discardableResult
    mutating func block(
        at seconds: UInt64, market: Int128, _ sends: [(Address, ProtocolState.Call)] = []
    ) -> [RaceLedger.Note] {
        number += 1
        let input = BlockInput(
            number: number, time: SimTime(milliseconds: Int64(start + seconds) * 1_000),
            gasLimit: 30_000_000, baseFee: Self.baseFee, producer: Address(99),
            market: .eip1559, nativeToken: sample.eth)
        var result = BlockResult<ProtocolState.Call, ProtocolState.Event>(input: input)
        for (sender, call) in sends {
            let nonce = nonces[sender] ?? 0
            nonces[sender] = nonce + 1
            arrival += 1
            let bid = GasBid.eip1559(maxFee: 100_000_000_000, priorityFee: 1_000_000_000)
            let transaction = Transaction(
                sender: sender, nonce: nonce, gasLimit: 1_000_000, bid: bid, calls: [call],
                arrival: arrival)
            let receipt = BlockBuilder.execute(
                transaction, tip: bid.effectiveTip(baseFee: Self.baseFee) ?? 0,
                index: result.receipts.count, input: input, state: &state,
                events: &result.events)
            result.transactions.append(transaction)
            result.receipts.append(receipt)
            if !receipt.status.isSuccess { result.revertedCount += 1 }
        }
        for event in result.events {
            if case .options(_, .liquidated(let liquidation)) = event {
                liquidations.append(liquidation)
                liquidationBlocks.append(number)
            }
        }
        ledger.record(
            result, state: state, marketPrices: [],
            options: OptionsRaceInput(marketSpots: [market * Self.wad]))
        return ledger.options.notes
    }

    var races: [Race] { ledger.races().filter { $0.protocolName == "options" } }
}

@Suite("Options races")
struct OptionRaceTests {
    /// The market falls to $1,600 at block 2 while the oracle still says $2,000: the
    /// writer's book is below maintenance at the market (its margin with the exchange's own
    /// functions at the market spot), not on chain, so the race opens `unsafe` only, and an
    /// early liquidation reverts (`Options/not-liquidatable`) — an attempt with its fee. The
    /// oracle posts $1,600 at block 3 (`liquidatable`), keeper 2 liquidates at block 4: the
    /// race ends `liquidated` with delay 2 blocks and an oracle lag of block 3 − block 2.
    @Test("opens unsafe at the market before the chain sees it, then liquidated")
    func unsafeAtMarketThenLiquidated() throws {
        var fixture = OptionRaceFixture(insuranceFund: 1_000_000)
        fixture.block(at: 2, market: 2_000)
        #expect(fixture.races.isEmpty)
        let opened = fixture.block(
            at: 4, market: 1_600, [(OptionRaceFixture.keeper1, fixture.liquidate(by: 0))])
        #expect(opened.map(\.kind) == [.open, .unsafe])
        var race = try #require(fixture.races.first)
        #expect(race.position == "ETH:\(fixture.writer.rawValue)")
        #expect(race.unsafeBlock == 2 && race.liquidatableBlock == nil)
        // The attempt came before the race opened at the block's end: a stray.
        #expect(race.attempts == 0)
        #expect(fixture.ledger.totals.failedTransactions == 1)
        fixture.block(at: 6, market: 1_600, [(OptionRaceFixture.oracle, fixture.post(1_600))])
        race = try #require(fixture.races.first)
        #expect(race.liquidatableBlock == 3 && race.outcome == .open)
        fixture.block(
            at: 8, market: 1_600,
            [
                (OptionRaceFixture.keeper1, fixture.liquidate(by: 0)),
                (OptionRaceFixture.keeper2, fixture.liquidate(by: 1)),
            ])
        race = try #require(fixture.races.first)
        #expect(fixture.races.count == 1)
        #expect(race.outcome == .liquidated && race.liquidatedBlock == 4)
        #expect(race.attempts == 2 && race.failedAttempts == 1 && race.keepers.count == 2)
        #expect(race.winner == OptionRaceFixture.keeper1)
        #expect(race.failedFees > 0)
        #expect(race.delayBlocks == 2 && race.delayMs == 4_000 && race.oracleLagMs == 2_000)
        let liquidation = try #require(fixture.liquidations.first)
        #expect(fixture.liquidations.count == 1 && liquidation.badDebt == 0)
        // debt = the liability taken over; proceeds = what the collateral paid of it.
        let ray = UInt256.ray
        let liability = UInt256(UInt128(-liquidation.value))
        #expect(race.debt == liability * ray)
        #expect(
            race.proceeds
                == (liability - UInt256(UInt128(liquidation.insuranceCover))) * ray)
        #expect(race.shortfall == .zero)
    }

    /// A crash the oracle posts at once ($2,000 → $900): the book's liability is far beyond
    /// the writer's collateral and the fund is empty, so the liquidation books bad debt. The
    /// race ends `bad_debt` and its shortfall is exactly the event's bad debt (to the wei:
    /// WAD × 10^27), which is also the exchange's `badDebt`.
    @Test("bad debt: the shortfall is the liquidation's bad debt, exactly")
    func badDebtExact() throws {
        var fixture = OptionRaceFixture(insuranceFund: 0)
        fixture.block(at: 2, market: 2_000)
        fixture.block(at: 4, market: 900, [(OptionRaceFixture.oracle, fixture.post(900))])
        var race = try #require(fixture.races.first)
        #expect(race.unsafeBlock == 2 && race.liquidatableBlock == 2)
        #expect(race.oracleLagMs == 0)
        fixture.block(at: 6, market: 900, [(OptionRaceFixture.keeper2, fixture.liquidate(by: 1))])
        race = try #require(fixture.races.first)
        let liquidation = try #require(fixture.liquidations.first)
        #expect(liquidation.badDebt > 0 && liquidation.insuranceCover == 0)
        #expect(race.outcome == .badDebt && race.liquidatedBlock == 3)
        #expect(race.shortfall == UInt256(UInt128(liquidation.badDebt)) * .ray)
        #expect(fixture.books.badDebt == liquidation.badDebt)
        // debt = proceeds + insurance cover + shortfall, exactly.
        #expect(race.debt == race.proceeds + (race.shortfall ?? .zero))
        #expect(race.winner == OptionRaceFixture.keeper2)
    }

    /// The market dips to $1,600 for two blocks and comes back to $2,000 before the oracle
    /// ever posts the dip: the race opened at the market ends `recovered`, never liquidatable
    /// on chain, shortfall 0, no delay.
    @Test("recovered: safe again at the market and on chain, no liquidation")
    func recovered() throws {
        var fixture = OptionRaceFixture()
        fixture.block(at: 2, market: 1_600)
        fixture.block(at: 4, market: 1_600)
        #expect(fixture.races.first?.outcome == .open)
        let notes = fixture.block(at: 6, market: 2_000)
        #expect(notes.map(\.kind) == [.settle] && notes.first?.outcome == .recovered)
        let race = try #require(fixture.races.first)
        #expect(fixture.races.count == 1)
        #expect(race.outcome == .recovered && race.unsafeBlock == 1)
        #expect(race.liquidatableBlock == nil && race.liquidatedBlock == nil)
        #expect(race.shortfall == .zero && race.delayBlocks == nil && race.oracleLagMs == nil)
        #expect(race.debt > .zero)
    }

    /// Unsafe at the market and on chain, nobody liquidates: `open` at the end, shortfall
    /// empty, debt the liability at the marks of the latest block.
    @Test("open: still unsafe when the run ends")
    func openAtTheEnd() throws {
        var fixture = OptionRaceFixture()
        fixture.block(at: 2, market: 1_500, [(OptionRaceFixture.oracle, fixture.post(1_500))])
        fixture.block(at: 4, market: 1_500)
        let race = try #require(fixture.races.first)
        #expect(race.outcome == .open && race.shortfall == nil)
        #expect(race.unsafeBlock == 1 && race.liquidatableBlock == 1)
        let value = fixture.books.markedValue(
            of: fixture.books.account(fixture.writer).positions[0])
        #expect(race.debt == UInt256(UInt128(-value)) * .ray)
    }

    /// Without a market price (a non-positive spot), nothing is unsafe "at the market": the
    /// race opens when the exchange itself would liquidate, with no `unsafe_block`.
    @Test("no market price: races open on chain only")
    func noMarketPrice() throws {
        var fixture = OptionRaceFixture()
        fixture.block(at: 2, market: 0)
        #expect(fixture.races.isEmpty)
        fixture.block(at: 4, market: 0, [(OptionRaceFixture.oracle, fixture.post(1_500))])
        let race = try #require(fixture.races.first)
        #expect(race.unsafeBlock == nil && race.liquidatableBlock == 2)
        #expect(race.oracleLagMs == nil)
    }

    /// A quiet block (same market spot, no exchange event) reuses the market answer; a moved
    /// spot or an event recomputes it: one risk table per such block, never more.
    @Test("the market view is recomputed only when the spot moved or the exchange changed")
    func marketViewOnlyWhenNeeded() {
        var fixture = OptionRaceFixture()
        fixture.block(at: 2, market: 2_000)
        fixture.block(at: 4, market: 2_000)
        fixture.block(at: 6, market: 2_000)
        #expect(fixture.ledger.options.marketTables == 1)
        fixture.block(at: 8, market: 1_990)
        #expect(fixture.ledger.options.marketTables == 2)
        fixture.block(at: 10, market: 1_990, [(OptionRaceFixture.oracle, fixture.post(1_990))])
        #expect(fixture.ledger.options.marketTables == 3)
    }

    /// Seeded random walks: nine writers of both puts with random capital and buffers, the
    /// market moving every block (−8% … +7%), the oracle posting a third of the time,
    /// keepers sending liquidations at random writers, the 1-day series settled once expired
    /// (blocks up to two hours apart). Every `option_liquidation` belongs to exactly one race
    /// of its account, liquidated in that block; no race counts a liquidation that did not
    /// happen; an account has at most one race open; ids are distinct; and the shortfalls of
    /// the `bad_debt` races add up to the exchange's bad debt, exactly (a settlement that
    /// books bad debt on an account no race watched opens one).
    @Test(arguments: 0..<16 as Range<UInt64>)
    func everyLiquidationBelongsToOneRace(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        var fixture = OptionRaceFixture(
            insuranceFund: Int128(random.next(below: 3)) * 1_500,
            buffer: Int128(random.next(below: 200)))
        var writers = [fixture.writer]
        for number in 0..<8 {
            let series = number % 2 == 0 ? fixture.put : fixture.shortPut
            let added = fixture.addWriter(
                Address(UInt32(9_400 + number)),
                dollars: 2_000 + Int128(random.next(below: 20_000)),
                series: series, size: Int128(1 + random.next(below: 20)) * OptionRaceFixture.wad,
                buffer: Int128(random.next(below: 500)))
            if let added { writers.append(added) }
        }
        var spot: Int128 = 2_000
        var seconds: UInt64 = 0
        let keepers = [OptionRaceFixture.keeper1, OptionRaceFixture.keeper2]
        for _ in 0..<90 {
            seconds += 60 + random.next(below: 7_200)
            let move = Int128(random.next(below: 151)) - 80  // per mille
            spot = min(4_000, max(500, spot + spot * move / 1_000))
            var sends: [(Address, ProtocolState.Call)] = []
            if random.next(below: 3) == 0 {
                sends.append((OptionRaceFixture.oracle, fixture.post(spot)))
            }
            for _ in 0..<Int(random.next(below: 3)) {
                let keeper = Int(random.next(below: 2))
                let target = writers[Int(random.next(below: UInt64(writers.count)))]
                sends.append(
                    (
                        keepers[keeper],
                        .options(
                            exchange: fixture.exchange,
                            .liquidate(account: target, liquidator: fixture.liquidators[keeper]))
                    ))
            }
            if random.next(below: 6) == 0 {
                sends.append(
                    (
                        keepers[0],
                        .options(exchange: fixture.exchange, .settle(series: fixture.shortPut))
                    ))
            }
            fixture.block(at: seconds, market: spot, sends)
        }
        let races = fixture.races
        for (liquidation, block) in zip(fixture.liquidations, fixture.liquidationBlocks) {
            let owner = Address(liquidation.account.rawValue)
            let matching = races.filter { $0.vault.owner == owner && $0.liquidatedBlock == block }
            #expect(matching.count == 1, "seed \(seed): liquidation of \(owner) at \(block)")
        }
        #expect(
            races.filter { $0.liquidatedBlock != nil }.count == fixture.liquidations.count,
            "seed \(seed)")
        #expect(Set(races.map(\.position)).count == races.count, "seed \(seed)")
        let open = races.filter { $0.outcome == .open }.map(\.vault.owner)
        #expect(Set(open).count == open.count, "seed \(seed)")
        let shortfall = races.filter { $0.outcome == .badDebt }
            .reduce(UInt256.zero) { $0 + ($1.shortfall ?? .zero) }
        #expect(shortfall == UInt256(UInt128(fixture.books.badDebt)) * .ray, "seed \(seed)")
        #expect(!races.isEmpty, "seed \(seed): the walk opened no race")
    }
}
