/// A stable 128-bit fingerprint of a world as the simulation received it, recorded in
/// every run's outputs so results can be traced to the exact world that produced them.
///
/// The hash is FNV-1a with 128-bit state (offset basis 0x6c62272e07bb014262b821756295c58d,
/// prime 2^88 + 0x13B), fixed here and never `hashValue`, so it is the same on every
/// machine and in every process. It runs over:
/// 1. the canonical text of the parsed tree after overrides (`JSONSerializer`: compact,
///    keys in file order, numbers as written), so whitespace and indentation do not matter
///    but any value, key or key order does;
/// 2. then for each data file read while decoding, in the order read: a line feed, the
///    path as written in the world, a line feed, the byte count in decimal, a line feed,
///    and the bytes; so editing a price CSV changes the digest too.
///
/// FNV-1a is not cryptographic: the digest identifies worlds, it does not authenticate.
public struct WorldDigest: Hashable, Sendable, CustomStringConvertible {
    /// The 128-bit value.
    public let value: UInt128

    /// The digest of `world` and `dataFiles`.
    public init(world: JSONValue, dataFiles: [DataFile] = []) {
        var hasher = FNV1a128()
        hasher.update(JSONSerializer.canonicalBytes(world))
        for file in dataFiles {
            hasher.update([0x0A])
            hasher.update(Array(file.reference.utf8))
            hasher.update([0x0A])
            hasher.update(Array(String(file.bytes.count).utf8))
            hasher.update([0x0A])
            hasher.update(file.bytes)
        }
        value = hasher.value
    }

    /// 32 lower-case hex digits, as written to `summary.json` (`world_digest`).
    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 32 - digits.count) + digits
    }
}

/// FNV-1a over bytes with a 128-bit state.
struct FNV1a128 {
    private(set) var value: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
    private static let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013B

    mutating func update(_ bytes: [UInt8]) {
        var state = value
        for byte in bytes {
            state ^= UInt128(byte)
            state = state &* FNV1a128.prime
        }
        value = state
    }
}
