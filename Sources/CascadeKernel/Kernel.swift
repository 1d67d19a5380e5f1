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
/// let outcome = try kernel.run(until: .hours(1))
/// print(kernel.digest)
/// ```
///
/// Limits: `maxEvents` bounds the events one run may handle and `maxPending` the events
/// waiting at once; past either, `run` throws a `KernelError` naming the limit, the time and
/// the agent, rather than running away.
///
/// Performance: the loop's state lives in one heap-allocated `KernelCore` that the loop
/// and the agents' contexts reach through a pointer, and agents are called through
/// unretained references. That keeps reference counting and dynamic exclusivity checks
/// (which Swift adds to every access of a class's stored property) out of the hot path:
/// they cost more than the queue itself (docs/performance.md). The kernel is single-
/// threaded by design (nothing in a run is concurrent), which is what makes this sound.
public final class Kernel<Message: DigestFoldable> {
    @usableFromInline let core: UnsafeMutablePointer<KernelCore<Message>>
    /// Strong references that keep the agents alive; the loop calls through `core.slots`.
    @usableFromInline var agents: [any Agent<Message>] = []
    @usableFromInline var dispatchers: [any AgentDispatcher<Message>.Type] = []
    @usableFromInline var names: [String] = []
    @usableFromInline var started = false

    /// The root seed every agent's stream is derived from.
    public let seed: UInt64
    /// Ceilings on work, so a bad world fails loudly instead of hanging.
    public let limits: KernelLimits

    /// A kernel with root seed `seed`; messages fold into the digest by `fold(into:)`.
    public init(seed: UInt64, limits: KernelLimits = KernelLimits()) {
        self.seed = seed
        self.limits = limits
        core = .allocate(capacity: 1)
        core.initialize(to: KernelCore(seed: seed, maxPending: limits.maxPending))
    }

    deinit {
        core.pointee.releaseBuffers()
        core.deinitialize(count: 1)
        core.deallocate()
    }

    /// The current simulated time: the time of the event being handled, or the deadline of
    /// the last `run(until:)`.
    @inlinable
    public var now: SimTime { core.pointee.clock }
    /// Events handled so far.
    public var processedEvents: UInt64 { core.pointee.handled }
    /// The fingerprint of every event handled so far.
    public var digest: RunDigest { core.pointee.fingerprint }
    /// The number of events waiting.
    public var pendingEvents: Int { core.pointee.queue.count }
    /// The number of agents.
    public var agentCount: Int { agents.count }

    /// Adds an agent before the run starts and returns its id (ids count up from 0).
    ///
    /// Its random stream is derived from `(seed, agent.name)`; names must be unique.
    @discardableResult
    public func add<A: Agent>(_ agent: A) -> AgentID where A.Message == Message {
        precondition(!started, "agents are added before the run starts")
        precondition(!names.contains(agent.name), "duplicate agent name \(agent.name)")
        precondition(agents.count < Int(Int32.max), "too many agents")
        agents.append(agent)
        dispatchers.append(Dispatch<A>.self)
        names.append(agent.name)
        return AgentID(rawValue: Int32(agents.count - 1))
    }

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

    /// Schedules `message` for `target` at `time` (from outside the agents, e.g. a world's
    /// scripted events). Agents use their `Context` instead.
    public func schedule(_ message: Message, to target: AgentID, at time: SimTime) {
        prepare()
        core.pointee.schedule(message, to: target, at: time)
    }

    /// Calls every agent's `start`, in id order. Called by `run` if not called before.
    public func start() {
        prepare()
        guard !core.pointee.startedAgents else { return }
        core.pointee.startedAgents = true
        for index in agents.indices {
            let id = AgentID(rawValue: Int32(index))
            core.pointee.currentAgent = id
            agents[index].start(Context(core: core, agent: id))
        }
        core.pointee.currentAgent = AgentID(rawValue: -1)
    }

