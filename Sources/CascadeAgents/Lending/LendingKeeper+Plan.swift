import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

extension LendingKeeper {
    /// One liquidation worth sending: the call, what it is for, and its expected profit
    /// (USD).
    struct Plan {
        var call: ProtocolState.Call
        var task: LendingKeeperTask
        var profit: Double
    }

    /// Compound's protocol seize share (2.8%), which the liquidator does not receive.
    static let compoundProtocolShare = 0.028

    /// The liquidation of `account` it would send now, or nil when none pays (see the
    /// type's "Decision"). Off-chain arithmetic in `Double`; the amounts sent are integers
    /// and the pool does the exact arithmetic.
    func plan(
        _ account: Address, _ pair: LendingPair, _ state: ProtocolState, at timestamp: UInt64,
        gas: Double, now: SimTime
    ) -> Plan? {
        let capital = UInt256(
            state.ledger.balance(of: reader.token(pair.debt, state), settings.address))
        let debt = reader.debt(of: account, asset: pair.debt, state, at: timestamp)
        guard !capital.isZero, !debt.isZero else { return nil }
        var repay = min(capital, maxRepayment(account, debt: debt, state, at: timestamp))
        let debtUnit = UInt256.powerOfTen(reader.decimals(pair.debt, state)).approximateValue
        let collateralUnit = UInt256.powerOfTen(reader.decimals(pair.collateral, state))
            .approximateValue
        let debtPrice = reader.oraclePrice(pair.debt, state).approximateValue / 1e18
        let collateralPrice = reader.oraclePrice(pair.collateral, state).approximateValue / 1e18
        guard debtPrice > 0, collateralPrice > 0 else { return nil }
        let bonus = reader.bonus(collateral: pair.collateral, state)
        let held =
            reader.collateral(of: account, asset: pair.collateral, state, at: timestamp)
            .approximateValue / collateralUnit
        // The most the collateral covers with the bonus. Aave caps a repayment there itself
        // and takes the whole collateral (so the keeper asks for more and is valued at the
        // cap); Compound reverts beyond it, so the keeper asks a millionth below.
        let coverable = held * collateralPrice / (debtPrice * (1 + bonus))
        if reader.kind == .compound, repay.approximateValue / debtUnit > coverable {
            repay = UInt256(truncating: coverable * (1 - 1e-6) * debtUnit) ?? .zero
        }
        let share: Double
        switch reader.kind {
        case .compound:
            share = 1 - Self.compoundProtocolShare
        case .aave(let version):
            let fee =
                version == .v2
                ? 0
                : state.aavePools[reader.pool].reserves[pair.collateral].configuration
                    .liquidationProtocolFeeBps.approximateValue / 10_000
            share = 1 - fee * bonus / (1 + bonus)
        }
        for _ in 0..<11 {
            guard !repay.isZero else { return nil }
            let repaid = min(repay.approximateValue / debtUnit, coverable)
            let seized = repaid * debtPrice * (1 + bonus) / collateralPrice * share
            if let cost = view.purchaseCost(venueBase + pair.debt, amount: repaid, at: now) {
                let profit =
                    view.saleValue(venueBase + pair.collateral, amount: seized, at: now) - cost
                    - gas
                if profit > settings.minimumProfit {
                    return Plan(
                        call: call(account, pair, repay),
                        task: LendingKeeperTask(
                            account: account, pair: pair, seizedUnits: seized,
                            repaidUnits: repaid),
                        profit: profit)
                }
            }
            repay /= UInt256(2 as UInt64)
        }
        return nil
    }

    /// The most of `debt` the close factor lets one liquidation repay.
    func maxRepayment(
        _ account: Address, debt: UInt256, _ state: ProtocolState, at timestamp: UInt64
    ) -> UInt256 {
        switch reader.kind {
        case .aave(.v2):
            return debt * AavePool.defaultLiquidationCloseFactorBps / .percentageFactor
        case .aave:
            let health = reader.healthFactor(account, state, at: timestamp)
            return health <= AavePool.closeFactorHealthFactorThreshold
                ? debt : debt * AavePool.defaultLiquidationCloseFactorBps / .percentageFactor
        case .compound:
            let factor = state.compoundComptrollers[reader.pool].configuration.closeFactor
            return UInt256.mulDiv(factor, debt, .wad)
        }
    }

    func call(_ account: Address, _ pair: LendingPair, _ amount: UInt256) -> ProtocolState.Call {
        switch reader.kind {
        case .aave:
            .aave(
                pool: reader.pool,
                .liquidationCall(
                    collateralAsset: pair.collateral, debtAsset: pair.debt, user: account,
                    debtToCover: amount, receiveAToken: false))
        case .compound:
            .compound(
                comptroller: reader.pool,
                .liquidateBorrow(
                    borrowMarket: pair.debt, borrower: account, repayAmount: amount,
                    collateralMarket: pair.collateral))
        }
    }
}

extension MarketView {
    /// What buying `amount` units of venue `index` at `time` costs on the last book
    /// received, or nil when the book cannot fill it.
    mutating func purchaseCost(_ index: Int, amount: Double, at time: SimTime) -> Double? {
        guard amount > 0 else { return 0 }
        let venue = venues[index]
        let fill = venue.priceAfterBuying(
            amount, reference: reference(index, at: time), at: max(time, venue.updatedAt))
        guard fill.unfilled <= 0 else { return nil }
        return fill.filled * fill.averagePrice
    }
}
