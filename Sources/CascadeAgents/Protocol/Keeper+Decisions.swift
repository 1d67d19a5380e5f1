import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

extension Keeper {
    static let barkGas: Gas = 320_000
    static let biteGas: Gas = 260_000
    static let takeGas: Gas = 280_000
    static let flashTakeGas: Gas = 480_000
    static let bidGas: Gas = 200_000
    static let dealGas: Gas = 130_000
    /// Opportunist's bid: one wei of DAI, as RAD.
    static let dustBid = MakerSystem.ray

    /// The DAI it can spend now: ERC-20 plus Vat DAI, in whole wei of DAI (WAD).
    func spendableDai() -> (erc20: UInt256, vat: UInt256) {
        let erc20 = UInt256(latest.ledger.balance(of: latest.daiToken, settings.address))
        return (erc20, latest.maker.dai(settings.address) / MakerSystem.ray)
    }

    /// Calls that bring `rad` of DAI into the Vat for the keeper, or nil if it cannot.
    func funding(_ rad: UInt256) -> [ProtocolState.Call]? {
        let (erc20, vat) = spendableDai()
        let (whole, remainder) = rad.quotientAndRemainder(dividingBy: MakerSystem.ray)
        let needed = remainder.isZero ? whole : whole + .one
        if needed <= vat { return [] }
        let shortfall = needed - vat
        guard shortfall <= erc20 else { return nil }
        return [.joinDai(amount: shortfall)]
    }

    func currentBid() -> GasBid? {
        let bid = settings.gas.bid(nextBaseFee: nextBaseFee)
        if bid == nil { statistics.stalledByCeiling += 1 }
        return bid
    }

    /// Unsafe vaults at the on-chain `spot`, from the index: `bark` or `bite`.
    func liquidate(budget: inout Int, _ context: Context<ProtocolMessage>) {
        for ilk in ilks where budget > 0 {
            let terms = latest.maker.ilk(ilk)
            guard !terms.spot.isZero else { continue }
            let threshold = SafetyThreshold(collateralValue: terms.spot, debtValue: terms.rate)
            let owners = book.unsafeOwners(ilk: ilk, at: threshold, limit: budget * 4)
            for owner in owners where budget > 0 {
                let task = KeeperTask.liquidate(ilk: ilk, owner: owner)
                guard !isBusy(with: task.target, now: context.now) else { continue }
                guard let bid = currentBid() else { return }
                switch terms.liquidation {
                case .clip(let clip):
                    let urn = latest.maker.urn(ilk: ilk, owner: owner)
                    let tab = urn.art * terms.rate * clip.chop / .wad
                    let coin = clip.tip + tab * clip.chip / .wad
                    let incentive = coin.doubleValue / 1e45
                    guard
                        settings.startsUnprofitableAuctions
                            || incentive >= gasCost(Self.barkGas, bid: bid, now: context.now)
                    else { continue }
                    send(
                        [.maker(.bark(ilk: ilk, vault: owner, keeper: settings.address))],
                        gasLimit: Self.barkGas, bid: bid, task: task, budget: &budget, context)
                case .flip:
                    guard settings.startsUnprofitableAuctions else { continue }
                    send(
                        [.maker(.bite(ilk: ilk, vault: owner))], gasLimit: Self.biteGas,
                        bid: bid, task: task, budget: &budget, context)
                }
            }
        }
    }

    /// Every auction it knows of that is still live: take, bid, or deal.
    func bidOnAuctions(budget: inout Int, _ context: Context<ProtocolMessage>) {
        auctions.removeAll { latest.maker.auction($0.id) == nil }
        for known in auctions where budget > 0 {
            guard !isBusy(with: .auction(known.id), now: context.now),
                let auction = latest.maker.auction(known.id)
            else { continue }
            switch auction {
            case .clip:
                take(known, budget: &budget, context)
            case .flip(let flip):
                bid(on: flip, known, budget: &budget, context)
            }
        }
    }

