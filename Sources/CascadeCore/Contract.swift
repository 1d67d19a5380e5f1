/// A protocol contract: a value type holding its state, and a pure transition.
///
/// `apply` runs one call as `caller` inside `block`. It either succeeds, appending what
/// happened to `events`, or throws a `Revert`. Swift keeps partial writes to `self` when a
/// mutating method throws, so the chain never calls `apply` on the state it keeps: it
/// applies a transaction's calls to a copy (cheap, copy-on-write) and assigns the copy back
/// only when every call succeeded. Implementations should still validate before writing,
/// so that a direct caller (a test) sees an unchanged value after a revert.
///
/// A contract reads no clock and draws no randomness: time is `block.timestamp`, prices
/// arrive as arguments or from oracle contracts.
public protocol Contract: Sendable {
    /// The requests this contract accepts (`.take(...)`, `.swap(...)`).
    associatedtype Call
    /// The facts it reports (`.taken(...)`, `.swapped(...)`), with inputs and outputs, so
    /// the arithmetic can be recomputed from a trace alone.
    associatedtype Event

    mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert)

    /// Verifies the contract's own books (sums, bounds); a violation is a bug.
    func checkInvariants() throws(InvariantViolation)
}
