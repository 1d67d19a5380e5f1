/// A participant in a simulation: a keeper, an oracle reporter, the block producer.
///
/// Agents receive messages through the kernel and act only through the `Context` they are
/// handed: scheduling messages to themselves or to other agents (by id, after a delay),
/// and drawing from their own random stream. An agent keeps no reference to another agent;
/// ids are values, so wiring stays explicit and a run stays reproducible.
///
/// Agents are classes because they are long-lived entities with mutable state that the
/// kernel calls in place; a struct stored in the kernel's table would be copied out and
/// back on every message.
///
/// (Simulation participants are *agents*, not Swift `actor`s: nothing in a run is
/// concurrent.)
public protocol Agent<Message>: AnyObject {
    associatedtype Message: DigestFoldable

    /// A stable, unique name. It keys the agent's random stream, so renaming an agent
    /// changes its draws and nothing else.
    var name: String { get }

    /// Called once, in id order, before the first event; schedule the first wake-ups here.
    func start(_ context: Context<Message>)

    /// Called for each message addressed to this agent, at its scheduled time.
    func handle(_ message: Message, _ context: Context<Message>)
}

/// A stable identifier of an agent: its index in the kernel's table, in order of addition.
public struct AgentID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    @inlinable
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    @inlinable
    public static func < (lhs: AgentID, rhs: AgentID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "agent#\(rawValue)" }
}

/// What an agent may do while handling a message.
///
/// A context is valid only during the call it is passed to; do not store it.
public struct Context<Message: DigestFoldable> {
    @usableFromInline let core: UnsafeMutablePointer<KernelCore<Message>>
    /// The agent being called.
    public let agent: AgentID

    @inlinable
    init(core: UnsafeMutablePointer<KernelCore<Message>>, agent: AgentID) {
        self.core = core
        self.agent = agent
    }

    /// The current simulated time.
    @inlinable
    public var now: SimTime { core.pointee.clock }

    /// The calling agent's own random stream.
    @inlinable
    public var random: RandomStream {
        get { core.pointee.streams[Int(agent.rawValue)] }
        nonmutating _modify { yield &core.pointee.streams[Int(agent.rawValue)] }
    }

    /// Delivers `message` to `target` after `delay` (zero: later at the same time, after
    /// everything already scheduled for now).
    @inlinable
    public func send(
        _ message: consuming Message, to target: AgentID, after delay: SimTime = .zero
    ) {
        core.pointee.schedule(message, to: target, at: core.pointee.clock + delay)
    }

    /// Delivers `message` back to the calling agent after `delay`.
    @inlinable
    public func wake(after delay: SimTime, _ message: consuming Message) {
        core.pointee.schedule(message, to: agent, at: core.pointee.clock + delay)
    }

    /// Delivers `message` to `target` at the absolute time `time` (not before now).
    @inlinable
    public func schedule(_ message: consuming Message, to target: AgentID, at time: SimTime) {
        core.pointee.schedule(message, to: target, at: time)
    }

    /// The kernel sequence number of the event being handled: with `now`, its place in the
    /// kernel's `(time, sequence)` order.
    @inlinable
    public var eventSequence: UInt64 { core.pointee.currentSequence }

    /// Takes a place in the kernel's `(time, sequence)` order without scheduling an event:
    /// the number an event scheduled now would get. For deliveries that agents arrange
    /// themselves and that must still sort exactly among the kernel's events (see
    /// `TransactionInbox`).
    @inlinable
    public func reserveSequence() -> UInt64 {
        core.pointee.queue.takeSequence()
    }

    /// The run digest, for deliveries that are not kernel events but must still leave
    /// their mark on the run's fingerprint: fold their fields into it
    /// (`request.fold(into: &context.digest)`).
    @inlinable
    public var digest: RunDigest {
        get { core.pointee.fingerprint }
        nonmutating _modify { yield &core.pointee.fingerprint }
    }

    /// The id of the agent named `name`, if there is one (O(agents): for wiring).
    public func agent(named name: String) -> AgentID? {
        core.pointee.names.firstIndex(of: name).map { AgentID(rawValue: Int32($0)) }
    }

    /// The name of agent `id`.
    public func name(of id: AgentID) -> String {
        core.pointee.names[Int(id.rawValue)]
    }

    /// Ends the run after this message; `run(until:)` returns `.stopped`.
    public func stop() {
        core.pointee.stopRequested = true
    }
}
