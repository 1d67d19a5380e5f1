import CascadeCore

// The first two steps of the loss waterfall: a liquidator's fill, then the backstop vault.
// A whole liquidation or a backstop leaves the account with equity ≥ 0: a penalty or the
// vault takes what is left of it, and the insurance fund covers what is missing; a partial
// liquidation of a bankrupt account leaves the rest of its deficit with the rest of it. A step that would need
// more than the fund holds reverts `Perp/insurance-fund-depleted`; deleveraging is next.

extension PerpExchange {
    /// dYdX v4's liquidation: when equity < MMR, the caller's account `liquidator` takes
    /// `size` of the position at `fillPrice` (the venue's depth decides that price, outside
    /// the contract), which must be no worse for the account than its fillable price
    /// (`fillablePrice`): a long sells at or above it, a short buys at or below it, so no
    /// liquidator can buy a position for nothing and leave the deficit to the fund. Then,
    /// from what is left of the account's equity, the penalty `size × fillPrice × penalty`
    /// goes to the insurance fund (or all of it, if less); if the fill left equity negative,
    /// the fund pays the closed part's share of the deficit (all of it once no position is
    /// left), as dYdX v4's insurance-fund delta does. The liquidator must pass
    /// `requireMargin` as after a trade.
    mutating func liquidate(
        account: PerpAccountID, market: PerpMarketID, size: Int128, fillPrice: Int128,
        liquidator: PerpAccountID, caller: Address, events: inout [Event]
    ) throws(Revert) {
        try requireMarket(market)
        try requireAccount(account)
        try requireOwner(liquidator, caller)
        guard account != liquidator else { throw Revert("Perp/same-account") }
        let mark = try markPrice(market)
        guard fillPrice > 0 else { throw Revert("Perp/invalid-price") }
        try requireMayHold(liquidator, market)
        guard let position = self.account(account).position(in: market) else {
            throw Revert("Perp/no-position")
        }
        let held = try position.size.checkedMagnitude
        guard size > 0 && size <= held else {
            throw Revert("Perp/invalid-size")
        }
        try settleFunding(account)
        try settleFunding(liquidator)
        let before = try risk(of: account)
        guard before.isLiquidatable else { throw Revert("Perp/not-liquidatable") }
        let bound = try fillableBound(size: position.size, market: market, mark: mark, risk: before)
        guard position.size > 0 ? fillPrice >= bound : fillPrice <= bound else {
            throw Revert("Perp/fill-price-out-of-bounds")
        }
        let liquidatorBefore = try risk(of: liquidator)
        let taken = position.size > 0 ? size : -size
        let quote = try PerpMath.mulDiv(size, fillPrice, PerpMath.sizeScale, .down)
        let received = position.size > 0 ? quote : -quote
        try fill(account, market: market, sizeChange: -taken, quoteChange: received)
        try fill(liquidator, market: market, sizeChange: taken, quoteChange: -received)
        let remaining = try risk(of: account).equity
        var penalty: Int128 = 0
        var insuranceDelta: Int128 = 0
        if remaining < 0 {
            // dYdX v4 (`GetLiquidationInsuranceFundDelta`): the fund pays only the closed
            // part's share of the deficit, so the account keeps `TNC × (1 − DMMR / TMMR)`;
            // all of it once no position is left.
            let closed = try PerpMath.requirement(
                size: size, price: mark,
                fractionPpm: self.market(market).terms.maintenanceMarginPpm)
            var kept: Int128 = 0
            if before.equity < 0, before.maintenanceMargin > closed,
                !self.account(account).positions.isEmpty
            {
                kept = try PerpMath.mulDiv(
                    before.equity, before.maintenanceMargin - closed, before.maintenanceMargin,
                    .down)
            }
            if remaining < kept {
                try coverDeficit(of: account, kept - remaining)
                insuranceDelta = remaining - kept
            }
        } else {
            let due = try PerpMath.requirement(
                size: size, price: fillPrice,
                fractionPpm: self.market(market).terms.liquidationPenaltyPpm)
            penalty = min(due, remaining)
            try creditQuote(account, -penalty)
            insuranceFund = try PerpMath.add(insuranceFund, penalty)
            insuranceDelta = penalty
        }
        try requireMargin(liquidator, before: liquidatorBefore)
        events.append(
            .liquidated(
                PerpLiquidation(
                    kind: .market, market: market, account: account, size: taken,
                    markPrice: mark, margin: before.equity,
                    maintenanceMargin: before.maintenanceMargin, counterparty: liquidator,
                    fillPrice: fillPrice, penalty: penalty, insuranceDelta: insuranceDelta)))
    }

