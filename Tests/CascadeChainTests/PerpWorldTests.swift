import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// Keeps what the tests ask of every block: the perpetuals events with their block times,
/// and a race ledger fed as the run's output sink feeds it.
private final class PerpRecorder: ProtocolBlockObserver, PerpBlockObserver {
    var ledger = RaceLedger()
    var funded: [(timeMs: Int64, payment: PerpFundingPayment)] = []
    var liquidations: [PerpLiquidation] = []
    var reverted: [(sender: Address, reason: String)] = []
    var perpPrices: [Int128] = []

    func willObserve(perpMarketPrices prices: [Double]) {
        perpPrices = prices.map { Int128(($0 * 1e6).rounded()) }
    }

    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        prices: [CollateralBlockPrices]
    ) {
        for (transaction, receipt) in zip(block.transactions, block.receipts) {
            if case .reverted(let revert) = receipt.status {
                reverted.append((transaction.sender, revert.reason))
            }
        }
        for event in block.events {
            switch event {
            case .perp(_, .funded(let payment)):
                funded.append((block.input.time.milliseconds, payment))
            case .perp(_, .liquidated(let fill)):
                liquidations.append(fill)
            default:
                break
            }
        }
        ledger.record(block, state: state, marketPrices: [], perpMarketPrices: perpPrices)
    }
}

/// The size units of `notional` USDC at `price`, as genesis draws them.
private func size(_ notional: String, price: String) -> Int128 {
    guard let notional = Double(notional), let price = Double(price) else { return 0 }
    return Int128((notional / (price * 1e6) * 1e15).rounded(.down))
}

@Suite("Perpetuals world")
struct PerpWorldTests {
    /// 20 traders (half long, half short) against the market maker at a constant $14,500,
    /// funding every 10 minutes for 3 hours: 18 payments, one an interval, each due time
    /// met; then settling every account, what the longs paid equals what the shorts
    /// received plus less than one quantum per position (the dust the exchange keeps), and
    /// it was a positive amount.
    @Test("funding is paid every interval; longs pay what shorts receive, less dust")
    func fundingEveryInterval() throws {
        let perps = PerpWorldFixture.perps(
            traders: PerpTraderSettings(
                count: 20, longShare: 0.5, notionalMedian: 100_000, leverageMinimum: 2,
                leverageMaximum: 3),
            liquidators: [PerpWorldFixture.liquidator(0)],
            terms: PerpWorldFixture.terms(fundingInterval: 600))
        let recorder = PerpRecorder()
        let world = try ProtocolWorld(
            PerpWorldFixture.world(seed: 5, perps: perps, market: PerpWorldFixture.market()),
            observer: recorder)
        let outcome = try world.run(until: .hours(3) + .seconds(10))
        #expect(outcome != .stopped)
        // One payment per 10-minute interval, each in the first blocks after it fell due.
        #expect(recorder.funded.count == 18)
        for (number, entry) in recorder.funded.enumerated() {
            let due = Int64(number + 1) * 600_000
            #expect(entry.timeMs >= due && entry.timeMs < due + 5_000, "payment \(number)")
            #expect(entry.payment.intervalSeconds == 600)
        }
        // 100 ppm of interest per 8 h and no premium (the book sits at the index): longs pay.
        #expect(recorder.funded.allSatisfy { $0.payment.paymentPerUnit > 0 })
        var books = world.producer.chain.state.perpExchanges[0]
        var paid: Int128 = 0
        var received: Int128 = 0
        var positions = 0
        for raw in 1..<books.accountCount {
            let id = PerpAccountID(UInt32(raw))
            guard let position = books.account(id).positions.first else { continue }
            positions += 1
            let before = books.account(id).quoteBalance
            var events: [PerpExchange.Event] = []
            try books.apply(
                .settleFunding(account: id), caller: .zero,
                block: BlockContext(number: 0, timestamp: 3 * 3_600), events: &events)
            let change = books.account(id).quoteBalance - before
            if position.size > 0 { paid -= change } else { received += change }
        }
        let swept = recorder.funded.reduce(Int128(0)) { $0 + $1.payment.dustToInsurance }
        #expect(paid > 0 && received > 0)
        #expect(paid - received >= 0 && paid - received < Int128(positions))
        #expect(swept >= 0 && swept < Int128(positions * recorder.funded.count))
    }

