/// Why a contract call refused to run.
///
/// A revert leaves every contract's state as it was before the transaction (the chain
/// applies calls to a copy and keeps it only on success), but the transaction still pays
/// for its gas. Reasons explain in a few words what was wrong (`"Clipper/needs-reset"`,
/// `"Dog/not-unsafe"`), following the real contracts' own reason strings where they exist,
/// so a trace can be read beside the Solidity source.
public struct Revert: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// A broken invariant found by a contract's `checkInvariants()`: a bug, never user error.
public struct InvariantViolation: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
