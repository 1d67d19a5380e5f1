import CascadeContracts
import CascadeTestSupport
import Testing

/// `OptionsMath.double` against the standard library's `Double(Int128)`: bit for bit, on
/// the edges (powers of two, ties just above 2^53 and 2^64 + …, the extremes) and on random
/// values of every width. The exchange's prices depend on it, so any difference would move
/// a mark by a bit.
@Suite("Options: Int128 to Double")
struct OptionsConversionTests {
    static func check(_ value: Int128) {
        let expected = Double(value)
        let actual = OptionsMath.double(value)
        #expect(actual.bitPattern == expected.bitPattern, "\(value)")
    }

    @Test("edges: powers of two, ties, extremes")
    func edges() {
        var values: [Int128] = [0, 1, -1, .max, .min, .max - 1, .min + 1]
        for bits in 0..<127 {
            let power = Int128(1) << bits
            values += [power, power - 1, power + 1, -power, -power + 1, -power - 1]
            // Ties and near-ties at each width: 2^bits + 2^(bits − 53) (± 1).
            if bits > 53 {
                let half = Int128(1) << (bits - 53)
                values += [power + half, power + half - 1, power + half + 1, power + 3 * half]
                values += [-(power + half), -(power + 3 * half)]
            }
        }
        for value in values { Self.check(value) }
    }

    @Test("random values of every width", arguments: 0..<8 as Range<UInt64>)
    func random(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<20_000 {
            let raw = UInt128(random.next()) << 64 | UInt128(random.next())
            let width = Int(random.next(below: 128))
            let value = Int128(truncatingIfNeeded: raw >> (127 - width))
            Self.check(random.next(below: 2) == 0 ? value : -value)
        }
    }
}
