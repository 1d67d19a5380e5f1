/// Naive reference models of the chain's arithmetic, written from the specifications'
/// text as directly as possible, for model-based tests of CascadeChain.
public enum ChainReference {
    /// EIP-1559 base fee of a child block, transcribed from the spec's Python
    /// (ethereum/EIPs `EIPS/eip-1559.md`), with `//` as floor division.
    public static func baseFee(
        parentBaseFee: UInt128, parentGasLimit: UInt64,
        parentGasUsed: UInt64
    ) -> UInt128 {
        let parentGasTarget = UInt128(parentGasLimit / 2)
        let used = UInt128(parentGasUsed)
        if used == parentGasTarget {
            return parentBaseFee
        } else if used > parentGasTarget {
            let gasUsedDelta = used - parentGasTarget
            let baseFeeDelta = Swift.max(parentBaseFee * gasUsedDelta / parentGasTarget / 8, 1)
            return parentBaseFee + baseFeeDelta
        } else {
            let gasUsedDelta = parentGasTarget - used
            let baseFeeDelta = parentBaseFee * gasUsedDelta / parentGasTarget / 8
            return parentBaseFee - baseFeeDelta
        }
    }

    /// geth `list.Add` replacement test with `PriceBump = 10`.
    public static func replaces(
        oldFeeCap: UInt128, oldTip: UInt128, newFeeCap: UInt128,
        newTip: UInt128
    ) -> Bool {
        if oldFeeCap >= newFeeCap || oldTip >= newTip { return false }
        let thresholdFeeCap = oldFeeCap * 110 / 100
        let thresholdTip = oldTip * 110 / 100
        return newFeeCap >= thresholdFeeCap && newTip >= thresholdTip
    }
}
