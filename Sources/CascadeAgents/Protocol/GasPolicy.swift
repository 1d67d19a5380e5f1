import CascadeChain
import CascadeCore

/// How a protocol-world agent prices its gas: a base strategy, an optional ceiling above
/// which it does not send, and an optional raise-on-compete rule.
///
/// **Ceiling.** When the next block's base fee plus the strategy's tip is above
/// `ceiling`, the agent does not send (and does not raise): Black Thursday's oracle
/// operators stalled above ~100 gwei (HISTORY.md §1); a keeper with a stale ceiling
/// stops in congestion the same way. A bid under the ceiling is capped at it.
///
/// **Raise on compete** (a priority gas auction, HISTORY.md §8): when the agent judges a
/// pending attempt contested, it replaces it with both caps raised by `raisePercent`
/// (≥ 10, the pool's replacement bump; rounded up) but never above `raiseCap`.
public struct GasPolicy: Hashable, Sendable {
    public var strategy: GasStrategy
    /// Wei per gas; nil for none.
    public var ceiling: Wei?
    /// Percent per raise when contested; nil: never raises.
    public var raisePercent: UInt64?
    /// The highest fee cap (wei per gas) a raise may reach.
    public var raiseCap: Wei

    public init(
        strategy: GasStrategy, ceiling: Wei? = nil, raisePercent: UInt64? = nil,
        raiseCap: Wei = .gwei(1_000)
    ) {
        precondition(raisePercent.map { $0 >= 10 } ?? true, "a raise must be at least 10%")
        self.strategy = strategy
        self.ceiling = ceiling
        self.raisePercent = raisePercent
        self.raiseCap = raiseCap
    }

    /// A fixed legacy-style bid of `gwei` (tip and cap equal).
    public static func fixed(gwei: UInt64) -> GasPolicy {
        GasPolicy(strategy: .fixed(.eip1559(maxFee: .gwei(gwei), priorityFee: .gwei(gwei))))
    }

    /// The bid to send now, or nil when the gas price needed is above the ceiling: the
    /// next base fee at or above it (nothing under the ceiling can be included), or a
    /// legacy price above it. An EIP-1559 bid is capped at the ceiling. `marketPrice` is
    /// the newest observed block's mean gas price (for `.marketMultiple`).
    public func bid(nextBaseFee: Wei, marketPrice: Wei = 0) -> GasBid? {
        let bid = strategy.bid(nextBaseFee: nextBaseFee, marketPrice: marketPrice)
        guard let ceiling else { return bid }
        switch bid {
        case .legacy(let price):
            return price <= ceiling && nextBaseFee < ceiling ? bid : nil
        case .eip1559(let maxFee, let tip):
            guard nextBaseFee < ceiling else { return nil }
            let cap = min(maxFee, ceiling)
            return .eip1559(maxFee: cap, priorityFee: min(tip, cap))
        }
    }

    /// `old` raised for a contested attempt, or nil when no raise is allowed (no rule, the
    /// cap reached, or above the ceiling).
    public func raised(_ old: GasBid) -> GasBid? {
        guard let percent = raisePercent else { return nil }
        func raise(_ value: Wei) -> Wei {
            max((value * Wei(100 + percent) + 99) / 100, value + 1)
        }
        let limit = min(raiseCap, ceiling ?? raiseCap)
        switch old {
        case .legacy(let price):
            let new = raise(price)
            return new <= limit ? .legacy(gasPrice: new) : nil
        case .eip1559(let maxFee, let tip):
            let newCap = raise(maxFee)
            guard newCap <= limit else { return nil }
            return .eip1559(maxFee: newCap, priorityFee: min(raise(tip), newCap))
        }
    }
}
