/// A 64-bit fingerprint of everything a run processed, printed at its end.
///
/// Two runs with the same digest processed the same events (time, target, sequence and
/// message contents) in the same order, so "are these runs identical?" is answered at a
/// glance. The fold is a fixed multiply-xorshift over 64-bit words, finished by the
/// SplitMix64 avalanche; it is not cryptographic, only stable and well mixed.
public struct RunDigest: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline var state: UInt64

    public init() {
        state = 0x6a09_e667_f3bc_c908
    }

    /// Folds one 64-bit word into the digest.
    @inlinable
    public mutating func combine(_ word: UInt64) {
        state = (state ^ word) &* 0x9e37_79b9_7f4a_7c15
        state ^= state >> 29
    }

    /// Folds the UTF-8 bytes of `text`, eight at a time, then its length.
    public mutating func combine(_ text: String) {
        var word: UInt64 = 0
        var filled = 0
        for byte in text.utf8 {
            word |= UInt64(byte) << (8 * UInt64(filled))
            filled += 1
            if filled == 8 {
                combine(word)
                word = 0
                filled = 0
            }
        }
        combine(word)
        combine(UInt64(text.utf8.count))
    }

    /// The finished 64-bit value.
    public var value: UInt64 { StableHash.mix64(state) }

    /// Sixteen hex digits, zero-padded.
    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A message the kernel can fold into the run digest.
///
/// Fold every field that distinguishes one message from another; the kernel adds the
/// event's time, sequence and target itself.
public protocol DigestFoldable {
    func fold(into digest: inout RunDigest)
}
