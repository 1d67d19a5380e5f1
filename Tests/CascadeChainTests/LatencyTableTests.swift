import CascadeKernel
import Testing

@testable import CascadeAgents

/// The sampler's table, built with one draw per bucket and a second only where the value
/// moves, against the table of both ends of every bucket that it replaced: the same
/// entries, bucket for bucket.
@Suite("Latency models: the sampler's table")
struct LatencyTableTests {
    /// Each bucket's first and last uniforms drawn, the bucket kept when they agree (the
    /// seams of the normal approximation always computed).
    static func bothEnds(medianMs: Double, sigma: Double) -> [UInt16] {
        let shift = UInt64(53 - LatencySampler.tableBits)
        let seams: [UInt64] = [
            UInt64(0.02425 * 0x1p53) >> shift, UInt64((1 - 0.02425) * 0x1p53) >> shift,
        ]
        var table = [UInt16](repeating: .max, count: 1 << LatencySampler.tableBits)
        for bucket in table.indices where !seams.contains(UInt64(bucket)) {
            let first = UInt64(bucket) << shift
            let last = first + (1 << shift) - 1
            let low = LatencyModel.logNormalMs(medianMs: medianMs, sigma: sigma, bits: first)
            let high = LatencyModel.logNormalMs(medianMs: medianMs, sigma: sigma, bits: last)
            if low == high && low < Int64(UInt16.max) { table[bucket] = UInt16(low) }
        }
        return table
    }

    @Test(arguments: [
        (100.0, 0.5), (300, 0.5), (1, 4), (40_000, 2), (250, 0), (12, 0.05), (2_000, 1.5),
    ])
    func tableMatchesBothEnds(medianMs: Double, sigma: Double) {
        let sampler = LatencySampler(.logNormal(medianMs: medianMs, sigma: sigma))
        let expected = Self.bothEnds(medianMs: medianMs, sigma: sigma)
        #expect(sampler.table.count == expected.count)
        let differing = expected.indices.filter {
            $0 < sampler.table.count && sampler.table[$0] != expected[$0]
        }
        #expect(differing.isEmpty, "buckets \(differing.prefix(5)) differ")
        // A narrow model's table is mostly lookups (a wide one's values move from bucket
        // to bucket, or pass `UInt16.max`, and are computed).
        if sigma <= 0.5 && medianMs <= 300 {
            #expect(expected.filter { $0 != .max }.count > expected.count / 2)
        }
    }
}
