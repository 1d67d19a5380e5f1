import CascadeCore

/// Fast `Double` approximations of on-chain integers, for agents' off-chain reasoning only
/// (never for state). The standard library's `Double(UInt128)` takes a generic path that
/// was a quarter of the world benchmark; these split into 64-bit halves. Deterministic,
/// within a few ulps of the exact rounding.
extension UInt128 {
    var approximateValue: Double {
        Double(UInt64(truncatingIfNeeded: self >> 64)) * 0x1p64
            + Double(UInt64(truncatingIfNeeded: self))
    }
}

extension UInt256 {
    var approximateValue: Double {
        high.approximateValue * 0x1p128 + low.approximateValue
    }
}
