import CascadeCore

// The first two steps of the loss waterfall: a liquidator's fill, then the backstop vault.
// Either leaves the liquidated account with equity ≥ 0: a penalty or the vault takes what
// is left of it, and the insurance fund covers what is missing. A step that would need
// more than the fund holds reverts `Perp/insurance-fund-depleted`; deleveraging is next.

extension PerpExchange {
    /// dYdX v4's liquidation: when equity < MMR, the caller's account `liquidator` takes
    /// `size` of the position at `fillPrice` (the venue's depth decides that price, outside
    /// the contract). Then, from what is left of the account's equity, the penalty
    /// `size × fillPrice × penalty` goes to the insurance fund (or all of it, if less); if
    /// the fill left equity negative, the fund pays the deficit. The liquidator must pass
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
        let liquidatorBefore = try risk(of: liquidator)
        let taken = position.size > 0 ? size : -size
        let quote = try PerpMath.mulDiv(size, fillPrice, PerpMath.sizeScale, .down)
        let received = position.size > 0 ? quote : -quote
        try fill(account, market: market, sizeChange: -taken, quoteChange: received)
        try fill(liquidator, market: market, sizeChange: taken, quoteChange: -received)
        let remaining = try risk(of: account).equity
        var penalty: Int128 = 0
        if remaining < 0 {
            try coverDeficit(of: account, -remaining)
        } else {
            let due = try PerpMath.requirement(
                size: size, price: fillPrice,
                fractionPpm: self.market(market).terms.liquidationPenaltyPpm)
            penalty = min(due, remaining)
            try creditQuote(account, -penalty)
            insuranceFund = try PerpMath.add(insuranceFund, penalty)
        }
        try requireMargin(liquidator, before: liquidatorBefore)
        events.append(
            .liquidated(
                PerpLiquidation(
                    kind: .market, market: market, account: account, size: taken,
                    markPrice: mark, margin: before.equity,
                    maintenanceMargin: before.maintenanceMargin, counterparty: liquidator,
                    fillPrice: fillPrice, penalty: penalty,
                    insuranceDelta: remaining < 0 ? remaining : penalty)))
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

    /// The insurance fund pays `deficit` into `account`, or `Perp/insurance-fund-depleted`.
    mutating func coverDeficit(of account: PerpAccountID, _ deficit: Int128) throws(Revert) {
        guard deficit <= insuranceFund else { throw Revert("Perp/insurance-fund-depleted") }
        insuranceFund -= deficit
        try creditQuote(account, deficit)
    }
}
