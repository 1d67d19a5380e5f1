import CascadeKernel

/// The kernel demo's message: a rumour with the number of hops it has travelled.
public enum GossipMessage: DigestFoldable, Sendable {
    /// Time for the agent to pass something on.
    case wake
    /// A rumour arriving from a peer.
    case rumour(hops: UInt32)

    public func fold(into digest: inout RunDigest) {
        switch self {
        case .wake: digest.combine(0)
        case .rumour(let hops): digest.combine(1 &+ UInt64(hops) << 1)
        }
    }
}

/// Parameters of the kernel-only demo world (no chain): agents that wake at exponential
/// intervals and pass rumours to random peers over a network with random latency.
///
/// It exercises the kernel as a real world does — many agents, their own streams,
/// messages with latency, same-time ties — and gives `make run` something to run before a
/// chain exists in the world.
public struct GossipConfiguration: Hashable, Sendable {
    /// How many agents.
    public var agents: Int
    /// Mean time between an agent's own wake-ups, in ms (exponential).
    public var meanIntervalMs: Int64
    /// Mean one-way latency of a message, in ms (exponential).
    public var meanLatencyMs: Int64
    /// A rumour is passed on while it has travelled fewer hops than this.
    public var maxHops: UInt32

    public init(agents: Int, meanIntervalMs: Int64, meanLatencyMs: Int64, maxHops: UInt32) {
        self.agents = agents
        self.meanIntervalMs = meanIntervalMs
        self.meanLatencyMs = meanLatencyMs
        self.maxHops = maxHops
    }
}

/// One gossiping agent.
public final class GossipAgent: Agent {
    public let name: String
    let configuration: GossipConfiguration
    /// Rumours received, and the largest hop count seen.
    public private(set) var received: UInt64 = 0
    public private(set) var longestHops: UInt32 = 0

    public init(name: String, configuration: GossipConfiguration) {
        self.name = name
        self.configuration = configuration
    }

    public func start(_ context: Context<GossipMessage>) {
        context.wake(after: interval(context), .wake)
    }

    public func handle(_ message: GossipMessage, _ context: Context<GossipMessage>) {
        switch message {
        case .wake:
            pass(hops: 0, context)
            context.wake(after: interval(context), .wake)
        case .rumour(let hops):
            received += 1
            longestHops = max(longestHops, hops)
            if hops + 1 < configuration.maxHops {
                pass(hops: hops + 1, context)
            }
        }
    }

    private func pass(hops: UInt32, _ context: Context<GossipMessage>) {
        let peer = AgentID(
            rawValue: Int32(context.random.uniformInt(below: UInt64(configuration.agents))))
        let latency = context.random.exponential(mean: Double(configuration.meanLatencyMs))
        context.send(.rumour(hops: hops), to: peer, after: .milliseconds(Int64(latency)))
    }

    private func interval(_ context: Context<GossipMessage>) -> SimTime {
        .milliseconds(Int64(context.random.exponential(mean: Double(configuration.meanIntervalMs))))
    }
}