    func take(_ known: KnownAuction, budget: inout Int, _ context: Context<ProtocolMessage>) {
        let now = UInt64(max(0, context.now.wholeSeconds))
        guard let status = latest.maker.clipStatus(known.id, now: now), !status.needsRedo,
            !status.lot.isZero,
            let whole = latest.plannedTake(
                auction: known.id, amount: status.lot, maxPrice: status.price, now: now)
        else { return }
        guard let bid = currentBid() else { return }
        let (erc20, vat) = spendableDai()
        let capitalRad = (erc20 + vat) * MakerSystem.ray
        if capitalRad >= whole.owe || !settings.usesFlashTakes || pairs[known.collateral] == nil {
            // Own DAI: as much of the lot as its capital buys.
            let affordable =
                capitalRad >= whole.owe ? status.lot : capitalRad / status.price
            guard !affordable.isZero,
                let plan = latest.plannedTake(
                    auction: known.id, amount: affordable, maxPrice: status.price, now: now),
                !plan.slice.isZero, let funding = funding(plan.owe)
            else { return }
            let value =
                view.saleValue(
                    known.collateral, amount: plan.slice.doubleValue / 1e18, at: context.now)
                - plan.owe.doubleValue / 1e45 - gasCost(Self.takeGas, bid: bid, now: context.now)
            guard value > settings.minimumProfit else { return }
            let calls =
                funding + [
                    .maker(
                        .take(
                            auction: known.id, amt: plan.slice, max: status.price,
                            who: settings.address, flash: false))
                ]
            send(
                calls, gasLimit: Self.takeGas, bid: bid,
                task: .take(
                    auction: known.id, collateral: known.collateral, slice: plan.slice,
                    flash: false), budget: &budget, context)
        } else if let pair = pairs[known.collateral] {
            guard
                let calls = latest.flashTakeBundle(
                    auction: known.id, amount: status.lot, maxPrice: status.price,
                    keeper: settings.address, pair: pair, now: now),
                let output = ammOutput(pair: pair, collateral: known.collateral, whole.slice)
            else { return }
            let value =
                output.doubleValue / 1e18 - whole.owe.doubleValue / 1e45
                - gasCost(Self.flashTakeGas, bid: bid, now: context.now)
            guard value > settings.minimumProfit else { return }
            send(
                calls, gasLimit: Self.flashTakeGas, bid: bid,
                task: .take(
                    auction: known.id, collateral: known.collateral, slice: whole.slice,
                    flash: true), budget: &budget, context)
        }
    }

    /// DAI (WAD) the pair pays now for `amount` of the collateral's token.
    func ammOutput(pair: Int, collateral: Int, _ amount: UInt256) -> UInt256? {
        let pool = latest.pair(pair)
        guard let wiring = latest.collateral(of: ilks[collateral]) else { return nil }
        let (reserveIn, reserveOut) =
            pool.token0 == wiring.token
            ? (pool.reserve0, pool.reserve1) : (pool.reserve1, pool.reserve0)
        return try? UniswapV2Library.getAmountOut(
            amountIn: amount, reserveIn: reserveIn, reserveOut: reserveOut)
    }

    func bid(
        on flip: MakerSystem.FlipAuction, _ known: KnownAuction, budget: inout Int,
        _ context: Context<ProtocolMessage>
    ) {
        let now = UInt64(max(0, context.now.wholeSeconds))
        let me = settings.address
        let finished = (flip.tic != 0 && flip.tic < now) || flip.end < now
        if finished {
            guard flip.guy == me, let bid = currentBid() else { return }
            send(
                [.maker(.deal(auction: known.id))], gasLimit: Self.dealGas, bid: bid,
                task: .deal(auction: known.id, collateral: known.collateral, lot: flip.lot),
                budget: &budget, context)
            return
        }
        guard flip.guy != me, case .flip(let terms) = latest.maker.ilk(flip.ilk).liquidation
        else { return }
        guard let gasBid = currentBid() else { return }
        let lotUnits = flip.lot.doubleValue / 1e18
        let worth =
            view.saleValue(known.collateral, amount: lotUnits, at: context.now)
            * (1 - settings.flipDiscount) - gasCost(Self.bidGas, bid: gasBid, now: context.now)
            - settings.minimumProfit
        var candidates: [MakerSystem.Call] = []
        if flip.bid < flip.tab {
            let wanted = min(flip.tab, (UInt256(truncating: max(0, worth) * 1e18) ?? .zero) * .ray)
            let least = flip.bid * terms.beg / .wad
            if wanted > flip.bid && (wanted >= least || wanted == flip.tab) {
                candidates.append(.tend(auction: known.id, lot: flip.lot, bid: wanted))
            }
            // The opportunist: nobody has bid for a while; one wei of DAI may win the lot.
            if flip.bid.isZero, let wait = settings.opportunistWait,
                context.now - known.kickedAt >= wait
            {
                candidates.append(.tend(auction: known.id, lot: flip.lot, bid: Self.dustBid))
            }
        } else if worth > 0 {
            // Dent: the least collateral for the tab at its valuation per unit.
            let perUnit = worth / lotUnits
            let lotWanted = UInt256(truncating: flip.tab.doubleValue / 1e45 / perUnit * 1e18)
            if let lotWanted, !lotWanted.isZero, lotWanted * terms.beg <= flip.lot * .wad,
                lotWanted < flip.lot
            {
                candidates.append(.dent(auction: known.id, lot: lotWanted, bid: flip.bid))
            }
        }
        // The first it can pay for (capital limits bids: DAI was scarce on Black Thursday).
        for call in candidates {
            let amount: UInt256
            switch call {
            case .tend(_, _, let bid), .dent(_, _, let bid): amount = bid
            default: amount = .zero
            }
            guard let funding = funding(amount) else { continue }
            send(
                funding + [.maker(call)], gasLimit: Self.bidGas, bid: gasBid,
                task: .bid(auction: known.id), budget: &budget, context)
            return
        }
    }
}
