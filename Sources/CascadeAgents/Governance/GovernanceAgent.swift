import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The world's governance: it proposes the changes the world schedules
/// (`protocol.governance.schedule`) at their times, and executes every queued proposal —
/// its own or the risk controller's — as soon as the timelock allows.
///
/// **Executing on time.** When a block it sees carries a new proposal, it wakes at the
/// proposal's `eta` (seconds, as a time in ms) and sends `execute` then; the transaction
/// reaches the block producer after the agent's propagation delay, so the first block that
/// can include it has a timestamp at or after `eta` and the timelock never refuses it. A
/// change therefore lands in the first block after `eta` plus the agent's propagation
/// delay (and the wait for a block), never before.
///
/// One transaction per proposal and per execution; a reverted one is counted, not retried
/// (the trace says why). Randomness: its own stream (one draw per transaction sent).
public final class GovernanceAgent: Agent {
    enum Purpose: Equatable {
        case propose(Int)
        case execute(Int)
    }

    public var name: String { "governance" }
    let settings: GovernanceSettings
    @exclusivity(unchecked) var outbox: Outbox<Purpose>
    @exclusivity(unchecked) var newest: NewestBlock
    /// Proposal ids whose execution is scheduled or sent.
    @exclusivity(unchecked) var handled: Set<Int> = []
    @exclusivity(unchecked) var proposalCount = 0

    @exclusivity(unchecked) public private(set) var statistics = GovernanceStatistics()

    static let executeTagBase: UInt64 = 1 << 32

    init(
        settings: GovernanceSettings, producer: AgentID, initialBaseFee: Wei,
        samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: ProtocolWorld.governanceExecutor, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
        for (index, change) in settings.schedule.enumerated() {
            context.wake(
                after: max(.zero, change.at - context.now), .timer(tag: UInt64(index)))
        }
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .timer(let tag) where tag < Self.executeTagBase:
            let change = settings.schedule[Int(tag)]
            send(
                .governance(
                    .propose(change.parameter, value: change.value, label: change.label)),
                purpose: .propose(Int(tag)), context)
        case .timer(let tag):
            send(
                .governance(.execute(id: Int(tag - Self.executeTagBase))),
                purpose: .execute(Int(tag - Self.executeTagBase)), context)
        case .blockObserved(let report):
            observe(report, context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func observe(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        for outcome in outbox.settle(report) {
            switch outcome {
            case .succeeded(let entry, _):
                if case .execute = entry.purpose { statistics.executed += 1 }
                if case .propose = entry.purpose { statistics.proposed += 1 }
            case .reverted(_, _, let revert):
                statistics.reverted += 1
                statistics.lastRevert = revert.reason
            case .dropped:
                statistics.dropped += 1
            }
        }
        guard newest.observe(report), let governance = report.state.governance else { return }
        // New proposals (anyone's): wake at each one's eta.
        let proposals = governance.proposals
        while proposalCount < proposals.count {
            let proposal = proposals[proposalCount]
            proposalCount += 1
            guard proposal.executedAt == nil, !handled.contains(proposal.id) else { continue }
            handled.insert(proposal.id)
            let eta = SimTime(milliseconds: Int64(proposal.eta) * 1_000)
            context.wake(
                after: max(.zero, eta - context.now),
                .timer(tag: Self.executeTagBase + UInt64(proposal.id)))
        }
    }

    func send(
        _ call: ProtocolState.Call, purpose: Purpose, _ context: Context<ProtocolMessage>
    ) {
        guard let bid = newest.bid(settings.gas) else {
            statistics.stalled += 1
            return
        }
        statistics.sent += 1
        outbox.send(
            [call], gasLimit: intrinsicGasPerTransaction + 20_000 + call.gasCost, bid: bid,
            purpose: purpose, context)
    }
}

/// What the governance agent did, for tests and the summary.
public struct GovernanceStatistics: Hashable, Sendable {
    public var sent = 0
    public var proposed = 0
    public var executed = 0
    public var reverted = 0
    public var dropped = 0
    /// Transactions not sent: the gas price was above the policy's ceiling.
    public var stalled = 0
    public var lastRevert: String?
}
