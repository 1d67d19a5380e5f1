/// The discrete-event kernel: simulated time, the event queue, the agents and their
/// random streams, and nothing else (no blocks, no prices; those are agents' business).
///
/// Four verbs, as in SimPy: `schedule` an event, `peek` at the next time, `step` one event,
/// `run(until:)` a deadline. Events are ordered by `(time, sequence)`, the sequence being
/// the order of scheduling, so same-time events run in the order they were scheduled and a
/// run is a pure function of its world and seed.
///
/// ```swift
/// let kernel = Kernel<Ping>(seed: 42)
/// let pinger = kernel.add(Pinger(name: "pinger"))
/// kernel.start()
/// let outcome = try kernel.run(until: .hours(1))
/// print(kernel.digest)
/// ```
///
/// Limits: `maxEvents` bounds the events one run may process and `maxPending` the events
/// waiting at once; past either, `run` throws a `KernelError` naming the limit, the time and
/// the agent, rather than running away.
public final class Kernel<Message: DigestFoldable> {
    /// One queued delivery.
    @usableFromInline
    struct Envelope {
        @usableFromInline var target: AgentID
        @usableFromInline var message: Message

        @inlinable
        init(target: AgentID, message: Message) {
            self.target = target
            self.message = message
        }
    }

    /// The root seed every agent's stream is derived from.
    public let seed: UInt64
    /// Ceilings on work, so a bad world fails loudly instead of hanging.
    public let limits: KernelLimits

    @usableFromInline var queue = EventQueue<Envelope>()
    /// Strong references keep the agents alive; the hot loop calls through `slots`, which
    /// hold the same references unretained, so dispatch costs no reference counting.
    @usableFromInline var agents: [any Agent<Message>] = []
    @usableFromInline var slots: [AgentSlot<Message>] = []
    @usableFromInline var streams: [RandomStream] = []
    @usableFromInline var names: [String] = []
    @usableFromInline var started = false
    @usableFromInline var stopRequested = false
    @usableFromInline var overflow: KernelError?
    @usableFromInline var currentAgent = AgentID(rawValue: -1)

    @usableFromInline var clock: SimTime = .zero
    @usableFromInline var handled: UInt64 = 0
    @usableFromInline var fingerprint = RunDigest()

    /// The current simulated time: the time of the event being handled, or the deadline of
    /// the last `run(until:)`.
    @inlinable
    public var now: SimTime { clock }
    /// Events handled so far.
    public var processedEvents: UInt64 { handled }
    /// The fingerprint of every event handled so far.
    public var digest: RunDigest { fingerprint }

    /// A kernel with root seed `seed`; messages fold into the digest by `fold(into:)`.
    public init(seed: UInt64, limits: KernelLimits = KernelLimits()) {
        self.seed = seed
        self.limits = limits
        fingerprint.combine(seed)
    }

    /// Adds an agent before the run starts and returns its id (ids count up from 0).
    ///
    /// Its random stream is derived from `(seed, agent.name)`; names must be unique.
    @discardableResult
    public func add(_ agent: any Agent<Message>) -> AgentID {
        precondition(!started, "agents are added before the run starts")
        precondition(!names.contains(agent.name), "duplicate agent name \(agent.name)")
        precondition(agents.count < Int(Int32.max), "too many agents")
        agents.append(agent)
        slots.append(AgentSlot(agent: agent))
        names.append(agent.name)
        streams.append(RandomStream(seed: seed, name: agent.name))
        return AgentID(rawValue: Int32(agents.count - 1))
    }

    /// The number of agents.
    public var agentCount: Int { agents.count }

    /// The stable name of agent `id`.
    public func name(of id: AgentID) -> String {
        names[Int(id.rawValue)]
    }

    /// The id of the agent named `name`; O(agents), meant for wiring, not for the hot loop.
    public func agent(named name: String) -> AgentID? {
        names.firstIndex(of: name).map { AgentID(rawValue: Int32($0)) }
    }

    /// The agent with id `id`, for reading its state after (or between) runs.
    public func agent(_ id: AgentID) -> any Agent<Message> {
        agents[Int(id.rawValue)]
    }

    /// The number of events waiting.
    public var pendingEvents: Int { queue.count }

