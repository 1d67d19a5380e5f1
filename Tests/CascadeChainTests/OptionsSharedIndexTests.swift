import CascadeAgents
import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// `OptionsSharedIndex` against the naive scan: after every block with an options event, its
/// answer is exactly `OptionsExchange.liquidatableAccounts(now:)` — every account the
/// contract would let a liquidator take, in id order — over seeded random blocks of trades,
/// price posts, liquidations and settlements.
@Suite("Options shared index")
struct OptionsSharedIndexTests {
    static let oracle = Address(9_101)
    static let matcher = Address(9_102)
    static let custody = Address(9_103)
    static let wad = OptionsMath.wadInteger

    @Test(arguments: 0..<10 as Range<UInt64>)
    func matchesNaiveScan(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        let sample = ProtocolSample(vaults: 2, auctions: 0)
        var state = sample.state
        let start = sample.now
        let usdc = state.ledger.addToken(symbol: "USDC")
        var exchange = OptionsExchange(
            configuration: .init(oracle: Self.oracle, matcher: Self.matcher))
        let eth = exchange.addUnderlying(
            OptionUnderlying(
                name: "ETH",
                surface: VolatilitySurface(
                    shape: .skewed(
                        atm: [.init(seconds: 86_400, volatilityPpm: 800_000)],
                        skewPpm: -150_000, curvaturePpm: 50_000)),
                ratePpm: 50_000, dividendYieldPpm: 0))
        var series: [OptionSeriesID] = []
        for (kind, strike, days) in [
            (OptionKind.put, 1_800, 1), (.put, 1_600, 7), (.call, 2_200, 1), (.call, 2_400, 7),
        ] {
            series.append(
                exchange.addSeries(
                    OptionSeries(
                        underlying: eth, kind: kind, strike: Int128(strike) * Self.wad,
                        expiry: start + UInt64(days) * 86_400)))
        }
        let index = state.addOptionsExchange(
            exchange, wiring: PerpWiring(quote: usdc, custody: Self.custody))
        var now = start
        var spot = 2_000 * Self.wad
        func apply(
            _ call: OptionsExchange.Call, _ caller: Address, _ events: inout [ProtocolState.Event]
        ) {
            try? state.apply(
                .options(exchange: index, call), caller: caller,
                block: BlockContext(number: 0, timestamp: now), events: &events)
        }
        var setup: [ProtocolState.Event] = []
        apply(.updatePrice(underlying: eth, price: spot), Self.oracle, &setup)
        var accounts: [OptionAccountID] = []
        for number in 0..<12 {
            let owner = Address(UInt32(9_200 + number))
            let mode: OptionMarginMode = [.isolated, .cross(eth), .portfolio(eth)][number % 3]
            apply(.openAccount(mode: mode), owner, &setup)
            let id = OptionAccountID(number)
            let deposit = Int128(1_000 + random.next(below: 8_000)) * Self.wad
            state.ledger.mint(usdc, to: owner, amount: UInt128(deposit))
            apply(.deposit(account: id, amount: deposit), owner, &setup)
            accounts.append(id)
        }
        let shared = OptionsSharedIndex(exchange: index, state: state.optionsExchanges[index])
        var found = 0
        for block in 1...200 as ClosedRange<UInt64> {
            now += 30 + random.next(below: 3_000)
            var events: [ProtocolState.Event] = []
            // Every block posts a price, so every block has an options event to index.
            let move = Int128(random.next(below: 200)) - 110  // −11% … +9%, per mille
            spot = max(100 * Self.wad, spot + spot / 1_000 * move)
            apply(.updatePrice(underlying: eth, price: spot), Self.oracle, &events)
            for _ in 0..<Int(random.next(below: 4)) {
                let buyer = accounts[Int(random.next(below: 12))]
                let seller = accounts[Int(random.next(below: 12))]
                let id = series[Int(random.next(below: 4))]
                switch random.next(below: 4) {
                case 0, 1:
                    apply(
                        .trade(
                            series: id, buyer: buyer, seller: seller,
                            size: Int128(1 + random.next(below: 10)) * Self.wad,
                            price: state.optionsExchanges[index].series(id).mark), Self.matcher,
                        &events)
                case 2:
                    apply(
                        .liquidate(account: buyer, liquidator: seller),
                        state.optionsExchanges[index].account(seller).owner, &events)
                default:
                    apply(.settle(series: id), Self.matcher, &events)
                }
            }
            shared.record(block, timestamp: now, events: events, state: state)
            let naive = state.optionsExchanges[index].liquidatableAccounts(now: now)
            found += naive.count
            #expect(
                shared.liquidatableAccounts(at: block) == naive,
                "seed \(seed) block \(block)")
        }
        // The walk must reach under-margined accounts, or the comparison proves little.
        #expect(found > 0, "seed \(seed): no account ever liquidatable")
    }
}
