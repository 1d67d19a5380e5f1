import CascadeChain
import CascadeCore
import CascadeKernel

/// The messages of a chain-only world.
public typealias ChainOnlyMessage = ChainMessage<Token, NoExtension>

/// Everything a chain-only world needs, as plain values: the chain, its genesis state,
/// the congestion, the producer and the transfer senders. World-file decoding fills one of
/// these; tests and the benchmark build them in code.
public struct ChainWorldConfiguration: Sendable {
    public var seed: UInt64
    public var chain: ChainConfiguration
    /// The contract state at genesis: every token and balance (the native token included).
    public var genesis: Token
    public var demand: BackgroundDemand?
    /// The producer's agent name: it keys the stream that draws block times and demand.
    public var producerName: String
    /// The producer's account (receives tips).
    public var producerAddress: Address
    public var senders: [TransferSenderSettings]
    /// Check conservation after every block (`--check`).
    public var checksInvariants: Bool
    public var limits: KernelLimits
    /// Senders post transactions to the producer's `TransactionInbox` (true, the default:
    /// no kernel event per transaction) or send them as `.submit` messages. The pool sees
    /// the same transactions at the same times either way (tested); only the digest and
    /// the time refusals are answered differ.
    public var sendsThroughInbox = true

    public init(
        seed: UInt64, chain: ChainConfiguration, genesis: Token, demand: BackgroundDemand?,
        producerName: String = "chain", producerAddress: Address,
        senders: [TransferSenderSettings], checksInvariants: Bool = false,
        limits: KernelLimits = KernelLimits()
    ) {
        self.seed = seed
        self.chain = chain
        self.genesis = genesis
        self.demand = demand
        self.producerName = producerName
        self.producerAddress = producerAddress
        self.senders = senders
        self.checksInvariants = checksInvariants
        self.limits = limits
    }
}

/// A chain-only world wired into a kernel: one `BlockProducer` (added first, id 0) and one
/// `TransferSender` per settings entry, in order. The senders post their transactions to
/// the producer's `TransactionInbox` (no kernel event per transaction) unless the
/// configuration says otherwise.
///
/// ```swift
/// let world = ChainWorld(configuration, sink: csvWriter)
/// let outcome = try world.run(until: .days(1))
/// print(world.kernel.digest, world.producer.chain.head.number)
/// ```
public final class ChainWorld {
    public let kernel: Kernel<ChainOnlyMessage>
    public let producer: BlockProducer
    public let senders: [TransferSender]

    public init(_ configuration: ChainWorldConfiguration, sink: (any BlockSink<Token>)? = nil) {
        kernel = Kernel(seed: configuration.seed, limits: configuration.limits)
        producer = BlockProducer(
            name: configuration.producerName,
            core: ChainProducer(
                address: configuration.producerAddress,
                chain: Chain(configuration: configuration.chain, state: configuration.genesis),
                demand: configuration.demand, sink: sink,
                checksInvariants: configuration.checksInvariants))
        let producerID = kernel.add(producer)
        let inbox = configuration.sendsThroughInbox ? TransactionInbox<Token.Call>() : nil
        producer.core.inbox = inbox
        var samplers: [LatencySampler] = []
        senders = configuration.senders.map { settings in
            TransferSender(
                settings: settings, producer: producerID,
                initialBaseFee: configuration.chain.market.initialBaseFee,
                propagation: LatencySampler.shared(settings.propagation, in: &samplers),
                inbox: inbox)
        }
        for sender in senders {
            kernel.add(sender)
        }
    }

    /// Runs to `deadline` (inclusive); `.stopped` means an invariant broke (see
    /// `producer.core.invariantViolation`).
    public func run(until deadline: SimTime) throws(KernelError) -> RunOutcome {
        try kernel.run(until: deadline)
    }
}

/// What a finished chain-only run gives back for tests and the benchmark.
public struct ChainRunSummary: Sendable {
    public var digest: RunDigest
    public var blocks: [BlockRecord]
    public var outcome: RunOutcome
    /// The first broken invariant (with `--check`), as text.
    public var invariantViolation: String?
}

extension ChainWorld {
    /// Builds `configuration`, runs it for `duration`, and returns the digest and every
    /// block record.
    public static func run(_ configuration: ChainWorldConfiguration, for duration: SimTime)
        throws(KernelError) -> ChainRunSummary
    {
        let collector = BlockRecordCollector<Token>()
        let world = ChainWorld(configuration, sink: collector)
        let outcome = try world.run(until: duration)
        return ChainRunSummary(
            digest: world.kernel.digest, blocks: collector.blocks, outcome: outcome,
            invariantViolation: world.producer.core.invariantViolation.map {
                "block \($0.block): \($0.violation)"
            })
    }
}

extension ChainWorldConfiguration {
    /// A small demonstration world: ETH (native) and USD, `senderCount` transfer senders
    /// funded with `ethEach` and `usdEach`, each sending USD to the next one; the producer
    /// at address 1, senders from address 10.
    ///
    /// The settings of each sender are `template` with its name, address, token and
    /// recipient filled in.
    public static func demo(
        seed: UInt64, senderCount: Int, market: FeeMarket = .eip1559,
        production: BlockProduction = .ethereumProofOfStake(missedPerMillion: 10_000),
        gasLimit: Gas = 30_000_000, demand: BackgroundDemand?,
        ethEach: UInt128 = 10 * .weiPerEther, usdEach: UInt128 = 1_000_000,
        template: TransferSenderSettings? = nil, checksInvariants: Bool = false
    ) -> ChainWorldConfiguration {
        var ledger = TokenLedger()
        let eth = ledger.addToken(symbol: "ETH")
        let usd = ledger.addToken(symbol: "USD")
        let firstSender: UInt32 = 10
        var senders: [TransferSenderSettings] = []
        for index in 0..<senderCount {
            let address = Address(firstSender + UInt32(index))
            ledger.mint(eth, to: address, amount: ethEach)
            ledger.mint(usd, to: address, amount: usdEach)
            var settings =
                template
                ?? TransferSenderSettings(
                    name: "", address: address, token: usd, recipient: address)
            settings.name = "sender-\(index)"
            settings.address = address
            settings.token = usd
            settings.recipient = Address(firstSender + UInt32((index + 1) % senderCount))
            senders.append(settings)
        }
        return ChainWorldConfiguration(
            seed: seed,
            chain: ChainConfiguration(
                market: market, production: production,
                gasLimits: GasLimitSchedule(initial: gasLimit), nativeToken: eth),
            genesis: Token(ledger: ledger, minter: Address(2)), demand: demand,
            producerAddress: Address(1), senders: senders, checksInvariants: checksInvariants)
    }
}