    /// One named long of $1M on $100k (10×) against a market that falls 10% in a minute;
    /// two liquidators with the same fixed latencies see it at the same instants and send
    /// at the same instant. With a deep book and a wide fill bound (100% of MMF) one fill
    /// takes the whole position. The sequencer includes both in one block, first come first
    /// served: the first takes the position, the second reverts and pays its gas. The race
    /// ledger records one race with both attempts, the failed one, and the winner.
    @Test("two liquidators race for one position; the loser reverts")
    func twoLiquidatorRace() throws {
        let perps = PerpWorldFixture.perps(
            traders: PerpTraderSettings(count: 0),
            liquidators: [PerpWorldFixture.liquidator(0), PerpWorldFixture.liquidator(1)],
            named: [
                PerpNamedAccount(
                    name: "whale", market: 0, long: true, notional: 1_000_000, leverage: 10)
            ],
            venue: PerpWorldFixture.venue(depth: 50_000_000), backstop: nil,
            spreadToMaintenanceMarginRatioPpm: 1_000_000)
        let recorder = PerpRecorder()
        let world = try ProtocolWorld(
            PerpWorldFixture.world(
                seed: 9, perps: perps,
                market: PerpWorldFixture.market(change: -0.1, at: .minutes(1), over: .minutes(1))),
            observer: recorder)
        _ = try world.run(until: .minutes(5))
        let agents = try #require(world.perps)
        let whale = try #require(agents.genesis.traders.first)
        let fills = recorder.liquidations
        #expect(fills.count == 1 && fills.allSatisfy { $0.account == whale.account })
        #expect(fills.reduce(Int128(0)) { $0 + $1.size } == size("1000000", price: "14500"))
        #expect(
            world.producer.chain.state.perpExchanges[0].account(whale.account).positions.isEmpty)
        let winner = try #require(agents.liquidators.first { $0.statistics.liquidations > 0 })
        let loser = try #require(agents.liquidators.first { $0.statistics.liquidations == 0 })
        #expect(winner.statistics.liquidations == fills.count && winner.statistics.reverted == 0)
        #expect(loser.statistics.reverted == 1)
        #expect(
            recorder.reverted.filter { $0.sender == loser.settings.address }.count
                == loser.statistics.reverted)
        let races = recorder.ledger.races().filter { $0.protocolName == "perps" }
        #expect(races.count == 1)
        let race = try #require(races.first)
        #expect(race.position == "YFI-USD:\(whale.account)")
        #expect(race.attempts == fills.count + loser.statistics.reverted)
        #expect(race.failedAttempts == loser.statistics.reverted && race.keepers.count == 2)
        #expect(race.winner == winner.settings.address)
        #expect(race.outcome == .liquidated || race.outcome == .badDebt)
        #expect(race.liquidatableBlock != nil && race.liquidatedBlock != nil)
    }

    /// A 30% fall over half an hour through a 200-trader book, with the books checked
    /// after every block: liquidations happen, the liquidators' index is only ever asked
    /// once a block and tests a bounded number of accounts with the contract's rule, and
    /// the same seed gives the same run.
    @Test("a crash world keeps its books, never scans, and reruns identically")
    func crashWorld() throws {
        func build() throws -> ProtocolWorld {
            let perps = PerpWorldFixture.perps(
                traders: PerpTraderSettings(
                    count: 200, longShare: 0.8, notionalMedian: 50_000, leverageMinimum: 4,
                    leverageMaximum: 8, actionsPerDay: 24),
                liquidators: [PerpWorldFixture.liquidator(0), PerpWorldFixture.liquidator(1)])
            return try ProtocolWorld(
                PerpWorldFixture.world(
                    seed: 3, perps: perps,
                    market: PerpWorldFixture.market(
                        change: -0.3, at: .minutes(5), over: .minutes(30))))
        }
        let world = try build()
        let outcome = try world.run(until: .minutes(50))
        #expect(
            outcome != .stopped, "\(String(describing: world.producer.core.invariantViolation))")
        let agents = try #require(world.perps)
        let liquidations = agents.liquidators.reduce(0) { $0 + $1.statistics.liquidations }
        #expect(liquidations > 0)
        let blocks = world.producer.core.blocksProduced
        for liquidator in agents.liquidators {
            #expect(liquidator.indexQueries <= blocks)
            // Candidates tested with the contract's rule: far fewer than a scan of every
            // account at every block would test.
            #expect(liquidator.indexCandidates * 20 < blocks * agents.genesis.traders.count)
        }
        let again = try build()
        _ = try again.run(until: .minutes(50))
        #expect(again.kernel.digest == world.kernel.digest)
    }

    /// Three markets with maximum leverage 10×, 5× and 3×; 60 traders, 80% cross, each
    /// cross account in all three markets, asking for up to 50× leverage. Every trader
    /// opens: a cross account holds the three markets, the same side in each, the notional
    /// split equally; an isolated one holds its round-robin market; and each is capped at
    /// its markets' leverage, so it starts just above its initial margin, not refused.
    @Test("cross accounts hold several markets, capped at the leverage their markets allow")
    func crossAccountsInSeveralMarkets() throws {
        let names = ["AAA", "BBB", "CCC"]
        let margins: [Int128] = [100_000, 200_000, 333_334]
        let markets = zip(names, margins).map { name, initial in
            PerpMarketSettings(
                terms: PerpMarketTerms(
                    name: "\(name)-USD", initialMarginPpm: initial,
                    maintenanceMarginPpm: initial / 2, openInterestCap: Int128(1) << 90,
                    liquidationPenaltyPpm: 0, funding: PerpFundingTerms(intervalSeconds: 3_600)),
                asset: name, venue: PerpWorldFixture.venue())
        }
        let market = MarketConfiguration(
            assets: zip(names, [100.0, 10, 1]).map {
                MarketAsset(name: $0, model: .constant(price: $1))
            },
            resolution: .seconds(1), horizon: .minutes(5))
        let perps = PerpWorldSettings(
            markets: markets,
            traders: PerpTraderSettings(
                count: 60, longShare: 0.7, notionalMedian: 20_000, leverageMinimum: 2,
                leverageMaximum: 50, crossShare: 0.8, marketsPerAccount: 3),
            marketMakerCapital: 100_000_000 * 1_000_000,
            liquidators: [PerpWorldFixture.liquidator(0)])
        let world = try ProtocolWorld(
            PerpWorldFixture.world(seed: 11, perps: perps, market: market))
        let genesis = try #require(world.perps).genesis
        #expect(genesis.skippedTraders == 0 && genesis.traders.count == 60)
        let books = world.producer.chain.state.perpExchanges[genesis.exchange]
        var cross = 0
        for trader in genesis.traders {
            let account = books.account(trader.account)
            let positions = account.positions
            #expect(positions.map(\.market) == trader.markets.sorted())
            #expect(trader.market == trader.markets.first)
            if case .isolated(let only) = account.mode {
                #expect(trader.markets == [only])
            } else {
                cross += 1
                #expect(Set(trader.markets).count == 3)
                // One side in every market.
                #expect(Set(positions.map { $0.size > 0 }).count == 1)
            }
            let risk = try books.risk(of: trader.account)
            #expect(risk.equity >= risk.initialMargin, "account \(trader.account)")
        }
        #expect(cross > 30 && cross < 60)
        // Asking up to 50×, most accounts sit at their cap: equity within 0.1% of the
        // initial margin.
        let capped = try genesis.traders.filter { trader in
            let risk = try books.risk(of: trader.account)
            return risk.equity * 1_000 <= risk.initialMargin * 1_001
        }
        #expect(capped.count > 40)
    }
}
