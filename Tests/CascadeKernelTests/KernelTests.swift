import CascadeKernel
import Testing

/// Test messages: a ping carrying a hop count.
enum TestMessage: DigestFoldable {
    case ping(hops: Int)
    case tick

    func fold(into digest: inout RunDigest) {
        switch self {
        case .ping(let hops): digest.combine(UInt64(hops))
        case .tick: digest.combine(0xffff)
        }
    }
}

/// Wakes itself at exponential intervals and pings a random peer after a random latency.
final class Gossip: Agent {
    let name: String
    var peers: [AgentID] = []
    var log: [(time: SimTime, hops: Int)] = []
    var draws: [UInt64] = []

    init(name: String) {
        self.name = name
    }

    func start(_ context: Context<TestMessage>) {
        context.wake(after: .milliseconds(Int64(context.random.exponential(mean: 1_000))), .tick)
    }

    func handle(_ message: TestMessage, _ context: Context<TestMessage>) {
        switch message {
        case .tick:
            draws.append(context.random.next())
            if !peers.isEmpty {
                let peer = peers[Int(context.random.uniformInt(below: UInt64(peers.count)))]
                context.send(
                    .ping(hops: 0), to: peer,
                    after: .milliseconds(Int64(context.random.uniformInt(below: 300))))
            }
            context.wake(
                after: .milliseconds(Int64(context.random.exponential(mean: 1_000))), .tick)
        case .ping(let hops):
            log.append((context.now, hops))
        }
    }
}

/// Records the order in which its messages arrive.
final class Recorder: Agent {
    let name: String
    var received: [Int] = []
    var times: [SimTime] = []
    var plan: (Context<TestMessage>) -> Void

    init(name: String, plan: @escaping (Context<TestMessage>) -> Void = { _ in }) {
        self.name = name
        self.plan = plan
    }

    func start(_ context: Context<TestMessage>) { plan(context) }

    func handle(_ message: TestMessage, _ context: Context<TestMessage>) {
        if case .ping(let hops) = message { received.append(hops) }
        times.append(context.now)
    }
}

func gossipKernel(seed: UInt64, agents: Int, extra: Bool = false) -> (Kernel<TestMessage>, [Gossip])
{
    let kernel = Kernel<TestMessage>(seed: seed)
    var gossips: [Gossip] = []
    for index in 0..<agents {
        let gossip = Gossip(name: "gossip-\(index)")
        kernel.add(gossip)
        gossips.append(gossip)
    }
    if extra {
        kernel.add(Gossip(name: "newcomer"))
    }
    let ids = (0..<agents).map { AgentID(rawValue: Int32($0)) }
    for gossip in gossips { gossip.peers = ids }
    return (kernel, gossips)
}

@Suite("Kernel")
struct KernelTests {
    @Test("same-time events run in scheduling order")
    func fifo() throws {
        let kernel = Kernel<TestMessage>(seed: 1)
        let recorder = Recorder(name: "recorder")
        let id = kernel.add(recorder)
        kernel.add(
            Recorder(name: "sender") { context in
                for hop in 0..<100 {
                    context.schedule(.ping(hops: hop), to: id, at: .seconds(5))
                }
            })
        _ = try kernel.run(until: .seconds(10))
        #expect(recorder.received == Array(0..<100))
        #expect(kernel.now == .seconds(10))
    }

    @Test("the deadline is inclusive and time never goes backwards")
    func deadlineInclusive() throws {
        let kernel = Kernel<TestMessage>(seed: 1)
        let recorder = Recorder(name: "r") { context in
            context.wake(after: .seconds(3), .tick)
            context.wake(after: .seconds(4), .tick)
        }
        kernel.add(recorder)
        #expect(try kernel.run(until: .seconds(3)) == .reachedDeadline)
        #expect(recorder.times == [.seconds(3)])
        #expect(try kernel.run(until: .seconds(10)) == .idle)
        #expect(recorder.times == [.seconds(3), .seconds(4)])
    }

