import CascadeChain
import CascadeCore
import CascadeKernel

/// The block producer's state and reactions, as a value: it owns the chain, produces
/// blocks in simulated time, takes transactions into the mempool as they arrive, and
/// sends each block to its sink and its subscribers.
///
/// Wrap it in a `final class` agent for your message type and forward `start` and
/// `handle` (`BlockProducer` does so for chain-only worlds). Why not a generic agent
/// class: the kernel calls agents through `any Agent`, and a generic class's methods
/// reached that way run unspecialised, looking up type metadata on every call — three
/// times slower in the chain benchmark. A concrete class around this struct is
/// specialised where it is declared.
///
/// **Timing.** At start it draws the first interval from the agent's own stream
/// (`ChainConfiguration.production`: proof-of-work exponential, proof-of-stake slots with
/// misses, or a sequencer's fixed interval) and wakes itself then; each block draws the
/// next. Block times therefore depend on the producer's name and the seed only.
///
/// **Each block**, at its time: draw the background demand for the interval since the
/// parent (from a second stream seeded from the first at start, so demand draws never
/// shift block times), build and execute the block (`Chain.produceBlock`), optionally
/// check every invariant, hand the result to the sink, then send one shared `BlockReport`
/// to every subscriber after that subscriber's own observation delay.
///
/// **Transactions** arrive as `.submit` messages, already delayed by their sender's
/// propagation delay, or through the `inbox` stamped with their arrival time; either way
/// they enter the mempool in the kernel's `(time, sequence)` order with their arrival time
/// (the inbox is taken in before every message the producer handles, its block wake-up
/// included). A refusal goes back to the sender as `.rejected`.
///
/// Cost per block: the builder's, plus O(s) messages for s subscribers and one report
/// (one allocation for the report, one for its receipts when any).
public struct ChainProducer<State: LedgerState, Extension: DigestFoldable>
where State.Event: Sendable {
    public typealias Message = ChainMessage<State, Extension>

    /// The miner, proposer or sequencer: receives the tips.
    public let address: Address
    public private(set) var chain: Chain<State>
    /// Exogenous traffic; nil for empty blocks apart from the agents'.
    public let demand: BackgroundDemand?
    /// Receives every block as it is produced.
    public var sink: (any BlockSink<State>)?
    /// Check conservation (and the mempool's books) after every block; a violation stops
    /// the run and is kept in `invariantViolation`.
    public var checksInvariants: Bool
    /// The first broken invariant, with the block that broke it.
    public private(set) var invariantViolation: (block: UInt64, violation: InvariantViolation)?
    /// Copy each block's contract events into its `BlockReport` (off by default: a copy of
    /// the event array per block that chain-only worlds do not need).
    public var reportsEvents = false
    /// Where senders with no kernel event per transaction post them (see
    /// `TransactionInbox`); nil when every sender uses `.submit`.
    public var inbox: TransactionInbox<State.Call>?
    /// The stress input to the background demand (see `StressGauge`).
    public private(set) var stress: Double = 0
    public private(set) var blocksProduced = 0
    public private(set) var submissionsReceived = 0
    public private(set) var submissionsRejected = 0

    struct Subscriber {
        var agent: AgentID
        var latency: LatencySampler
        var random: RandomStream
    }

    var subscribers: [Subscriber] = []
    /// One sampler per distinct observation model, shared by its subscribers.
    var samplers: [LatencySampler] = []
    var result: BlockResult<State.Call, State.Event>
    var background = BackgroundBlock()
    /// Seeded from the producer's own stream at start; drives the background demand only.
    var demandRandom = RandomStream(seed: 0)

    public init(
        address: Address, chain: Chain<State>, demand: BackgroundDemand?,
        sink: (any BlockSink<State>)? = nil, checksInvariants: Bool = false
    ) {
        self.address = address
        self.chain = chain
        self.demand = demand
        self.sink = sink
        self.checksInvariants = checksInvariants
        result = chain.makeBlockResult()
    }

    public mutating func start(_ context: Context<Message>) {
        demandRandom = RandomStream(seed: context.random.next())
        scheduleNextBlock(context)
    }

    /// Reacts to a message addressed to the producer; other messages are ignored.
    public mutating func handle(_ message: Message, _ context: Context<Message>) {
        if let inbox {
            // Everything that arrived before this message, in the kernel's order.
            inbox.takeDue(before: context.now, sequence: context.eventSequence) {
                receive($0, at: $1, context)
            }
        }
        switch message {
        case .produceBlock:
            produceBlock(context)
        case .submit(let request):
            receive(request, at: context.now, context)
        case .subscribe(let subscription):
            subscribers.append(
                Subscriber(
                    agent: subscription.observer,
                    latency: LatencySampler.shared(subscription.latency, in: &samplers),
                    random: RandomStream(seed: subscription.seed)))
        case .setStress(let stress):
            precondition(stress.isFinite && stress >= 0, "stress must be finite and >= 0")
            self.stress = stress
        case .rejected, .blockObserved, .timer, .custom:
            break
        }
    }

    mutating func scheduleNextBlock(_ context: Context<Message>) {
        let interval = chain.configuration.production.nextInterval(random: &context.random)
        context.wake(after: interval, .produceBlock)
    }

    /// Adds `request`, which arrived at `arrival` (now, or earlier for the inbox's), to the
    /// mempool; a refusal is answered now.
    mutating func receive(
        _ request: consuming TransactionRequest<State.Call>, at arrival: SimTime,
        _ context: Context<Message>
    ) {
        submissionsReceived += 1
        let sender = request.sender
        let nonce = request.nonce
        let bid = request.bid
        let replyTo = request.replyTo
        let gasLimit = request.gasLimit
        // The calls move into the pool's transaction and the rest of the request ends with
        // them: copying the calls retained the array, and swapping them out left a request
        // to destroy through its generic value witness.
        let outcome = chain.pool.submit(
            sender: sender, nonce: nonce, gasLimit: gasLimit, bid: bid,
            calls: request.takeCalls(), now: arrival)
        if case .rejected(let reason) = outcome {
            submissionsRejected += 1
            let rejection = TransactionRejection(
                sender: sender, nonce: nonce, bid: bid, reason: MempoolRejection(reason))
            context.send(.rejected(rejection), to: replyTo)
        }
    }

    mutating func produceBlock(_ context: Context<Message>) {
        let time = context.now
        // `demand?.draw` borrows the stored value; `if let` would copy it (and retain its
        // arrays) every block.
        demand?.draw(
            at: time, interval: time - chain.head.time, stress: stress,
            random: &demandRandom, into: &background)
        // Only a sink reads the block's transactions (reports carry the receipts).
        result.keepsTransactions = sink != nil
        chain.produceBlock(at: time, producer: address, background: background, into: &result)
        blocksProduced += 1
        if checksInvariants {
            checkInvariants(context)
        }
        sink?.didProduce(result, state: chain.state)
        if !subscribers.isEmpty {
            broadcast(context)
        }
        scheduleNextBlock(context)
    }

    mutating func broadcast(_ context: Context<Message>) {
        let head = chain.head
        let report = BlockReport(
            result, state: chain.state,
            nextBaseFee: chain.configuration.market.nextBaseFee(
                parentBaseFee: head.baseFee, parentGasLimit: head.gasLimit,
                parentGasUsed: head.gasUsed),
            includesEvents: reportsEvents)
        // Through a buffer pointer: indexing the array copied each subscriber (retaining its
        // sampler's table) on every draw.
        subscribers.withUnsafeMutableBufferPointer { subscribers in
            for index in subscribers.indices {
                let delay = subscribers[index].latency.draw(using: &subscribers[index].random)
                context.send(.blockObserved(report), to: subscribers[index].agent, after: delay)
            }
        }
    }

    mutating func checkInvariants(_ context: Context<Message>) {
        do {
            try chain.state.checkInvariants()
            try chain.pool.checkInvariants()
        } catch {
            if invariantViolation == nil {
                invariantViolation = (chain.head.number, error)
            }
            context.stop()
        }
    }
}

/// The block producer of a chain-only world (`ChainOnlyMessage`): a `ChainProducer` of
/// `Token` state as an agent.
public final class BlockProducer: Agent {
    public let name: String
    /// Unchecked: the kernel runs one agent at a time, so the dynamic exclusivity check on
    /// every event's access was pure cost.
    @exclusivity(unchecked) public var core: ChainProducer<Token, NoExtension>

    public init(name: String, core: ChainProducer<Token, NoExtension>) {
        self.name = name
        self.core = core
    }

    public var chain: Chain<Token> { core.chain }

    public func start(_ context: Context<ChainOnlyMessage>) {
        core.start(context)
    }

    public func handle(_ message: ChainOnlyMessage, _ context: Context<ChainOnlyMessage>) {
        core.handle(message, context)
    }
}