    /// Freezes the agent table: allocates the streams and dispatch slots.
    @usableFromInline
    func prepare() {
        guard !started else { return }
        started = true
        core.pointee.install(agents: agents, dispatchers: dispatchers, names: names, seed: seed)
    }

    /// The time of the next event, if any.
    public func peek() -> SimTime? {
        core.pointee.queue.peek().map { SimTime(milliseconds: $0.time) }
    }

    /// Handles the next event if there is one; returns whether it did.
    @inlinable
    public func step() throws(KernelError) -> Bool {
        if !core.pointee.startedAgents { start() }
        if let overflow = core.pointee.overflow { throw overflow }
        guard !core.pointee.queue.isEmpty else { return false }
        let event = core.pointee.queue.removeEarliest()
        try KernelCore.deliver(event, core: core, limit: limits.maxEvents)
        return true
    }

    /// Handles every event due at or before `deadline` (inclusive), then sets `now` to the
    /// deadline if the run was not stopped.
    ///
    /// Returns why it returned. Throws when a limit is hit; the kernel is then left at the
    /// event that broke it, for inspection.
    @inlinable
    public func run(until deadline: SimTime) throws(KernelError) -> RunOutcome {
        if !core.pointee.startedAgents { start() }
        if let overflow = core.pointee.overflow { throw overflow }
        let limit = limits.maxEvents
        let end = deadline.milliseconds
        while !core.pointee.queue.isEmpty && core.pointee.queue.earliestTime() <= end {
            let event = core.pointee.queue.removeLocated()
            try KernelCore.deliver(event, core: core, limit: limit)
            if core.pointee.stopRequested {
                core.pointee.stopRequested = false
                return .stopped
            }
        }
        if deadline > core.pointee.clock { core.pointee.clock = deadline }
        return core.pointee.queue.isEmpty ? .idle : .reachedDeadline
    }
}

/// The kernel's mutable state, reached through one pointer by the loop and by contexts.
@usableFromInline
struct KernelCore<Message: DigestFoldable> {
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

    @usableFromInline var queue = EventQueue<Envelope>()
    @usableFromInline var streams = UnsafeMutableBufferPointer<RandomStream>(start: nil, count: 0)
    @usableFromInline var slots = UnsafeMutableBufferPointer<AgentSlot<Message>>(
        start: nil, count: 0)
    @usableFromInline var clock: SimTime = .zero
    @usableFromInline var handled: UInt64 = 0
    @usableFromInline var fingerprint = RunDigest()
    @usableFromInline var stopRequested = false
    @usableFromInline var startedAgents = false
    @usableFromInline var overflow: KernelError?
    @usableFromInline var currentAgent = AgentID(rawValue: -1)
    /// The sequence number of the event being handled.
    @usableFromInline var currentSequence: UInt64 = 0
    @usableFromInline var names: [String] = []
    @usableFromInline let maxPending: Int

    init(seed: UInt64, maxPending: Int) {
        self.maxPending = maxPending
        fingerprint.combine(seed)
    }

    mutating func install(
        agents: [any Agent<Message>], dispatchers: [any AgentDispatcher<Message>.Type],
        names: [String], seed: UInt64
    ) {
        self.names = names
        streams = .allocate(capacity: agents.count)
        slots = .allocate(capacity: agents.count)
        for index in agents.indices {
            streams.initializeElement(
                at: index, to: RandomStream(seed: seed, name: names[index]))
            slots.initializeElement(
                at: index, to: AgentSlot(agent: agents[index], dispatcher: dispatchers[index]))
        }
    }

    mutating func releaseBuffers() {
        streams.deallocate()
        slots.deallocate()
    }

    @inlinable
    mutating func schedule(_ message: consuming Message, to target: AgentID, at time: SimTime) {
        precondition(time >= clock, "event scheduled at \(time), before now (\(clock))")
        precondition(target.rawValue >= 0 && Int(target.rawValue) < slots.count, "no \(target)")
        guard queue.count < maxPending else {
            if overflow == nil {
                overflow = .queueFull(limit: maxPending, time: clock, agent: currentAgent)
            }
            return
        }
        queue.enqueue(Envelope(target: target, message: message), at: time.milliseconds)
    }

