import CascadeCore
import CascadeKernel

@testable import CascadeChain

/// A small chain of `Token` state for the builder tests: ETH (native) and USD.
struct ChainFixture {
    static let producer = Address(1)
    static let minter = Address(2)
    static let firstAgent: UInt32 = 10

    let eth: TokenID
    let usd: TokenID
    var chain: Chain<Token>
    var result: BlockResult<Token.Call, Token.Event>

    init(
        market: FeeMarket, agents: Int, ethEach: UInt128 = .weiPerEther,
        usdEach: UInt128 = 1_000, gasLimit: Gas = 10_000_000,
        production: BlockProduction = .sequencer(interval: .seconds(12))
    ) {
        var ledger = TokenLedger()
        eth = ledger.addToken(symbol: "ETH")
        usd = ledger.addToken(symbol: "USD")
        for index in 0..<UInt32(agents) {
            ledger.mint(eth, to: Address(Self.firstAgent + index), amount: ethEach)
            ledger.mint(usd, to: Address(Self.firstAgent + index), amount: usdEach)
        }
        let configuration = ChainConfiguration(
            market: market, production: production,
            gasLimits: GasLimitSchedule(initial: gasLimit, adjustment: .immediate),
            nativeToken: eth)
        chain = Chain(
            configuration: configuration,
            state: Token(
                ledger: ledger,
                minter: Self.minter))
        result = BlockResult(input: chain.nextBlockInput(at: .zero, producer: Self.producer))
    }

    static func agent(_ index: Int) -> Address {
        Address(firstAgent + UInt32(index))
    }

    @discardableResult
    mutating func submit(
        _ agent: Int, nonce: UInt64? = nil, bid: GasBid, calls: [Token.Call]? = nil,
        gasLimit: Gas = 100_000
    ) -> Mempool<Token.Call>.Outcome {
        let sender = Self.agent(agent)
        return chain.submit(
            sender: sender, nonce: nonce ?? chain.pool.pendingNonce(of: sender),
            gasLimit: gasLimit, bid: bid,
            calls: calls ?? [.transfer(usd, to: Self.agent(0), amount: 1)],
            now: chain.head.time)
    }

    /// Produces the next block 12 s after the head.
    mutating func produce(background: BackgroundBlock = BackgroundBlock()) {
        chain.produceBlock(
            at: chain.head.time + .seconds(12), producer: Self.producer,
            background: background, into: &result)
    }

    var includedSenders: [Address] { result.transactions.map(\.sender) }
}
