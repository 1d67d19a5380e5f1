import CascadeCore

// Funding (REFERENCE.md §7.1). Each interval the oracle supplies the period's premium
// index P; the exchange applies
//
//     rate = P + clamp(I − P, ±clamp)                     (Binance, BitMEX; ppm per 8 h)
//     rate = clamp(rate, ±clampFactor·(IMF − MMF))        (dYdX v4, when configured)
//     paymentPerUnit = rate × price × interval / 8 h      (quantums per base unit × 1e3)
//
// and moves both funding indices by paymentPerUnit. Positions settle lazily against the
// index of their side (see `PerpMarket`), so a payment costs O(1) whatever the number of
// positions: longs pay exactly what shorts receive, up to the rounding of each settlement,
// which always goes against the settling account and ends in the insurance fund.

extension PerpExchange {
    mutating func fund(
        market: PerpMarketID, premiumPpm: Int128, now: UInt64, events: inout [Event]
    ) throws(Revert) {
        try requireMarket(market)
        let price = try markPrice(market)
        var state = self.market(market)
        let terms = state.terms.funding
        let (due, late) = state.lastFundingTime.addingReportingOverflow(terms.intervalSeconds)
        guard !late && now >= due else { throw Revert("Perp/funding-not-due") }
        var rate = try PerpFundingMath.rate(
            premiumPpm: premiumPpm, interestPpm: terms.interestPpm,
            clampPpm: terms.premiumClampPpm)
        if let factor = terms.clampFactorPpm {
            let cap = try PerpFundingMath.rateCapPpm(
                clampFactorPpm: factor, initialMarginPpm: state.terms.initialMarginPpm,
                maintenanceMarginPpm: state.terms.maintenanceMarginPpm)
            rate = min(max(rate, -cap), cap)
        }
        let change = try PerpFundingMath.indexChange(
            ratePpm: rate, price: price, intervalSeconds: terms.intervalSeconds)
        state.longFundingIndex = try PerpMath.add(state.longFundingIndex, change)
        state.shortFundingIndex = try PerpMath.add(state.shortFundingIndex, change)
        state.lastFundingTime = due
        markets[Int(market.rawValue)] = state
        let dust = try sweepFundingDust(market)
        events.append(
            .funded(
                PerpFundingPayment(
                    market: market, premiumPpm: premiumPpm, interestPpm: terms.interestPpm,
                    ratePpm: rate, intervalSeconds: terms.intervalSeconds, price: price,
                    paymentPerUnit: change, longIndex: state.longFundingIndex,
                    shortIndex: state.shortFundingIndex, dustToInsurance: dust)))
    }

    /// Moves the whole quantums of `market`'s funding dust (what its pool holds beyond every
    /// unsettled claim) into the insurance fund; returns them. Less than one quantum stays.
    mutating func sweepFundingDust(_ market: PerpMarketID) throws(Revert) -> Int128 {
        var state = self.market(market)
        let dust = try PerpMath.div(state.fundingDust, PerpMath.fundingPaymentDivisor, .down)
        guard dust > 0 else { return 0 }
        state.fundingPool -= dust
        insuranceFund = try PerpMath.add(insuranceFund, dust)
        markets[Int(market.rawValue)] = state
        return dust
    }

    /// Settles the funding of every position of `account`: it pays (or receives) what
    /// `fundingOwed` says into (or from) the market's pool, and its snapshot catches up.
    /// Equity is unchanged, since `risk(of:)` already counted the same amount.
    mutating func settleFunding(_ account: PerpAccountID) throws(Revert) {
        let index = Int(account.rawValue)
        for slot in accounts[index].positions.indices {
            let position = accounts[index].positions[slot]
            var state = self.market(position.market)
            let current = state.fundingIndex(forSize: position.size)
            guard current != position.fundingSnapshot else { continue }
            let owed = try fundingOwed(by: position)
            let exact = try PerpMath.mul(
                position.size, PerpMath.sub(current, position.fundingSnapshot))
            state.fundingPool = try PerpMath.add(state.fundingPool, owed)
            state.fundingSnapshotSum = try PerpMath.add(state.fundingSnapshotSum, exact)
            try creditQuote(account, PerpMath.negate(owed))
            accounts[index].positions[slot].fundingSnapshot = current
            markets[Int(position.market.rawValue)] = state
        }
    }
}