    @inlinable
    static func deliver(
        _ event: (time: Int64, sequence: UInt64, payload: Envelope),
        core: UnsafeMutablePointer<KernelCore>, limit: UInt64
    ) throws(KernelError) {
        guard core.pointee.handled < limit else {
            throw .eventLimit(limit: limit, time: SimTime(milliseconds: event.time))
        }
        let target = event.payload.target
        core.pointee.clock = SimTime(milliseconds: event.time)
        core.pointee.handled &+= 1
        core.pointee.fingerprint.combine(UInt64(bitPattern: event.time))
        core.pointee.fingerprint.combine(UInt64(UInt32(bitPattern: target.rawValue)))
        event.payload.message.fold(into: &core.pointee.fingerprint)
        core.pointee.currentAgent = target
        core.pointee.currentSequence = event.sequence
        core.pointee.slots[Int(target.rawValue)].deliver(
            event.payload.message, Context(core: core, agent: target))
        if let overflow = core.pointee.overflow {
            throw overflow.naming(core.pointee.names)
        }
    }
}

/// An unretained reference to an agent and the metatype of its dispatcher, for the hot
/// loop; the kernel's `agents` array owns the agent.
///
/// Calling through an existential (or a generic closure) loaded from memory costs a
/// retain and a release per event; this borrows the object (+0) and dispatches through
/// an existential metatype, which carries no reference count.
@usableFromInline
struct AgentSlot<Message: DigestFoldable> {
    @usableFromInline let object: Unmanaged<AnyObject>
    @usableFromInline let dispatcher: any AgentDispatcher<Message>.Type

    init(agent: any Agent<Message>, dispatcher: any AgentDispatcher<Message>.Type) {
        object = Unmanaged.passUnretained(agent as AnyObject)
        self.dispatcher = dispatcher
    }

    @inlinable
    func deliver(_ message: Message, _ context: Context<Message>) {
        dispatcher.deliver(message, to: object, context)
    }
}

/// Delivers a message to an agent whose concrete type the conformer knows.
@usableFromInline
protocol AgentDispatcher<Message> {
    associatedtype Message: DigestFoldable
    static func deliver(
        _ message: Message, to object: Unmanaged<AnyObject>, _ context: Context<Message>)
}

/// The dispatcher for agents of type `A`.
@usableFromInline
enum Dispatch<A: Agent>: AgentDispatcher {
    @usableFromInline typealias Message = A.Message

    @inlinable
    static func deliver(
        _ message: Message, to object: Unmanaged<AnyObject>, _ context: Context<Message>
    ) {
        object._withUnsafeGuaranteedRef { agent in
            unsafeDowncast(agent, to: A.self).handle(message, context)
        }
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

    /// The queue-full error as first recorded, before the agent's name is known.
    @usableFromInline
    static func queueFull(limit: Int, time: SimTime, agent: AgentID) -> KernelError {
        .queueFull(limit: limit, time: time, agent: "#\(agent.rawValue)")
    }

    /// Replaces an agent number by its name.
    @usableFromInline
    func naming(_ names: [String]) -> KernelError {
        guard case .queueFull(let limit, let time, let agent) = self, agent.hasPrefix("#"),
            let index = Int(agent.dropFirst()), names.indices.contains(index)
        else { return self }
        return .queueFull(limit: limit, time: time, agent: names[index])
    }

    public var description: String {
        switch self {
        case .eventLimit(let limit, let time):
            return "the run reached its limit of \(limit) events at t=\(time); "
                + "raise the world's limits.max_events if the world really needs more"
        case .queueFull(let limit, let time, let agent):
            return "more than \(limit) events pending at t=\(time) (scheduled by \(agent)); "
                + "an agent is probably scheduling without bound"
        }
    }
}
