import CascadeCore

// The last two steps of the loss waterfall (REFERENCE.md §7.3, §7.4).
//
// Auto-deleveraging closes a bankrupt position against the opposite side, ranked as
// BitMEX ranks it, at the bankruptcy price (BitMEX) or the mark (HISTORY.md §7):
//
//   pass 1  each ranked account in turn, at the deleveraging price, as much as it can
//           take without its equity going negative;
//   pass 2  if some is left and the price was not the mark: the same ranking at the mark,
//           which costs a counterparty nothing (up to rounding);
//   pass 3  if still some is left (every opposite account is itself broke): the backstop
//           vault takes it at the mark; if that closed the vault's own last position and
//           the vault is broke too, its deficit is resolved like the bankrupt account's.
//
// What the bankrupt account still owes afterwards is paid by the insurance fund, then
// charged to the market's open interest through the funding indices (Drift's socialised
// loss), or, with no open interest left, recorded as `uncoveredLoss`.

/// BitMEX's auto-deleveraging rank of a position, ppm; higher is deleveraged first.
///
/// With profit `PnL% = (value − entry) / |entry|` and `leverage = |value| / equity`:
/// `PnL% × leverage` when in profit, `PnL% / leverage` otherwise. Scores are exact down to
/// the ppm (ties go to the lower account id) and saturate at 2^256 − 1 ppm, which only an
/// entry value of a few quantums can reach.
public struct PerpRankScore: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Whether the position is at a loss.
    public let isNegative: Bool
    /// The score's absolute value, ppm, rounded down.
    public let magnitudePpm: UInt256

    /// The score of a position with unrealised `profit`, cost basis `entry` and value
    /// `notional` (quantums) in an account of positive `equity`.
    init(profit: Int128, entry: Int128, notional: Int128, equity: Int128) {
        let profitPpm = UInt256(profit.magnitude) * UInt256(UInt64(PerpMath.ppm))
        let entry = UInt256(Swift.max(entry.magnitude, 1))
        let notional = UInt256(Swift.max(notional.magnitude, 1))
        let equity = UInt256(equity.magnitude)
        isNegative = profit < 0
        magnitudePpm =
            isNegative
            ? Self.saturatingMulDiv(profitPpm, equity, entry * notional)
            : Self.saturatingMulDiv(profitPpm, notional, entry * equity)
    }

    public static func < (lhs: PerpRankScore, rhs: PerpRankScore) -> Bool {
        switch (lhs.isNegative, rhs.isNegative) {
        case (true, false): true
        case (false, true): false
        case (false, false): lhs.magnitudePpm < rhs.magnitudePpm
        case (true, true): lhs.magnitudePpm > rhs.magnitudePpm
        }
    }

    public var description: String {
        (isNegative && !magnitudePpm.isZero ? "-" : "") + magnitudePpm.description
    }

    /// `⌊a·b/d⌋`, or the largest value when the quotient passes 256 bits.
    private static func saturatingMulDiv(_ a: UInt256, _ b: UInt256, _ d: UInt256) -> UInt256 {
        let (high, low) = a.multipliedFullWidth(by: b)
        guard high < d else { return .max }
        return d.dividingFullWidth((high, low)).quotient
    }
}

/// An account in the deleveraging queue of one side of a market.
public struct PerpDeleveragingCandidate: Hashable, Sendable {
    public let account: PerpAccountID
    public let score: PerpRankScore
}

extension PerpExchange {
    /// Deleveraging never takes an account below this much equity, quantums: a fill's
    /// quote and the valuation of a position each round by less than one quantum, so two
    /// quantums of room keep a solvent counterparty at zero or above.
    static let deleveragingEquityFloor: Int128 = 2

