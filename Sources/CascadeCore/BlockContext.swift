/// What a contract may know of the world outside it: the block it executes in.
///
/// Contracts read no clock. Time reaches them only as the block's timestamp, in whole
/// seconds as the EVM's `block.timestamp`, and its number.
public struct BlockContext: Hashable, Sendable {
    /// The block height.
    public var number: UInt64
    /// Seconds since the world's start, as `block.timestamp` (whole seconds, rounded down).
    public var timestamp: UInt64

    public init(number: UInt64, timestamp: UInt64) {
        self.number = number
        self.timestamp = timestamp
    }
}
