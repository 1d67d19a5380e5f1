import CascadeChain
import CascadeCore
import CascadeKernel

/// The messages of a chain-level simulation: block production, transactions travelling to
/// the producer, and blocks travelling to the agents that watch the chain.
///
/// `Extension` carries the messages of the layers above (market ticks, oracle reports)
/// so one kernel runs them all; a chain-only world uses `NoExtension`.
///
/// **Size.** The large payloads (`submit`, `subscribe`, `rejected`) are `indirect`: boxed
/// once when the message is made, so the message itself is a tag and one word. The event
/// queue copies a message several times between `send` and `handle`; with an 80-byte
/// payload inline, the compiler copied it through the type's generic value witnesses
/// (metadata lookups, runtime enum-tag calls), which cost more than the box's one
/// allocation: 8,200 → 11,200 blocks/s in the chain benchmark.
///
/// Past tense for facts (`.blockObserved`), imperative for requests (`.submit`).
public enum ChainMessage<State: LedgerState, Extension: DigestFoldable>: DigestFoldable
where State.Event: Sendable {
    /// The producer's own wake-up: build a block now.
    case produceBlock
    /// A signed transaction reaching the producer (sent after the sender's propagation
    /// delay); the producer adds it to the mempool on arrival. A replacement (a raised
    /// bid for the same nonce) travels the same way.
    indirect case submit(TransactionRequest<State.Call>)
    /// An agent asking the producer for every block from now on.
    indirect case subscribe(BlockSubscription)
    /// The producer's answer when the mempool turned a transaction away (delay zero: the
    /// node that refused it is the one the sender talked to).
    indirect case rejected(TransactionRejection)
    /// A block reaching an agent, after that agent's own observation delay.
    case blockObserved(BlockReport<State>)
    /// Market stress for the background demand (`StressGauge.stress`), from a market agent.
    case setStress(Double)
    /// An agent's own timer; `tag` tells its timers apart.
    case timer(tag: UInt64)
    /// A message of a layer above the chain.
    case custom(Extension)

    public func fold(into digest: inout RunDigest) {
        switch self {
        case .produceBlock:
            digest.combine(1)
        case .submit(let request):
            digest.combine(2)
            request.fold(into: &digest)
        case .subscribe(let subscription):
            digest.combine(3)
            digest.combine(UInt64(UInt32(bitPattern: subscription.observer.rawValue)))
            digest.combine(subscription.seed)
        case .rejected(let rejection):
            digest.combine(4)
            digest.combine(UInt64(rejection.sender.rawValue))
            digest.combine(rejection.nonce)
        case .blockObserved(let report):
            digest.combine(5)
            digest.combine(report.header.number)
            digest.combine(report.header.gasUsed)
            digest.combine(UInt64(truncatingIfNeeded: report.header.baseFee))
        case .setStress(let stress):
            digest.combine(6)
            digest.combine(stress.bitPattern)
        case .timer(let tag):
            digest.combine(7)
            digest.combine(tag)
        case .custom(let message):
            digest.combine(8)
            message.fold(into: &digest)
        }
    }
}

/// The extension of a chain-only world: there are no other messages.
public enum NoExtension: DigestFoldable, Sendable {
    public func fold(into digest: inout RunDigest) {}
}

/// A transaction as its sender signs it, before the mempool gives it an arrival number.
///
/// `calls` is an array the sender may share between all its transactions (copy-on-write),
/// so submitting the same transfer again allocates nothing.
public struct TransactionRequest<Call: Sendable>: Sendable, DigestFoldable {
    public var sender: Address
    /// The agent to tell if the mempool refuses the transaction.
    public var replyTo: AgentID
    public var nonce: UInt64
    public var gasLimit: Gas
    public var bid: GasBid
    public var calls: [Call]

    public init(
        sender: Address, replyTo: AgentID, nonce: UInt64, gasLimit: Gas, bid: GasBid,
        calls: [Call]
    ) {
        self.sender = sender
        self.replyTo = replyTo
        self.nonce = nonce
        self.gasLimit = gasLimit
        self.bid = bid
        self.calls = calls
    }

    /// The calls, ending the request (they move out; nothing is left to destroy).
    public consuming func takeCalls() -> [Call] {
        calls
    }

    public func fold(into digest: inout RunDigest) {
        digest.combine(UInt64(sender.rawValue))
        digest.combine(nonce)
        digest.combine(gasLimit)
        digest.combine(UInt64(truncatingIfNeeded: bid.feeCap))
        digest.combine(UInt64(truncatingIfNeeded: bid.feeCap >> 64))
        digest.combine(UInt64(truncatingIfNeeded: bid.tipCap))
        digest.combine(UInt64(truncatingIfNeeded: bid.tipCap >> 64))
        digest.combine(UInt64(calls.count))
    }
}

/// A request to observe every block, and how the observer's delays are drawn.
///
/// Why the producer draws the delay: a broadcast that the observer re-delayed itself
/// would cost two events per observer per block. Instead the observer draws `seed` from
/// its own stream when it subscribes, and the producer draws this observer's delays from
/// a stream seeded with it and used for nothing else. The delays therefore belong to the
/// observer (adding or changing another agent cannot change them), and they do not
/// interleave with the observer's other draws, so changing its latency model leaves its
/// other decisions' randomness untouched.
public struct BlockSubscription: Hashable, Sendable {
    public var observer: AgentID
    public var latency: LatencyModel
    /// Seeds the observer's observation-delay stream.
    public var seed: UInt64

    public init(observer: AgentID, latency: LatencyModel, seed: UInt64) {
        precondition(latency.problem == nil, "invalid observation latency: \(latency)")
        self.observer = observer
        self.latency = latency
        self.seed = seed
    }
}

/// The mempool refused a transaction (sender, nonce, bid and why).
public struct TransactionRejection: Hashable, Sendable {
    public var sender: Address
    public var nonce: UInt64
    public var bid: GasBid
    public var reason: MempoolRejection

    public init(sender: Address, nonce: UInt64, bid: GasBid, reason: MempoolRejection) {
        self.sender = sender
        self.nonce = nonce
        self.bid = bid
        self.reason = reason
    }
}

/// Why the mempool refused a transaction, independent of the call type.
public enum MempoolRejection: Hashable, Sendable {
    case nonceTooLow
    case replacementUnderpriced
    case underpriced
    case intrinsicGasTooLow

    init<Call>(_ rejection: Mempool<Call>.Rejection) {
        switch rejection {
        case .nonceTooLow: self = .nonceTooLow
        case .replacementUnderpriced: self = .replacementUnderpriced
        case .underpriced: self = .underpriced
        case .intrinsicGasTooLow: self = .intrinsicGasTooLow
        }
    }
}

extension Context {
    /// Asks the block producer to report every block to the calling agent after a delay
    /// drawn from `latency`; the subscription's seed comes from the agent's own stream, so
    /// its observation delays are its own (docs/model/chain-loop.md).
    public func subscribeToBlocks<State, Extension>(
        from producer: AgentID, latency: LatencyModel
    ) where Message == ChainMessage<State, Extension> {
        send(
            .subscribe(
                BlockSubscription(observer: agent, latency: latency, seed: random.next())),
            to: producer)
    }
}