    @Test("the event limit stops a runaway run with a clear error")
    func eventLimit() {
        let kernel = Kernel<TestMessage>(seed: 1, limits: KernelLimits(maxEvents: 500))
        final class Forever: Agent {
            let name = "forever"
            func start(_ context: Context<TestMessage>) { context.wake(after: .zero, .tick) }
            func handle(_ message: TestMessage, _ context: Context<TestMessage>) {
                context.wake(after: .milliseconds(1), .tick)
            }
        }
        kernel.add(Forever())
        #expect(throws: KernelError.eventLimit(limit: 500, time: .milliseconds(500))) {
            try kernel.run(until: .hours(1))
        }
        #expect(kernel.processedEvents == 500)
    }

    @Test("the pending-event ceiling names the agent that overflowed it")
    func queueLimit() {
        let kernel = Kernel<TestMessage>(seed: 1, limits: KernelLimits(maxPending: 10))
        final class Flood: Agent {
            let name = "flood"
            func start(_ context: Context<TestMessage>) { context.wake(after: .zero, .tick) }
            func handle(_ message: TestMessage, _ context: Context<TestMessage>) {
                for _ in 0..<20 { context.wake(after: .seconds(1), .tick) }
            }
        }
        kernel.add(Flood())
        do {
            _ = try kernel.run(until: .hours(1))
            Issue.record("expected a queue-full error")
        } catch {
            #expect(error == .queueFull(limit: 10, time: .zero, agent: "flood"))
            #expect(error.description.contains("flood"))
        }
    }

    @Test("same seed gives the same digest; another seed another", arguments: 0..<20)
    func digestReproducible(seed: UInt64) throws {
        let (first, _) = gossipKernel(seed: seed, agents: 5)
        let (second, _) = gossipKernel(seed: seed, agents: 5)
        let (other, _) = gossipKernel(seed: seed + 1_000, agents: 5)
        _ = try first.run(until: .minutes(10))
        _ = try second.run(until: .minutes(10))
        _ = try other.run(until: .minutes(10))
        #expect(first.processedEvents > 1_000)
        #expect(first.digest == second.digest, "seed \(seed)")
        #expect(first.digest != other.digest, "seed \(seed)")
    }

    /// Adding an agent must not change any other agent's draws: streams are keyed by name.
    @Test("adding an agent leaves the others' draws unchanged", arguments: 0..<10)
    func streamIndependence(seed: UInt64) throws {
        let (plain, plainAgents) = gossipKernel(seed: seed, agents: 4)
        let (crowded, crowdedAgents) = gossipKernel(seed: seed, agents: 4, extra: true)
        _ = try plain.run(until: .minutes(5))
        _ = try crowded.run(until: .minutes(5))
        for (a, b) in zip(plainAgents, crowdedAgents) {
            #expect(a.draws == b.draws, "seed \(seed) agent \(a.name)")
        }
    }

    @Test("a stopped run returns .stopped at the stopping event")
    func stop() throws {
        let kernel = Kernel<TestMessage>(seed: 3)
        final class Stopper: Agent {
            let name = "stopper"
            func start(_ context: Context<TestMessage>) { context.wake(after: .seconds(2), .tick) }
            func handle(_ message: TestMessage, _ context: Context<TestMessage>) { context.stop() }
        }
        kernel.add(Stopper())
        #expect(try kernel.run(until: .hours(1)) == .stopped)
        #expect(kernel.now == .seconds(2))
    }

    @Test("SimTime prints exact seconds")
    func simTimeText() {
        #expect(SimTime.milliseconds(13_200).description == "13.200s")
        #expect(SimTime.milliseconds(-5).description == "-0.005s")
        #expect(SimTime.hours(1) == .seconds(3_600))
        #expect(SimTime.milliseconds(2_999).wholeSeconds == 2)
    }
}
