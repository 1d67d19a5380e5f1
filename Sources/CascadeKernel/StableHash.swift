/// Fixed hash functions for anything that must give the same bits on every run.
///
/// Swift's `Hasher` (and so `hashValue`) is seeded per process; nothing derived from it may
/// reach an outcome. These are documented, fixed functions instead.
public enum StableHash {
    /// FNV-1a, 64-bit, over the UTF-8 bytes of `text`.
    ///
    /// Used to turn an agent's stable name into the key of its random stream.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The SplitMix64 finaliser: a bijective 64-bit mix with full avalanche.
    @inlinable
    public static func mix64(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