    /// The accounts holding `market`'s longs (or shorts), highest rank first, ties by
    /// account id; accounts with less than `deleveragingEquityFloor` of equity are left out.
    /// What BitMEX shows traders as their place in the queue. O(accounts · log accounts).
    public func deleveragingQueue(market: PerpMarketID, longs: Bool) throws(Revert)
        -> [PerpDeleveragingCandidate]
    {
        let price = self.market(market).price
        var queue: [PerpDeleveragingCandidate] = []
        for index in accounts.indices {
            guard let position = accounts[index].position(in: market),
                (position.size > 0) == longs
            else { continue }
            let id = PerpAccountID(UInt32(index))
            let equity = try risk(of: id).equity
            guard equity >= Self.deleveragingEquityFloor else { continue }
            let value = try PerpMath.value(size: position.size, price: price)
            let profit = try PerpMath.sub(value, position.entryQuote)
            let score = PerpRankScore(
                profit: profit, entry: position.entryQuote, notional: value, equity: equity)
            queue.append(PerpDeleveragingCandidate(account: id, score: score))
        }
        queue.sort { ($0.score, $1.account) > ($1.score, $0.account) }
        return queue
    }

    /// Closes `account`'s position in `market` by auto-deleveraging, then resolves what it
    /// still owes. Allowed only when its equity is negative and beyond what the insurance
    /// fund holds: anything less is a liquidation's or the backstop's to settle.
    mutating func deleverage(account: PerpAccountID, market: PerpMarketID, events: inout [Event])
        throws(Revert)
    {
        try requireMarket(market)
        try requireAccount(account)
        let mark = try markPrice(market)
        guard self.account(account).position(in: market) != nil else {
            throw Revert("Perp/no-position")
        }
        try settleFunding(account)
        let before = try risk(of: account)
        guard before.equity < 0 else { throw Revert("Perp/not-bankrupt") }
        guard try PerpMath.add(before.equity, insuranceFund) < 0 else {
            throw Revert("Perp/insurance-fund-can-cover")
        }
        let size = self.account(account).position(in: market)?.size ?? 0
        let round = DeleveragingRound(
            account: account, market: market, size: size, mark: mark, before: before)
        let price =
            configuration.deleveragingPrice == .bankruptcy
            ? try bankruptcyPrice(size: size, price: mark, equity: before.equity) : mark
        let queue = try deleveragingQueue(market: market, longs: size < 0)
        var remaining = try size.checkedMagnitude
        remaining = try close(round, remaining, against: queue, at: price, events: &events)
        if remaining > 0 && price != mark {
            remaining = try close(round, remaining, against: queue, at: mark, events: &events)
        }
        let vault = Self.backstopVaultAccount
        let vaultTakesRest = remaining > 0 && account != vault
        if vaultTakesRest {
            try settleFunding(vault)
            try exchange(round, remaining, with: vault, at: mark, alreadyFilled: 0)
            events.append(round.event(remaining, counterparty: vault, score: nil, price: mark))
        }
        try resolveDeficit(of: account, in: market, events: &events)
        // Pass 3 may have closed the last position of a vault that was itself broke (it
        // takes whatever the backstop hands it): its deficit is settled the same way.
        if vaultTakesRest && self.account(vault).positions.isEmpty {
            try resolveDeficit(of: vault, in: market, events: &events)
        }
    }

    /// One pass over the queue at `price`; returns the size still open.
    private mutating func close(
        _ round: DeleveragingRound, _ quantity: Int128, against queue: [PerpDeleveragingCandidate],
        at price: Int128, events: inout [Event]
    ) throws(Revert) -> Int128 {
        var remaining = quantity
        var filled: Int128 = 0
        // What one unit closed at `price` costs the counterparty against the mark.
        let lossPerUnit = round.size > 0 ? price - round.mark : round.mark - price
        for candidate in queue where remaining > 0 {
            try settleFunding(candidate.account)
            guard let opposite = self.account(candidate.account).position(in: round.market),
                (opposite.size > 0) != (round.size > 0)
            else { continue }
            let equity = try risk(of: candidate.account).equity
            let quantity = min(
                remaining, try opposite.size.checkedMagnitude,
                try Self.capacity(equity: equity, lossPerUnit: lossPerUnit))
            guard quantity > 0 else { continue }
            try exchange(round, quantity, with: candidate.account, at: price, alreadyFilled: filled)
            filled += quantity
            remaining -= quantity
            events.append(
                round.event(
                    quantity, counterparty: candidate.account, score: candidate.score,
                    price: price))
        }
        return remaining
    }

