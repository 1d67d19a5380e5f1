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
    ///
    /// FNV-1a is a chain of dependent multiplications, one per byte (20 here), and the
    /// chain's latency was 5% of the chain benchmark's time. Absorbing a zero byte only
    /// multiplies by the prime, so a run of zero bytes is one multiplication by a power of
    /// the prime, folded into the multiplication before it. When the sender and the nonce
    /// fit in 16 bits and the arrival in 24 (the usual case; one well-predicted branch),
    /// the same bits come from 7 dependent multiplications.
    @inlinable
    public init(sender: Address, nonce: UInt64, arrival: UInt64) {
        let senderBits = UInt64(sender.rawValue)
        guard (senderBits | nonce) >> 16 == 0 && arrival >> 24 == 0 else {
            rawValue = Self.bytewise(sender: senderBits, nonce: nonce, arrival: arrival)
            return
        }
        let prime: UInt64 = 0x0000_0100_0000_01b3
        // prime^3, prime^6 and prime^7 modulo 2^64.
        let prime3: UInt64 = 0x08a9_7b00_04e7_feab
        let prime6: UInt64 = 0xdc96_6432_edf1_c639
        let prime7: UInt64 = 0xc552_7b8a_51d3_d2db
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        hash = (hash ^ (senderBits & 0xff)) &* prime
        hash = (hash ^ (senderBits >> 8)) &* prime3  // and the sender's two zero bytes
        hash = (hash ^ (nonce & 0xff)) &* prime
        hash = (hash ^ (nonce >> 8)) &* prime7  // and the nonce's six zero bytes
        hash = (hash ^ (arrival & 0xff)) &* prime
        hash = (hash ^ ((arrival >> 8) & 0xff)) &* prime
        hash = (hash ^ (arrival >> 16)) &* prime6  // and the arrival's five zero bytes
        rawValue = hash
    }

    /// FNV-1a one byte at a time, for any values.
    @inlinable
    static func bytewise(sender: UInt64, nonce: UInt64, arrival: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func absorb(_ value: UInt64, bytes: Int) {
            var remaining = value
            for _ in 0..<bytes {
                hash ^= remaining & 0xff
                hash = hash &* 0x0000_0100_0000_01b3
                remaining >>= 8
            }
        }
        absorb(sender, bytes: 4)
        absorb(nonce, bytes: 8)
        absorb(arrival, bytes: 8)
        return hash
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
