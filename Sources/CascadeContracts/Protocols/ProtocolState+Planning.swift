import CascadeCore

extension ProtocolState {
    /// What a flash take would buy and owe now: dss `take`'s arithmetic (the tab cap and
    /// the `chost` rule) on this state, for keepers planning a bundle. Nil if `auction` is
    /// not a live Clipper auction that can be taken at no more than `maxPrice` (RAY).
    public func plannedTake(
        auction: MakerSystem.AuctionID, amount: UInt256, maxPrice: UInt256, now: UInt64
    ) -> (slice: UInt256, owe: UInt256, price: UInt256)? {
        guard let status = maker.clipStatus(auction, now: now), !status.needsRedo,
            status.price <= maxPrice, !status.price.isZero,
            case .clip(let sale)? = maker.auction(auction)
        else { return nil }
        let chost = maker.ilk(sale.ilk).chost
        var slice = Swift.min(status.lot, amount)
        let (product, overflow) = slice.multipliedReportingOverflow(by: status.price)
        guard !overflow else { return nil }
        var owe = product
        if owe > status.tab {
            owe = status.tab
            slice = owe / status.price
        } else if owe < status.tab && slice < status.lot && status.tab - owe < chost {
            guard status.tab > chost else { return nil }
            owe = status.tab - chost
            slice = owe / status.price
        }
        return (slice, owe, status.price)
    }

    /// A take-and-swap bundle for one transaction, as dss's `clipperCall` keepers do it:
    ///
    /// ```
    /// .maker(.take(auction, amt, max, who: keeper, flash: true))   collateral first
    /// .exitGem(ilk, slice)                                          out of the Vat
    /// .swap(pair, gem → DAI, slice, min: owe)                       sold on the AMM
    /// .joinDai(owe)                                                 DAI into the Vat
    /// .maker(.settleTake)                                           the Vow is paid
    /// ```
    ///
    /// The keeper needs no DAI of its own. `owe` is rounded up to whole wei of DAI, and the
    /// swap's minimum output is that amount, so a swap that would not cover the debt
    /// reverts the whole transaction (as would a price that moved before inclusion:
    /// `max` bounds it). Nil when nothing can be taken now or the pair does not trade the
    /// ilk's token against DAI.
    public func flashTakeBundle(
        auction: MakerSystem.AuctionID, amount: UInt256, maxPrice: UInt256, keeper: Address,
        pair: Int, now: UInt64
    ) -> [Call]? {
        guard case .clip(let sale)? = maker.auction(auction),
            let plan = plannedTake(auction: auction, amount: amount, maxPrice: maxPrice, now: now)
        else { return nil }
        return flashTakeBundle(
            auction: auction, ilk: sale.ilk, amount: amount, maxPrice: maxPrice, keeper: keeper,
            pair: pair, planned: (plan.slice, plan.owe))
    }

    /// `flashTakeBundle(auction:amount:maxPrice:keeper:pair:now:)` for a take already
    /// planned: `planned` is what `plannedTake(auction:amount:maxPrice:now:)` gives for the
    /// same arguments on this state (a keeper's quote plans it exactly so; see
    /// `ClipQuote.plannedTake`), and `ilk` the auction's. The same calls, without pricing the
    /// auction again (an `rpow` and the sale's lookups, for every bundle sent). Nil when
    /// the pair does not trade the ilk's token against DAI.
    public func flashTakeBundle(
        auction: MakerSystem.AuctionID, ilk: MakerSystem.IlkID, amount: UInt256,
        maxPrice: UInt256, keeper: Address, pair: Int, planned plan: (slice: UInt256, owe: UInt256)
    ) -> [Call]? {
        guard let collateral = collateral(of: ilk), pairs.indices.contains(pair) else {
            return nil
        }
        // The pair trades exactly the collateral against DAI, in either order (compared as
        // sets: two `Set`s were built and hashed for every bundle a keeper planned).
        let (token0, token1) = (pairs[pair].token0, pairs[pair].token1)
        guard
            (token0 == collateral.token && token1 == daiToken)
                || (token0 == daiToken && token1 == collateral.token)
        else { return nil }
        let (whole, remainder) = plan.owe.quotientAndRemainder(dividingBy: MakerSystem.ray)
        let oweWad = remainder.isZero ? whole : whole + .one
        return [
            .maker(
                .take(auction: auction, amt: amount, max: maxPrice, who: keeper, flash: true)),
            .exitGem(ilk: ilk, amount: plan.slice),
            .swap(
                pair: pair, tokenIn: collateral.token, amountIn: plan.slice,
                amountOutMin: oweWad, to: keeper),
            .joinDai(amount: oweWad),
            .maker(.settleTake),
        ]
    }
}
