import CascadeChain
import CascadeCore
import CascadeKernel

/// How an agent prices its gas.
public enum GasStrategy: Hashable, Sendable {
    /// Always the same bid.
    case fixed(GasBid)
    /// An EIP-1559 bid with `maxFee = nextBaseFee × percent / 100 + priorityFee` (floor),
    /// the next base fee being the one the agent last observed. Under a legacy market
    /// (base fee 0) this is a bid of `priorityFee`.
    case baseFeeMultiple(percent: UInt64, priorityFee: Wei)
    /// A legacy bid of the going price — the gas-weighted mean price of the newest block
    /// the agent saw, a gas station's estimate — × `percent` / 100 (floor), at least
    /// `minimum`: how bots priced gas before EIP-1559.
    case marketMultiple(percent: UInt64, minimum: Wei)

    /// The bid to make when the next block's base fee is `nextBaseFee` and the newest
    /// observed block's mean gas price was `marketPrice`.
    public func bid(nextBaseFee: Wei, marketPrice: Wei = 0) -> GasBid {
        switch self {
        case .fixed(let bid):
            return bid
        case .baseFeeMultiple(let percent, let priorityFee):
            return .eip1559(
                maxFee: Self.percentOf(nextBaseFee, percent) + priorityFee,
                priorityFee: priorityFee)
        case .marketMultiple(let percent, let minimum):
            return .legacy(gasPrice: max(Self.percentOf(marketPrice, percent), minimum))
        }
    }

    /// `value × percent / 100` (floor), trapping on overflow as the 128-bit expression does;
    /// a product below 2^64 is divided in 64 bits (a multiply and a shift instead of the
    /// 128-bit division's library call, which every sender made every block).
    static func percentOf(_ value: Wei, _ percent: UInt64) -> Wei {
        let product = value * Wei(percent)
        if product <= Wei(UInt64.max) {
            return Wei(UInt64(truncatingIfNeeded: product) / 100)
        }
        return product / 100
    }
}

/// When a sender tries to send.
public enum SendTrigger: Hashable, Sendable {
    /// On its own timer, the gaps drawn from this distribution (a rate of sends).
    case interval(LatencyModel)
    /// Each time it observes a block.
    case everyObservedBlock
}

/// A transfer-sending agent's settings, as the world gives them.
public struct TransferSenderSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    public var token: TokenID
    public var recipient: Address
    public var amount: UInt128
    /// Gas limit of each transfer (21,000 intrinsic + the call's 30,000 fits in 60,000).
    public var gasLimit: Gas
    public var strategy: GasStrategy
    public var trigger: SendTrigger
    /// From the agent to the producer.
    public var propagation: LatencyModel
    /// From the producer to the agent.
    public var observation: LatencyModel
    /// A transaction pending this long (since it was last sent) is raised at the next try.
    public var raiseAfter: SimTime
    /// How much a raise adds to both caps, in percent; above the pool's 10% bump.
    public var raisePercent: UInt64
    /// Keep every submission and observation (tests); off in long runs.
    public var recordsHistory: Bool

    public init(
        name: String, address: Address, token: TokenID, recipient: Address,
        amount: UInt128 = 1, gasLimit: Gas = 60_000,
        strategy: GasStrategy = .baseFeeMultiple(percent: 200, priorityFee: .gwei(2)),
        trigger: SendTrigger = .everyObservedBlock,
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        raiseAfter: SimTime = .seconds(36), raisePercent: UInt64 = 12,
        recordsHistory: Bool = false
    ) {
        precondition(propagation.problem == nil, "invalid propagation latency")
        precondition(observation.problem == nil, "invalid observation latency")
        precondition(raisePercent > 10, "a raise must beat the pool's 10% bump")
        self.name = name
        self.address = address
        self.token = token
        self.recipient = recipient
        self.amount = amount
        self.gasLimit = gasLimit
        self.strategy = strategy
        self.trigger = trigger
        self.propagation = propagation
        self.observation = observation
        self.raiseAfter = raiseAfter
        self.raisePercent = raisePercent
        self.recordsHistory = recordsHistory
    }
}

