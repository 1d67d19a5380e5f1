/// A transaction's offer for gas: what it pays per unit, and how that is split.
///
/// Both shapes reduce to a fee cap and a tip cap, as go-ethereum treats them: a legacy gas
/// price `p` is a cap of `p` and a tip of `p`. The effective price in a block with base fee
/// `b` is `b + min(tipCap, feeCap − b)`, which under a legacy market (`b = 0`) is `p`.
public enum GasBid: Hashable, Sendable {
    /// EIP-1559: at most `maxFee` wei per gas in total, of which at most `priorityFee` tip.
    case eip1559(maxFee: Wei, priorityFee: Wei)
    /// First-price: `gasPrice` wei per gas, all of it to the producer (no base fee burned).
    case legacy(gasPrice: Wei)

    /// The most this bid pays per gas (`gasFeeCap` in go-ethereum).
    @inlinable
    public var feeCap: Wei {
        switch self {
        case .eip1559(let maxFee, _): maxFee
        case .legacy(let gasPrice): gasPrice
        }
    }

    /// The most this bid tips per gas (`gasTipCap` in go-ethereum).
    @inlinable
    public var tipCap: Wei {
        switch self {
        case .eip1559(_, let priorityFee): priorityFee
        case .legacy(let gasPrice): gasPrice
        }
    }

    /// The tip per gas at `baseFee`: `min(tipCap, feeCap − baseFee)`, or nil when the fee
    /// cap is below the base fee (the transaction is not includable and waits).
    @inlinable
    public func effectiveTip(baseFee: Wei) -> Wei? {
        let cap = feeCap
        guard cap >= baseFee else { return nil }
        return min(tipCap, cap - baseFee)
    }
}

/// How blocks price gas and order transactions; chosen per world.
public enum FeeMarket: Hashable, Sendable {
    /// London-era Ethereum: the EIP-1559 base fee (burned) plus a priority fee (to the
    /// producer); the builder orders by effective tip.
    case eip1559
    /// 2020-era Ethereum: first-price gas-price auctions; no base fee, all fees to the
    /// producer; the builder orders by gas price.
    case legacy
    /// An L2 or app-chain sequencer: first come, first served, at a fixed base fee that is
    /// burned (tips, if any, go to the sequencer).
    case sequencer(baseFee: Wei)

    /// Whether the builder orders by arrival instead of by tip.
    public var ordersByArrival: Bool {
        if case .sequencer = self { return true }
        return false
    }

    /// The base fee of a chain's first block.
    public var initialBaseFee: Wei {
        switch self {
        case .eip1559: EIP1559.initialBaseFee
        case .legacy: 0
        case .sequencer(let baseFee): baseFee
        }
    }

    /// The base fee of the block after `parent`.
    public func nextBaseFee(parentBaseFee: Wei, parentGasLimit: Gas, parentGasUsed: Gas) -> Wei {
        switch self {
        case .eip1559:
            EIP1559.nextBaseFee(
                parentBaseFee: parentBaseFee, parentGasLimit: parentGasLimit,
                parentGasUsed: parentGasUsed)
        case .legacy: 0
        case .sequencer(let baseFee): baseFee
        }
    }
}

/// The exact integer rules of EIP-1559 (ethereum/EIPs `EIPS/eip-1559.md`; go-ethereum
/// `consensus/misc/eip1559/eip1559.go` and `consensus/misc/gaslimit.go`).
public enum EIP1559 {
    /// `INITIAL_BASE_FEE`: 1 gwei.
    public static let initialBaseFee: Wei = 1_000_000_000
    /// `BASE_FEE_MAX_CHANGE_DENOMINATOR`.
    public static let baseFeeChangeDenominator: Wei = 8
    /// `ELASTICITY_MULTIPLIER`: the gas target is half the limit.
    public static let elasticityMultiplier: Gas = 2
    /// `GasLimitBoundDivisor`: a block moves the limit by less than parent / 1024.
    public static let gasLimitBoundDivisor: Gas = 1024
    /// `MinGasLimit`.
    public static let minimumGasLimit: Gas = 5000

    /// The base fee of the child of a post-London parent.
    ///
    /// The order of operations is the specification's: multiply, divide by the target,
    /// then by 8 (floor each time). An increase is at least 1 wei; a decrease has no
    /// minimum, so a base fee of 7 stays 7 after an empty block.
    ///
    /// Precondition: `parentGasUsed <= parentGasLimit`, `parentGasLimit >= 2`.
    public static func nextBaseFee(parentBaseFee: Wei, parentGasLimit: Gas, parentGasUsed: Gas)
        -> Wei
    {
        precondition(parentGasUsed <= parentGasLimit, "gas used above the gas limit")
        let target = parentGasLimit / elasticityMultiplier
        precondition(target > 0, "gas target must be positive")
        if parentGasUsed == target {
            return parentBaseFee
        }
        if parentGasUsed > target {
            let excess = Wei(parentGasUsed - target)
            let delta = max(parentBaseFee * excess / Wei(target) / baseFeeChangeDenominator, 1)
            return parentBaseFee + delta
        }
        let shortfall = Wei(target - parentGasUsed)
        let delta = parentBaseFee * shortfall / Wei(target) / baseFeeChangeDenominator
        return parentBaseFee - delta
    }

    /// Whether `gasLimit` may follow `parentGasLimit`: `|Δ| < parent / 1024` (strict) and
    /// `gasLimit >= 5000` (go-ethereum `VerifyGaslimit`).
    public static func isValidGasLimit(_ gasLimit: Gas, parentGasLimit: Gas) -> Bool {
        let difference =
            gasLimit > parentGasLimit ? gasLimit - parentGasLimit : parentGasLimit - gasLimit
        return difference < parentGasLimit / gasLimitBoundDivisor && gasLimit >= minimumGasLimit
    }

    /// The valid limit closest to `target` that may follow `parentGasLimit`: producers
    /// voting the limit toward a target move it by at most `parent / 1024 − 1` a block.
    public static func gasLimitStep(from parentGasLimit: Gas, toward target: Gas) -> Gas {
        let bound = parentGasLimit / gasLimitBoundDivisor
        let step = bound > 0 ? bound - 1 : 0
        var next = parentGasLimit
        if target > parentGasLimit {
            next = parentGasLimit + min(step, target - parentGasLimit)
        } else if target < parentGasLimit {
            next = parentGasLimit - min(step, parentGasLimit - target)
        }
        return max(next, minimumGasLimit)
    }
}

/// What one transaction's gas paid, split by destination.
public struct FeeSplit: Hashable, Sendable {
    /// `gasUsed × effective price`: what the sender paid in total.
    public var paid: Wei
    /// `gasUsed × base fee`: destroyed.
    public var burned: Wei
    /// `gasUsed × effective tip`: to the block producer.
    public var tip: Wei

    /// The split of `gasUsed` at `baseFee` plus `effectiveTip` per gas.
    @inlinable
    public init(gasUsed: Gas, baseFee: Wei, effectiveTip: Wei) {
        burned = Wei(gasUsed) * baseFee
        tip = Wei(gasUsed) * effectiveTip
        paid = burned + tip
    }
}
