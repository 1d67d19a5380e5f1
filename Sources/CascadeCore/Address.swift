/// An account on the simulated chain: an agent's wallet, a contract, or a system sink.
///
/// Addresses are dense small integers handed out when a world is wired, not 20-byte hashes:
/// nothing in the model depends on their bits, and a dense id lets balances live in arrays.
/// The world keeps the human name of each address for outputs.
public struct Address: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The zero address: mints come from it and burns go to it.
    public static let zero = Address(0)

    public static func < (lhs: Address, rhs: Address) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "0x\(String(rawValue, radix: 16))" }
}