    /// The backstop (HISTORY.md §7): when equity falls below `backstopThreshold × MMR`, the
    /// backstop vault takes over every position at the mark price together with whatever
    /// equity is left, which is the same as taking the positions at their bankruptcy
    /// price. The vault is the buyer of last resort: no margin check applies to it. A
    /// negative remainder is paid by the insurance fund.
    mutating func backstop(account: PerpAccountID, events: inout [Event]) throws(Revert) {
        try requireAccount(account)
        let vault = Self.backstopVaultAccount
        guard account != vault else { throw Revert("Perp/backstop-vault") }
        try settleFunding(account)
        let before = try risk(of: account)
        guard before.maintenanceMargin > 0 else { throw Revert("Perp/no-position") }
        let threshold = configuration.backstopThresholdPpm
        guard
            !PerpMath.productAtLeast(
                before.equity, PerpMath.ppm, threshold, before.maintenanceMargin)
        else { throw Revert("Perp/above-backstop-threshold") }
        guard try PerpMath.add(before.equity, insuranceFund) >= 0 else {
            throw Revert("Perp/insurance-fund-depleted")
        }
        try settleFunding(vault)
        for position in self.account(account).positions {
            let mark = self.market(position.market).price
            let quote = try PerpMath.mulDiv(
                position.size.checkedMagnitude, mark, PerpMath.sizeScale, .down)
            let received = position.size > 0 ? quote : -quote
            try fill(
                account, market: position.market, sizeChange: -position.size, quoteChange: received)
            try fill(
                vault, market: position.market, sizeChange: position.size, quoteChange: -received)
            events.append(
                .liquidated(
                    PerpLiquidation(
                        kind: .backstop, market: position.market, account: account,
                        size: position.size, markPrice: mark, margin: before.equity,
                        maintenanceMargin: before.maintenanceMargin, counterparty: vault,
                        fillPrice: mark, penalty: 0, insuranceDelta: 0)))
        }
        let remaining = try risk(of: account).equity
        if remaining > 0 {
            try creditQuote(account, -remaining)
            try creditQuote(vault, remaining)
        } else if remaining < 0 {
            try coverDeficit(of: account, -remaining)
        }
        events.append(
            .backstopSettled(
                PerpBackstopSettlement(
                    account: account, marginToVault: max(remaining, 0),
                    insuranceDelta: min(remaining, 0))))
    }

    /// dYdX v4's fillable price of `account`'s position in `market` at the current mark: the
    /// worst fill a liquidation may give it (REFERENCE.md §7.2, `liquidations.go`
    /// `GetFillablePrice`),
    ///
    ///     fillable = P × (1 ∓ SMMR × MMF × ABR),    ABR = clamp(BA × (1 − TNC / TMMR), 0, 1)
    ///
    /// minus for a long (it sells at or above), plus for a short (it buys at or below), with
    /// `TNC` the account's equity and `TMMR` its maintenance margin. The spread opens from
    /// zero at the maintenance margin to `SMMR × MMF` of the mark at zero equity (with BA
    /// = 100%) and stays there below it, so a bankrupt position still fills near the mark
    /// and the fund pays only the deficit the market made. `nil` when the account holds no
    /// position there or is not liquidatable.
    ///
    /// Rounding: ABR to whole ppm and the spread in quantums both round down, so the bound
    /// is never further from the mark than dYdX's exact rational.
    public func fillablePrice(account: PerpAccountID, market: PerpMarketID) throws(Revert)
        -> Int128?
    {
        guard let position = self.account(account).position(in: market) else { return nil }
        let risk = try risk(of: account)
        guard risk.isLiquidatable else { return nil }
        return try fillableBound(
            size: position.size, market: market, mark: try markPrice(market), risk: risk)
    }

    /// The fillable price of a position of `size` in `market` at `mark` for an account at
    /// `risk` (liquidatable, so `TMMR > TNC` and `TMMR > 0`); see `fillablePrice`.
    func fillableBound(size: Int128, market: PerpMarketID, mark: Int128, risk: PerpRisk)
        throws(Revert) -> Int128
    {
        let shortfall = try PerpMath.sub(risk.maintenanceMargin, risk.equity)
        let adjustment = try PerpMath.mulDiv(
            configuration.bankruptcyAdjustmentPpm, shortfall, risk.maintenanceMargin, .down)
        let rating = min(max(adjustment, 0), PerpMath.ppm)
        let fraction = self.market(market).terms.maintenanceMarginPpm
        let spread = try PerpMath.mulDiv(
            PerpMath.mul(mark, fraction),
            PerpMath.mul(configuration.spreadToMaintenanceMarginRatioPpm, rating),
            PerpMath.ppm * PerpMath.ppm * PerpMath.ppm, .down)
        return size > 0 ? try PerpMath.sub(mark, spread) : try PerpMath.add(mark, spread)
    }

    /// The insurance fund pays `deficit` into `account`, or `Perp/insurance-fund-depleted`.
    mutating func coverDeficit(of account: PerpAccountID, _ deficit: Int128) throws(Revert) {
        guard deficit <= insuranceFund else { throw Revert("Perp/insurance-fund-depleted") }
        insuranceFund -= deficit
        try creditQuote(account, deficit)
    }
}
