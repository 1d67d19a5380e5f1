import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// An options exchange wired into `ProtocolState`: deposits and withdrawals move the
/// stablecoin through custody, and a bundle that reverts leaves the whole state equal to
/// what it was (the journal saves the exchange and the balances it may move).
@Suite("Protocol state: options")
struct ProtocolOptionsTests {
    static let alice = Address(9_001)
    static let oracle = Address(9_002)
    static let matcher = Address(9_003)
    static let custody = Address(9_004)
    static let wad = OptionsMath.wadInteger

    struct World {
        var state: ProtocolState
        let usdc: TokenID
        let options: Int
        var events: [ProtocolState.Event] = []
        var now: UInt64

        init() {
            let sample = ProtocolSample(vaults: 2, auctions: 0)
            state = sample.state
            now = sample.now
            usdc = state.ledger.addToken(symbol: "USDC")
            var exchange = OptionsExchange(
                configuration: .init(oracle: oracle, matcher: matcher))
            let eth = exchange.addUnderlying(
                OptionUnderlying(
                    name: "ETH", surface: VolatilitySurface(shape: .flat(volatilityPpm: 700_000)),
                    ratePpm: 0, dividendYieldPpm: 0))
            _ = exchange.addSeries(
                OptionSeries(
                    underlying: eth, kind: .put, strike: 1_800 * wad, expiry: now + 86_400))
            options = state.addOptionsExchange(
                exchange, wiring: PerpWiring(quote: usdc, custody: custody))
            state.ledger.mint(usdc, to: alice, amount: UInt128(100_000 * wad))
        }

        var block: BlockContext { BlockContext(number: now / 12, timestamp: now) }

        mutating func run(_ calls: [ProtocolState.Call], as caller: Address) -> Revert? {
            runTransaction(calls, on: &state, caller: caller, block: block, events: &events)
        }
    }

    @Test("a deposit and a withdrawal move the stablecoin through custody")
    func depositAndWithdraw() throws {
        var world = World()
        let open = ProtocolState.Call.options(
            exchange: world.options, .openAccount(mode: .isolated))
        #expect(world.run([open], as: Self.alice) == nil)
        let account = OptionAccountID(0)
        let deposit = ProtocolState.Call.options(
            exchange: world.options, .deposit(account: account, amount: 5_000 * Self.wad))
        #expect(world.run([deposit], as: Self.alice) == nil)
        #expect(
            world.state.ledger.balance(of: world.usdc, Self.custody) == UInt128(5_000 * Self.wad))
        let withdraw = ProtocolState.Call.options(
            exchange: world.options, .withdraw(account: account, amount: 2_000 * Self.wad))
        #expect(world.run([withdraw], as: Self.alice) == nil)
        #expect(
            world.state.ledger.balance(of: world.usdc, Self.custody) == UInt128(3_000 * Self.wad))
        #expect(
            world.state.ledger.balance(of: world.usdc, Self.alice) == UInt128(97_000 * Self.wad))
        try world.state.checkInvariants()
    }

    @Test("a bundle that reverts undoes its options calls exactly")
    func bundleRollsBack() throws {
        var world = World()
        _ = world.run(
            [.options(exchange: world.options, .openAccount(mode: .isolated))], as: Self.alice)
        let before = world.state
        let revert = world.run(
            [
                .options(exchange: world.options, .openAccount(mode: .isolated)),
                .options(
                    exchange: world.options,
                    .deposit(account: OptionAccountID(0), amount: 10_000 * Self.wad)),
                .options(exchange: world.options, .fundInsurance(amount: 1_000 * Self.wad)),
                // More than the account holds (custody holds it, with the fund): the bundle reverts.
                .options(
                    exchange: world.options,
                    .withdraw(account: OptionAccountID(0), amount: 10_500 * Self.wad)),
            ], as: Self.alice)
        #expect(revert == Revert("Options/insufficient-collateral"))
        #expect(world.state == before)
        try world.state.checkInvariants()
    }
}
