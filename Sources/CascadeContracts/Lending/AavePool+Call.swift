import CascadeCore

extension AavePool {
    /// The requests the pool accepts. Assets are reserve ids; amounts are base units of the
    /// reserve's underlying. Each call acts for its caller (no `onBehalfOf`).
    public enum Call: Hashable, Sendable {
        /// Deposits `amount` and mints aTokens (`Pool.supply`).
        case supply(asset: Int, amount: UInt256)
        /// Burns aTokens for `amount` of underlying; `UInt256.max` withdraws everything.
        /// Reverts if the health factor would fall below 1.
        case withdraw(asset: Int, amount: UInt256)
        /// Borrows `amount` at the variable rate against the caller's collateral.
        case borrow(asset: Int, amount: UInt256)
        /// Repays up to `amount` of the caller's variable debt; `UInt256.max` repays it all.
        case repay(asset: Int, amount: UInt256)
        /// Repays up to `debtToCover` of `user`'s debt in `debtAsset` and takes
        /// `collateralAsset` with the bonus, as underlying or (`receiveAToken`) as aTokens.
        case liquidationCall(
            collateralAsset: Int, debtAsset: Int, user: Address, debtToCover: UInt256,
            receiveAToken: Bool)
        /// The oracle's new price for `asset`: base currency, 8 decimals, in (0, 2^96).
        case setAssetPrice(asset: Int, price: UInt256)
        /// Lends `amount` of `asset` to the caller for the rest of the transaction
        /// (`flashLoanSimple` with the caller as receiver): the amount and the premium are
        /// pulled back when the transaction ends, or it reverts whole.
        case flashLoan(asset: Int, amount: UInt256)
    }

    /// A liquidation: the trace's `liquidation_call` fields plus Aave's own.
    public struct Liquidation: Hashable, Sendable {
        public var call: LiquidationCall
        public var receiveAToken: Bool
        /// The most debt the close-factor rule allowed, debt asset base units.
        public var maxLiquidatableDebt: UInt256
        /// Debt of the debt asset burned into the reserve's deficit (v3.3), base units.
        public var deficit: UInt256
    }

    /// What happened, with the indexes used, so balances can be recomputed from a trace.
    public enum Event: Hashable, Sendable {
        case supplied(asset: Int, user: Address, amount: UInt256, liquidityIndex: UInt256)
        case withdrawn(asset: Int, user: Address, amount: UInt256, liquidityIndex: UInt256)
        case borrowed(asset: Int, user: Address, amount: UInt256, variableBorrowIndex: UInt256)
        case repaid(asset: Int, user: Address, amount: UInt256, variableBorrowIndex: UInt256)
        case liquidated(Liquidation)
        /// v3.3: debt with no collateral behind it burned and booked as the reserve's deficit.
        case deficitCreated(asset: Int, user: Address, amount: UInt256)
        case priceSet(asset: Int, price: UInt256)
        /// A flash loan lent; `premium` is owed with the amount when the transaction ends.
        case flashLoaned(asset: Int, receiver: Address, amount: UInt256, premium: UInt256)

        /// The trace's `type`.
        public var traceType: String {
            switch self {
            case .supplied: "supply"
            case .withdrawn: "withdraw"
            case .borrowed: "borrow"
            case .repaid: "repay"
            case .liquidated: "liquidation_call"
            case .deficitCreated: "deficit"
            case .priceSet: "price_set"
            case .flashLoaned: "flash_loan"
            }
        }

        /// The trace's fields, INTERFACE.md's first, values as exact decimal integers.
        public func traceFields(assetName: (Int) -> String) -> [(name: String, value: String)] {
            switch self {
            case .supplied(let asset, let user, let amount, let index),
                .withdrawn(let asset, let user, let amount, let index):
                [
                    ("asset", assetName(asset)), ("user", user.description),
                    ("amount", amount.description), ("liquidity_index", index.description),
                ]
            case .borrowed(let asset, let user, let amount, let index),
                .repaid(let asset, let user, let amount, let index):
                [
                    ("asset", assetName(asset)), ("user", user.description),
                    ("amount", amount.description),
                    ("variable_borrow_index", index.description),
                ]
            case .liquidated(let liquidation):
                liquidation.call.traceFields(assetName: assetName) + [
                    ("receive_a_token", liquidation.receiveAToken ? "true" : "false"),
                    ("max_liquidatable_debt", liquidation.maxLiquidatableDebt.description),
                    ("deficit", liquidation.deficit.description),
                ]
            case .deficitCreated(let asset, let user, let amount):
                [
                    ("asset", assetName(asset)), ("user", user.description),
                    ("amount", amount.description),
                ]
            case .priceSet(let asset, let price):
                [("asset", assetName(asset)), ("price", price.description)]
            case .flashLoaned(let asset, let receiver, let amount, let premium):
                [
                    ("asset", assetName(asset)), ("receiver", receiver.description),
                    ("amount", amount.description), ("premium", premium.description),
                ]
            }
        }
    }