/// An agent that sends token transfers, one at a time, and raises its bid when stuck.
///
/// It keeps its own nonce and at most one pending transaction. When it tries to send
/// (on its timer or on each observed block, per `trigger`) and nothing is pending, it
/// signs a transfer at the next nonce priced by its strategy against the last base fee it
/// saw. If its transaction has been pending for `raiseAfter` since it was last sent, it
/// sends a replacement with both caps raised by `raisePercent` (rounded up, and at least
/// the strategy's current bid). Otherwise it waits.
///
/// Its transaction travels to the producer after a propagation delay drawn from its own
/// stream, and it learns of inclusion only when it observes the block (after its
/// observation delay), so a sender can raise a transaction already included: the pool
/// answers `nonceTooLow`, which it ignores — the block will tell.
///
/// Every transfer is the same call, kept in one array shared by all its transactions, so
/// sending allocates nothing.
/// Concrete (chain-only messages), not generic: the kernel reaches agents through
/// `any Agent`, where a generic class would run unspecialised.
public final class TransferSender: Agent {
    public typealias Message = ChainOnlyMessage

    /// One submission, for tests (`recordsHistory`).
    public struct Submission: Hashable, Sendable {
        public var nonce: UInt64
        public var bid: GasBid
        public var sentAt: SimTime
        /// When it reaches the producer.
        public var arrivesAt: SimTime
    }

    /// One observed block, for tests (`recordsHistory`).
    public struct Observation: Hashable, Sendable {
        public var block: UInt64
        public var blockTime: SimTime
        public var observedAt: SimTime
    }

    struct Pending {
        var nonce: UInt64
        var bid: GasBid
        var lastSentAt: SimTime
    }

    public let settings: TransferSenderSettings
    public var name: String { settings.name }
    let producer: AgentID
    let calls: [Token.Call]
    /// Draws `settings.propagation` (see `LatencySampler`).
    let propagation: LatencySampler
    /// The producer's inbox, if the world has one: transactions go there stamped with their
    /// arrival time instead of as `.submit` messages (see `TransactionInbox`).
    let inbox: TransactionInbox<Token.Call>?
    /// `inbox`, unretained (the property above keeps it alive): posting through a
    /// guaranteed reference, where the optional binding retained and released the inbox
    /// every transaction.
    let inboxReference: Unmanaged<TransactionInbox<Token.Call>>?
    // `@exclusivity(unchecked)`: the kernel runs one agent at a time (nothing in a run is
    // concurrent), and the dynamic exclusivity check on every access of a class's stored
    // property was 2% of the chain benchmark.
    @exclusivity(unchecked) var pending: Pending?
    /// The base fee of the next block, as last observed.
    @exclusivity(unchecked) public private(set) var nextBaseFee: Wei
    @exclusivity(unchecked) public private(set) var nextNonce: UInt64 = 0
    @exclusivity(unchecked) var lastObservedBlock: UInt64 = 0

    @exclusivity(unchecked) public private(set) var sentCount = 0
    @exclusivity(unchecked) public private(set) var raisedCount = 0
    @exclusivity(unchecked) public private(set) var includedCount = 0
    @exclusivity(unchecked) public private(set) var revertedCount = 0
    @exclusivity(unchecked) public private(set) var droppedCount = 0
    @exclusivity(unchecked) public private(set) var rejectedCount = 0
    @exclusivity(unchecked) public private(set) var submissions: [Submission] = []
    @exclusivity(unchecked) public private(set) var observations: [Observation] = []

    /// A sender that submits to `producer`; `initialBaseFee` is its belief before it
    /// observes the first block (the chain's initial base fee). `propagation`, if given,
    /// must sample `settings.propagation` (pass one shared by the senders of a world; nil
    /// builds one). With an `inbox` (the producer's), transactions are posted there.
    public init(
        settings: TransferSenderSettings, producer: AgentID, initialBaseFee: Wei,
        propagation: LatencySampler? = nil, inbox: TransactionInbox<Token.Call>? = nil
    ) {
        precondition(
            propagation == nil || propagation?.model == settings.propagation,
            "the propagation sampler must sample the settings' model")
        self.settings = settings
        self.producer = producer
        self.propagation = propagation ?? LatencySampler(settings.propagation)
        self.inbox = inbox
        inboxReference = inbox.map { Unmanaged.passUnretained($0) }
        nextBaseFee = initialBaseFee
        calls = [.transfer(settings.token, to: settings.recipient, amount: settings.amount)]
    }

    /// Whether a transaction is pending (sent, not yet seen in a block).
    public var hasPending: Bool { pending != nil }

