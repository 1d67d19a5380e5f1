import CascadeCore
import CascadeKernel

/// The head of the chain: what the next block is built on.
public struct BlockHeader: Hashable, Sendable {
    public var number: UInt64
    public var time: SimTime
    public var gasLimit: Gas
    public var gasUsed: Gas
    public var baseFee: Wei

    public init(number: UInt64, time: SimTime, gasLimit: Gas, gasUsed: Gas, baseFee: Wei) {
        self.number = number
        self.time = time
        self.gasLimit = gasLimit
        self.gasUsed = gasUsed
        self.baseFee = baseFee
    }
}

/// A chain's fixed rules, from the world.
public struct ChainConfiguration: Hashable, Sendable {
    public var market: FeeMarket
    public var production: BlockProduction
    public var gasLimits: GasLimitSchedule
    public var mempool: MempoolConfiguration
    public var nativeToken: TokenID

    public init(
        market: FeeMarket, production: BlockProduction, gasLimits: GasLimitSchedule,
        mempool: MempoolConfiguration = .init(), nativeToken: TokenID
    ) {
        self.market = market
        self.production = production
        self.gasLimits = gasLimits
        self.mempool = mempool
        self.nativeToken = nativeToken
    }
}

/// The chain as a value: contract state, mempool and head, advanced one block at a time.
///
/// No event loop: the caller (the kernel's chain agent) decides when blocks happen, using
/// `configuration.production.nextInterval(random:)`, and calls `produceBlock` at that time
/// with the block's background demand:
///
/// ```swift
/// var chain = Chain(configuration: config, state: token)
/// var result = chain.makeBlockResult()
/// let interval = chain.configuration.production.nextInterval(random: &blockRandom)
/// let time = chain.head.time + interval
/// demand.draw(at: time, interval: interval, random: &demandRandom, into: &background)
/// chain.produceBlock(at: time, producer: miner, background: background, into: &result)
/// ```
///
/// Block 0 is the genesis (no transactions); the first produced block is number 1.
public struct Chain<State: LedgerState>: Sendable where State.Event: Sendable {
    public let configuration: ChainConfiguration
    public var state: State
    public var pool: Mempool<State.Call>
    public var head: BlockHeader { storedHead }
    @usableFromInline var storedHead: BlockHeader

    public init(configuration: ChainConfiguration, state: State, genesisTime: SimTime = .zero) {
        self.configuration = configuration
        self.state = state
        pool = Mempool(configuration: configuration.mempool)
        let gasLimit = configuration.gasLimits.initial
        // Genesis is treated as exactly on target, so block 1 keeps the initial base fee.
        storedHead = BlockHeader(
            number: 0, time: genesisTime, gasLimit: gasLimit,
            gasUsed: gasLimit / EIP1559.elasticityMultiplier,
            baseFee: configuration.market.initialBaseFee)
    }

    /// The input of the next block at `time`: its number, gas limit and base fee.
    @inlinable
    public func nextBlockInput(at time: SimTime, producer: Address) -> BlockInput {
        precondition(time >= head.time, "blocks go forward in time")
        let market = configuration.market
        return BlockInput(
            number: head.number + 1, time: time,
            gasLimit: configuration.gasLimits.gasLimit(at: time, parentGasLimit: head.gasLimit),
            baseFee: market.nextBaseFee(
                parentBaseFee: head.baseFee, parentGasLimit: head.gasLimit,
                parentGasUsed: head.gasUsed),
            producer: producer, market: market, nativeToken: configuration.nativeToken)
    }

    /// An empty result to pass to `produceBlock` (its storage is reused block after block).
    public func makeBlockResult() -> BlockResult<State.Call, State.Event> {
        BlockResult(input: nextBlockInput(at: head.time, producer: .zero))
    }

    /// Expires old transactions, builds the next block at `time` into `result`, and makes
    /// it the head.
    @inlinable
    public mutating func produceBlock(
        at time: SimTime, producer: Address, background: BackgroundBlock,
        into result: inout BlockResult<State.Call, State.Event>
    ) {
        let input = nextBlockInput(at: time, producer: producer)
        pool.expire(now: time)
        BlockBuilder.build(
            input, pool: &pool, state: &state, background: background,
            into: &result)
        storedHead = BlockHeader(
            number: input.number, time: time, gasLimit: input.gasLimit,
            gasUsed: result.gasUsed, baseFee: input.baseFee)
    }

    /// Submits a transaction at `now` with the pool's next arrival number.
    @inlinable
    public mutating func submit(
        sender: Address, nonce: UInt64, gasLimit: Gas, bid: GasBid, calls: [State.Call],
        now: SimTime
    ) -> Mempool<State.Call>.Outcome {
        pool.submit(
            sender: sender, nonce: nonce, gasLimit: gasLimit, bid: bid, calls: calls,
            now: now)
    }
}