    /// Runs one call. On a revert, `self`, `ledger` and `events` are unchanged: each
    /// operation computes its new reserve on a copy and checks every condition, including
    /// the balances its transfers need, before its first write.
    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, ledger: inout TokenLedger,
        events: inout [Event]
    ) throws(Revert) {
        let now = block.timestamp
        switch call {
        case .supply(let asset, let amount):
            try requireReserve(asset)
            try supply(asset: asset, amount: amount, user: caller, now: now, ledger: &ledger)
            events.append(
                .supplied(
                    asset: asset, user: caller, amount: amount,
                    liquidityIndex: reserves[asset].liquidityIndex))
        case .withdraw(let asset, let amount):
            try requireReserve(asset)
            let withdrawn = try withdraw(
                asset: asset, amount: amount, user: caller, now: now, ledger: &ledger)
            events.append(
                .withdrawn(
                    asset: asset, user: caller, amount: withdrawn,
                    liquidityIndex: reserves[asset].liquidityIndex))
        case .borrow(let asset, let amount):
            try requireReserve(asset)
            try borrow(asset: asset, amount: amount, user: caller, now: now, ledger: &ledger)
            events.append(
                .borrowed(
                    asset: asset, user: caller, amount: amount,
                    variableBorrowIndex: reserves[asset].variableBorrowIndex))
        case .repay(let asset, let amount):
            try requireReserve(asset)
            let repaid = try repay(
                asset: asset, amount: amount, user: caller, now: now, ledger: &ledger)
            events.append(
                .repaid(
                    asset: asset, user: caller, amount: repaid,
                    variableBorrowIndex: reserves[asset].variableBorrowIndex))
        case .liquidationCall(let collateral, let debt, let user, let debtToCover, let receive):
            try requireReserve(collateral)
            try requireReserve(debt)
            try liquidationCall(
                LiquidationRequest(
                    collateralAsset: collateral, debtAsset: debt, user: user,
                    debtToCover: debtToCover, receiveAToken: receive, liquidator: caller),
                now: now, ledger: &ledger, events: &events)
        case .setAssetPrice(let asset, let price):
            try requireReserve(asset)
            guard caller == configuration.oracle else { throw Revert("CALLER_NOT_ORACLE") }
            guard !price.isZero && price < Self.priceLimit else { throw Revert("INVALID_PRICE") }
            reserves[asset].price = price
            events.append(.priceSet(asset: asset, price: price))
        case .flashLoan(let asset, let amount):
            try requireReserve(asset)
            let loan = try lendFlash(
                asset: asset, amount: amount, to: caller, now: now, ledger: &ledger)
            events.append(
                .flashLoaned(
                    asset: asset, receiver: caller, amount: amount, premium: loan.premium))
        }
    }

    func requireReserve(_ asset: Int) throws(Revert) {
        guard reserves.indices.contains(asset) else { throw Revert("ASSET_NOT_LISTED") }
    }

    /// Whether `user` owes anything in any reserve (`isBorrowingAny`).
    func isBorrowing(_ user: Address) -> Bool {
        reserves.indices.contains { !scaledDebt(of: user, asset: $0).isZero }
    }

    // MARK: - Supply, withdraw, borrow, repay (SupplyLogic, BorrowLogic)

    /// `executeSupply`: accrue, mint `amount.rayDiv(index)` aTokens, update the rates with
    /// the deposit counted as cash, take the underlying.
    mutating func supply(
        asset: Int, amount: UInt256, user: Address, now: UInt64, ledger: inout TokenLedger
    ) throws(Revert) {
        guard !amount.isZero else { throw Revert("INVALID_AMOUNT") }
        var reserve = reserves[asset].accrued(at: now, version: configuration.version)
        let terms = reserve.configuration
        let scaled = rayDiv(amount, reserve.liquidityIndex)
        guard !scaled.isZero else { throw Revert("INVALID_MINT_AMOUNT") }
        try ledger.requireBalance(of: terms.token, user, atLeast: amount)
        reserve.scaledSupply += scaled
        reserve = reserve.withRates(cash: cash(of: reserve, in: ledger) + amount)

        reserves[asset] = reserve
        addCollateral(scaled, to: user, asset: asset)
        ledger.move(terms.token, from: user, to: terms.aToken, amount: amount)
    }

    /// `executeWithdraw`: burn aTokens for `amount` (all of them for `UInt256.max`); if
    /// the reserve is collateral and the user borrows, the health factor after must be at
    /// least 1. Returns the amount withdrawn.
    mutating func withdraw(
        asset: Int, amount requested: UInt256, user: Address, now: UInt64,
        ledger: inout TokenLedger
    ) throws(Revert) -> UInt256 {
        var reserve = reserves[asset].accrued(at: now, version: configuration.version)
        let terms = reserve.configuration
        let scaledBalance = scaledCollateral(of: user, asset: asset)
        let balance = rayMul(scaledBalance, reserve.liquidityIndex)
        let amount = requested == .max ? balance : requested
        guard !amount.isZero else { throw Revert("INVALID_AMOUNT") }
        guard amount <= balance else { throw Revert("NOT_ENOUGH_AVAILABLE_USER_BALANCE") }
        let scaled = rayDiv(amount, reserve.liquidityIndex)
        guard !scaled.isZero else { throw Revert("INVALID_BURN_AMOUNT") }
        let remaining = try Checked.difference(scaledBalance, scaled)
        let isCollateral = !terms.liquidationThresholdBps.isZero
        if isCollateral && isBorrowing(user) {
            let after = accountData(
                of: user, at: now, replacingCollateral: (asset: asset, scaled: remaining))
            guard after.healthFactor >= Self.healthFactorLiquidationThreshold else {
                throw Revert("HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD")
            }
        }
        try ledger.requireBalance(of: terms.token, terms.aToken, atLeast: amount)
        reserve.scaledSupply -= scaled
        reserve = reserve.withRates(cash: cash(of: reserve, in: ledger) - amount)

        reserves[asset] = reserve
        removeCollateral(scaled, from: user, asset: asset)
        ledger.move(terms.token, from: terms.aToken, to: user, amount: amount)
        return amount
    }

    /// `executeBorrow` with `validateBorrow`'s checks on the position before the borrow:
    /// some collateral, a non-zero LTV, a health factor above 1, and
    /// `(debt + amount in base).percentDiv(ltv) ≤ collateral`.
    mutating func borrow(
        asset: Int, amount: UInt256, user: Address, now: UInt64, ledger: inout TokenLedger
    ) throws(Revert) {
        guard !amount.isZero else { throw Revert("INVALID_AMOUNT") }
        var reserve = reserves[asset].accrued(at: now, version: configuration.version)
        let terms = reserve.configuration
        let account = accountData(of: user, at: now)
        guard !account.totalCollateralBase.isZero else {
            throw Revert("COLLATERAL_BALANCE_IS_ZERO")
        }
        guard !account.ltvBps.isZero else { throw Revert("LTV_VALIDATION_FAILED") }
        guard account.healthFactor > Self.healthFactorLiquidationThreshold else {
            throw Revert("HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD")
        }
        let amountBase = try Checked.mulDiv(reserve.price, amount, terms.unit)
        let needed = percentDiv(try Checked.sum(account.totalDebtBase, amountBase), account.ltvBps)
        guard needed <= account.totalCollateralBase else {
            throw Revert("COLLATERAL_CANNOT_COVER_NEW_BORROW")
        }
        let scaled = rayDiv(amount, reserve.variableBorrowIndex)
        guard !scaled.isZero else { throw Revert("INVALID_MINT_AMOUNT") }
        try ledger.requireBalance(of: terms.token, terms.aToken, atLeast: amount)
        reserve.scaledVariableDebt += scaled
        reserve = reserve.withRates(cash: cash(of: reserve, in: ledger) - amount)

        reserves[asset] = reserve
        addDebt(scaled, to: user, asset: asset)
        ledger.move(terms.token, from: terms.aToken, to: user, amount: amount)
    }

    /// `executeRepay`: pays back `min(amount, debt)` and burns that much debt. Returns the
    /// amount repaid.
    mutating func repay(
        asset: Int, amount: UInt256, user: Address, now: UInt64, ledger: inout TokenLedger
    ) throws(Revert) -> UInt256 {
        guard !amount.isZero else { throw Revert("INVALID_AMOUNT") }
        var reserve = reserves[asset].accrued(at: now, version: configuration.version)
        let terms = reserve.configuration
        let owed = rayMul(scaledDebt(of: user, asset: asset), reserve.variableBorrowIndex)
        guard !owed.isZero else { throw Revert("NO_DEBT_OF_SELECTED_TYPE") }
        let payback = Swift.min(amount, owed)
        let scaled = rayDiv(payback, reserve.variableBorrowIndex)
        guard !scaled.isZero else { throw Revert("INVALID_BURN_AMOUNT") }
        try ledger.requireBalance(of: terms.token, user, atLeast: payback)
        reserve.scaledVariableDebt -= scaled
        reserve = reserve.withRates(cash: cash(of: reserve, in: ledger) + payback)

        reserves[asset] = reserve
        removeDebt(scaled, from: user, asset: asset)
        ledger.move(terms.token, from: user, to: terms.aToken, amount: payback)
        return payback
    }
}