    public func start(_ context: Context<Message>) {
        context.subscribeToBlocks(from: producer, latency: settings.observation)
        if case .interval(let gaps) = settings.trigger {
            context.wake(after: gaps.draw(using: &context.random), .timer(tag: 0))
        }
    }

    public func handle(_ message: Message, _ context: Context<Message>) {
        switch message {
        case .blockObserved(let report):
            observe(report, context)
            if settings.trigger == .everyObservedBlock {
                trySending(context)
            }
        case .timer:
            trySending(context)
            if case .interval(let gaps) = settings.trigger {
                context.wake(after: gaps.draw(using: &context.random), .timer(tag: 0))
            }
        case .rejected:
            // Raises of an included transaction come back `nonceTooLow`; anything else
            // leaves the transaction pending, and the next raise re-sends it.
            rejectedCount += 1
        case .produceBlock, .submit, .subscribe, .setStress, .custom:
            break
        }
    }

    @inline(__always)
    func observe(_ report: BlockReport<Token>, _ context: Context<Message>) {
        if settings.recordsHistory {
            observations.append(
                Observation(
                    block: report.header.number, blockTime: report.header.time,
                    observedAt: context.now))
        }
        // Reports can arrive out of order when delays exceed block intervals: only a newer
        // block updates the price belief, but any block can settle the pending nonce.
        if report.header.number > lastObservedBlock {
            lastObservedBlock = report.header.number
            nextBaseFee = report.nextBaseFee
        }
        guard let current = pending else { return }
        if let succeeded = report.succeeded(settings.address, nonce: current.nonce) {
            pending = nil
            nextNonce = current.nonce + 1
            includedCount += 1
            if !succeeded {
                revertedCount += 1
            }
        } else if report.dropped(of: settings.address, nonce: current.nonce) != nil {
            // Dropped (cannot pay): the nonce is still free; the next try signs it again.
            pending = nil
            droppedCount += 1
        }
    }

    @inline(__always)
    func trySending(_ context: Context<Message>) {
        let now = context.now
        if let current = pending {
            guard now - current.lastSentAt >= settings.raiseAfter else { return }
            let bid = raised(current.bid)
            pending = Pending(nonce: current.nonce, bid: bid, lastSentAt: now)
            raisedCount += 1
            send(nonce: current.nonce, bid: bid, context)
        } else {
            let bid = settings.strategy.bid(nextBaseFee: nextBaseFee)
            pending = Pending(nonce: nextNonce, bid: bid, lastSentAt: now)
            send(nonce: nextNonce, bid: bid, context)
        }
    }

    @inline(__always)
    func send(nonce: UInt64, bid: GasBid, _ context: Context<Message>) {
        let delay = propagation.draw(using: &context.random)
        sentCount += 1
        if settings.recordsHistory {
            submissions.append(
                Submission(
                    nonce: nonce, bid: bid, sentAt: context.now, arrivesAt: context.now + delay))
        }
        if let inboxReference {
            inboxReference._withUnsafeGuaranteedRef { inbox in
                inbox.post(
                    TransactionRequest(
                        sender: settings.address, replyTo: context.agent, nonce: nonce,
                        gasLimit: settings.gasLimit, bid: bid, calls: calls),
                    after: delay, context)
            }
        } else {
            let request = TransactionRequest(
                sender: settings.address, replyTo: context.agent, nonce: nonce,
                gasLimit: settings.gasLimit, bid: bid, calls: calls)
            context.send(.submit(request), to: producer, after: delay)
        }
    }

    /// `old` with both caps raised by `raisePercent` (ceiling, at least +1 wei), and at
    /// least what the strategy bids now; keeps the bid's shape.
    func raised(_ old: GasBid) -> GasBid {
        let percent = Wei(100 + settings.raisePercent)
        func raise(_ value: Wei) -> Wei {
            max((value * percent + 99) / 100, value + 1)
        }
        let current = settings.strategy.bid(nextBaseFee: nextBaseFee)
        switch old {
        case .legacy(let gasPrice):
            return .legacy(gasPrice: max(raise(gasPrice), current.feeCap))
        case .eip1559(let maxFee, let priorityFee):
            let tip = max(raise(priorityFee), current.tipCap)
            return .eip1559(maxFee: max(raise(maxFee), current.feeCap, tip), priorityFee: tip)
        }
    }
}
