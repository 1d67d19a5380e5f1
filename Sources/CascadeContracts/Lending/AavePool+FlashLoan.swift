import CascadeCore

extension AavePool {
    /// A flash loan lent in the running transaction: `amount + premium` of the reserve's
    /// underlying is owed by `receiver` when the transaction ends.
    public struct FlashLoan: Hashable, Sendable {
        public let asset: Int
        public let receiver: Address
        public let amount: UInt256
        public let premium: UInt256
        /// The block's timestamp, for the reserve's `updateState` at repayment.
        let timestamp: UInt64
    }

    /// `flashLoan`'s first half (Aave v2 `LendingPool.flashLoan`, one asset, no debt
    /// mode): the premium is `amount · FLASHLOAN_PREMIUM_TOTAL / 10,000`, rounded down, and
    /// the amount leaves the aToken for the receiver. The rest of the transaction is the
    /// receiver's `executeOperation`; `settleFlashLoans` is the second half.
    mutating func lendFlash(
        asset: Int, amount: UInt256, to receiver: Address, now: UInt64, ledger: inout TokenLedger
    ) throws(Revert) -> FlashLoan {
        guard !amount.isZero else { throw Revert("INCONSISTENT_FLASHLOAN_PARAMS") }
        let terms = reserves[asset].configuration
        // The aToken's `transferUnderlyingTo`: the reserve's cash must hold it.
        try ledger.requireBalance(of: terms.token, terms.aToken, atLeast: amount)
        let premium = amount * configuration.flashLoanPremiumBps / .percentageFactor
        let loan = FlashLoan(
            asset: asset, receiver: receiver, amount: amount, premium: premium, timestamp: now)
        ledger.move(terms.token, from: terms.aToken, to: receiver, amount: amount)
        pendingFlashLoans.append(loan)
        return loan
    }

    /// `flashLoan`'s second half, when the transaction's calls are done: per loan, the
    /// reserve is brought up to date (`updateState`), the premium is added to the
    /// suppliers' income (`cumulateToLiquidityIndex` over the aToken's total supply), the
    /// rates are recomputed with the repayment counted as cash, and `amount + premium` is
    /// pulled from the receiver — who must hold it, or the whole transaction reverts.
    public mutating func settleFlashLoans(ledger: inout TokenLedger) throws(Revert) {
        // Every balance first: nothing is written unless every loan can be repaid.
        var owed: [(token: TokenID, receiver: Address, amount: UInt256)] = []
        for loan in pendingFlashLoans {
            let token = reserves[loan.asset].configuration.token
            let due = loan.amount + loan.premium
            let earlier = owed.lazy.filter { $0.token == token && $0.receiver == loan.receiver }
                .reduce(UInt256.zero) { $0 + $1.amount }
            guard ledger.amount(of: token, loan.receiver) >= earlier + due else {
                throw Revert("ERC20: transfer amount exceeds balance")
            }
            owed.append((token, loan.receiver, due))
        }
        for loan in pendingFlashLoans {
            var reserve = reserves[loan.asset].accrued(
                at: loan.timestamp, version: configuration.version)
            let terms = reserve.configuration
            if !loan.premium.isZero {
                // `amount.wadToRay().rayDiv(totalLiquidity.wadToRay())`: the scaling is the
                // same on both sides, so only the rounding of the ray division remains.
                let totalLiquidity = rayMul(reserve.scaledSupply, reserve.liquidityIndex)
                if !totalLiquidity.isZero {
                    let ratio = rayDiv(loan.premium * Self.wadToRay, totalLiquidity * Self.wadToRay)
                    reserve.liquidityIndex = rayMul(ratio + .ray, reserve.liquidityIndex)
                }
            }
            let due = loan.amount + loan.premium
            reserve = reserve.withRates(cash: cash(of: reserve, in: ledger) + due)
            reserves[loan.asset] = reserve
            ledger.move(terms.token, from: loan.receiver, to: terms.aToken, amount: due)
        }
        pendingFlashLoans.removeAll()
    }

    /// 1e9: `wadToRay`.
    static let wadToRay: UInt256 = 1_000_000_000
}
