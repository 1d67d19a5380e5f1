import CascadeCore

/// A transaction's identifier: FNV-1a (64-bit) over sender, nonce and arrival number.
///
/// Deterministic across runs and machines (never `hashValue`). Unique within a run because
/// the arrival number is.
public struct TransactionHash: RawRepresentable, Hashable, Comparable, Sendable,
    CustomStringConvertible
{
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The hash of `(sender, nonce, arrival)`, each as little-endian bytes.
    @inlinable
    public init(sender: Address, nonce: UInt64, arrival: UInt64) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func absorb(_ value: UInt64, bytes: Int) {
            var remaining = value
            for _ in 0..<bytes {
                hash ^= remaining & 0xff
                hash = hash &* 0x0000_0100_0000_01b3
                remaining >>= 8
            }
        }
        absorb(UInt64(sender.rawValue), bytes: 4)
        absorb(nonce, bytes: 8)
        absorb(arrival, bytes: 8)
        rawValue = hash
    }

    public static func < (lhs: TransactionHash, rhs: TransactionHash) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// `0x` and 16 hex digits.
    public var description: String {
        let digits = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// A signed transaction: one or more calls from `sender`, executed atomically.
///
/// Several calls form a bundle (flash loan, take-and-swap, manipulate-then-borrow): if any
/// call reverts, none of their effects remain, but the gas consumed so far is paid.
///
/// `arrival` is the order in which the mempool first saw the transaction, unique within a
/// run; it breaks ties between equal tips and orders a sequencer's blocks.
public struct Transaction<Call>: Sendable where Call: Sendable {
    public let sender: Address
    public let nonce: UInt64
    /// The most gas the transaction may use, intrinsic gas included.
    public let gasLimit: Gas
    public let bid: GasBid
    /// The calls, executed in order, all or nothing.
    public let calls: [Call]
    public let arrival: UInt64
    public let hash: TransactionHash

    @inlinable
    public init(
        sender: Address, nonce: UInt64, gasLimit: Gas, bid: GasBid, calls: [Call],
        arrival: UInt64
    ) {
        precondition(!calls.isEmpty, "a transaction needs at least one call")
        self.sender = sender
        self.nonce = nonce
        self.gasLimit = gasLimit
        self.bid = bid
        self.calls = calls
        self.arrival = arrival
        self.hash = TransactionHash(sender: sender, nonce: nonce, arrival: arrival)
    }
}

extension Transaction: Equatable where Call: Equatable {}
extension Transaction: Hashable where Call: Hashable {}