    /// Schedules `message` for `target` at `time`.
    ///
    /// Precondition: `time` is not before now (time never goes backwards), and `target`
    /// exists. Past `limits.maxPending` the event is refused and the run stops with
    /// `KernelError.queueFull`.
    @inlinable
    public func schedule(_ message: Message, to target: AgentID, at time: SimTime) {
        precondition(time >= now, "event scheduled at \(time), before now (\(now))")
        precondition(Int(target.rawValue) < agents.count && target.rawValue >= 0, "no agent \(target)")
        guard queue.count < limits.maxPending else {
            if overflow == nil {
                overflow = .queueFull(
                    limit: limits.maxPending, time: now, agent: agentName(currentAgent))
            }
            return
        }
        queue.enqueue(Envelope(target: target, message: message), at: time.milliseconds)
    }

    /// Calls every agent's `start`, in id order. Called by `run` if not called before.
    public func start() {
        guard !started else { return }
        started = true
        for index in agents.indices {
            let id = AgentID(rawValue: Int32(index))
            currentAgent = id
            agents[index].start(Context(kernel: self, agent: id))
        }
        currentAgent = AgentID(rawValue: -1)
    }

    /// The time of the next event, if any.
    public func peek() -> SimTime? {
        queue.peek().map { SimTime(milliseconds: $0.time) }
    }

    /// Handles the next event if there is one; returns whether it did.
    @inlinable
    public func step() throws(KernelError) -> Bool {
        if !started { start() }
        guard let event = queue.dequeue() else { return false }
        try deliver(event)
        return true
    }

    /// Handles every event due at or before `deadline` (inclusive), then sets `now` to the
    /// deadline if the run was not stopped.
    ///
    /// Returns why it returned. Throws when a limit is hit; the kernel is then left at the
    /// event that broke it, for inspection.
    @inlinable
    public func run(until deadline: SimTime) throws(KernelError) -> RunOutcome {
        if !started { start() }
        if let overflow { throw overflow }
        while let next = queue.peek(), next.time <= deadline.milliseconds {
            guard let event = queue.dequeue() else { break }
            try deliver(event)
            if stopRequested {
                stopRequested = false
                return .stopped
            }
        }
        if deadline > clock { clock = deadline }
        return queue.isEmpty ? .idle : .reachedDeadline
    }

    @inlinable
    func deliver(_ event: (time: Int64, sequence: UInt64, payload: Envelope)) throws(KernelError) {
        guard handled < limits.maxEvents else {
            throw .eventLimit(limit: limits.maxEvents, time: SimTime(milliseconds: event.time))
        }
        let target = event.payload.target
        clock = SimTime(milliseconds: event.time)
        handled &+= 1
        fingerprint.combine(UInt64(bitPattern: event.time))
        fingerprint.combine(UInt64(UInt32(bitPattern: target.rawValue)))
        event.payload.message.fold(into: &fingerprint)
        currentAgent = target
        slots[Int(target.rawValue)].agent.handle(
            event.payload.message, Context(kernel: self, agent: target))
        if let overflow { throw overflow }
    }

    @usableFromInline
    func agentName(_ id: AgentID) -> String {
        id.rawValue >= 0 ? names[Int(id.rawValue)] : "(kernel)"
    }
}

/// An unretained reference to an agent, for dispatch in the hot loop; the kernel's
/// `agents` array owns the agent.
@usableFromInline
struct AgentSlot<Message> {
    @usableFromInline unowned(unsafe) let agent: any Agent<Message>

    @inlinable
    init(agent: any Agent<Message>) {
        self.agent = agent
    }
}

/// Ceilings on one run's work.
public struct KernelLimits: Hashable, Sendable {
    /// The most events one run may handle.
    public var maxEvents: UInt64
    /// The most events that may wait in the queue at once.
    public var maxPending: Int

    public init(maxEvents: UInt64 = 2_000_000_000, maxPending: Int = 10_000_000) {
        self.maxEvents = maxEvents
        self.maxPending = maxPending
    }
}

/// Why `run(until:)` returned.
public enum RunOutcome: Hashable, Sendable {
    /// Events remain after the deadline.
    case reachedDeadline
    /// No event remains.
    case idle
    /// An agent called `stop()`.
    case stopped
}

/// A limit the run hit; each case says which, when and (for the queue) who.
public enum KernelError: Error, Hashable, Sendable, CustomStringConvertible {
    case eventLimit(limit: UInt64, time: SimTime)
    case queueFull(limit: Int, time: SimTime, agent: String)

    public var description: String {
        switch self {
        case .eventLimit(let limit, let time):
            return "the run reached its limit of \(limit) events at t=\(time); "
                + "raise the world's max_events if the world really needs more"
        case .queueFull(let limit, let time, let agent):
            return "more than \(limit) events pending at t=\(time) (scheduled by \(agent)); "
                + "an agent is probably scheduling without bound"
        }
    }
}