    /// How much a counterparty of `equity` can close at a loss of `lossPerUnit` (quantums
    /// per base unit) and keep `deleveragingEquityFloor` of it; unbounded at no loss.
    static func capacity(equity: Int128, lossPerUnit: Int128) throws(Revert) -> Int128 {
        guard equity >= deleveragingEquityFloor else { return 0 }
        guard lossPerUnit > 0 else { return .max }
        return try PerpMath.mulDiv(
            equity - deleveragingEquityFloor, PerpMath.sizeScale, lossPerUnit, .down)
    }

    /// `quantity` of the bankrupt position passes to `counterparty` at `price`. The quote of
    /// successive fills of one pass is split from one running total (`alreadyFilled`), so
    /// the bankrupt account receives exactly `⌊total × price / 1e9⌋` as if in one fill.
    private mutating func exchange(
        _ round: DeleveragingRound, _ quantity: Int128, with counterparty: PerpAccountID,
        at price: Int128, alreadyFilled: Int128
    ) throws(Revert) {
        let through = try PerpMath.add(alreadyFilled, quantity)
        let quote = try PerpMath.sub(
            PerpMath.mulDiv(through, price, PerpMath.sizeScale, .down),
            PerpMath.mulDiv(alreadyFilled, price, PerpMath.sizeScale, .down))
        let direction: Int128 = round.size > 0 ? 1 : -1
        try fill(
            round.account, market: round.market, sizeChange: -direction * quantity,
            quoteChange: direction * quote)
        try fill(
            counterparty, market: round.market, sizeChange: direction * quantity,
            quoteChange: -direction * quote)
    }

    /// After deleveraging: the insurance fund pays what it can of `account`'s negative
    /// equity, the rest is charged to `market`'s open positions (Drift's funding bump:
    /// longs' index up, shorts' index down, by `PerpFundingMath.socializedLossDelta`) and,
    /// with no open interest left, recorded as uncovered. The account ends at equity ≥ 0.
    private mutating func resolveDeficit(
        of account: PerpAccountID, in market: PerpMarketID, events: inout [Event]
    ) throws(Revert) {
        let equity = try risk(of: account).equity
        guard equity < 0 else { return }
        let deficit = -equity
        let draw = min(insuranceFund, deficit)
        insuranceFund -= draw
        let rest = deficit - draw
        var state = self.market(market)
        var delta: Int128 = 0
        if rest > 0 && state.openInterest > 0 {
            delta = try PerpFundingMath.socializedLossDelta(
                lossQuantums: rest, longOpenInterest: state.openInterest,
                shortOpenInterest: state.openInterest)
            state.longFundingIndex = try PerpMath.add(state.longFundingIndex, delta)
            state.shortFundingIndex = try PerpMath.sub(state.shortFundingIndex, delta)
            state.fundingPool = try PerpMath.sub(state.fundingPool, rest)
            markets[Int(market.rawValue)] = state
        } else {
            uncoveredLoss = try PerpMath.add(uncoveredLoss, rest)
        }
        try creditQuote(account, deficit)
        events.append(
            .lossSocialized(
                PerpSocializedLoss(
                    market: market, account: account, deficit: deficit, insuranceDraw: draw,
                    socialized: delta > 0 ? rest : 0, uncovered: delta > 0 ? 0 : rest,
                    openInterest: state.openInterest, delta: delta,
                    longIndex: state.longFundingIndex, shortIndex: state.shortFundingIndex)))
    }
}

/// What every fill of one `deleverage` call shares: the bankrupt account, its position and
/// its standing before, for the `adl` events.
private struct DeleveragingRound {
    let account: PerpAccountID
    let market: PerpMarketID
    /// The bankrupt position's size before deleveraging.
    let size: Int128
    let mark: Int128
    let before: PerpRisk

    func event(
        _ quantity: Int128, counterparty: PerpAccountID, score: PerpRankScore?, price: Int128
    ) -> PerpExchange.Event {
        .deleveraged(
            PerpDeleveraging(
                market: market, account: account, size: size > 0 ? quantity : -quantity,
                markPrice: mark, margin: before.equity,
                maintenanceMargin: before.maintenanceMargin, counterparty: counterparty,
                rankScore: score, price: price))
    }
}
