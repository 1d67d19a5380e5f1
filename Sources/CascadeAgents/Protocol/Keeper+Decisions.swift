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
    /// `exitGem` and a swap on the pair, added to a `deal` that sells the lot.
    static let sellGas: Gas = 200_000
    static let redoGas: Gas = 220_000
    /// Opportunist's bid: one wei of DAI, as RAD.
    static let dustBid = MakerSystem.ray

    /// The DAI it can spend in `state`: ERC-20 plus Vat DAI (`PassCapital`), the one it
    /// made last while its balances have not moved.
    func spendableDai(_ state: ProtocolState) -> PassCapital {
        let erc20 = state.ledger.balance(of: state.daiToken, settings.address)
        let vat = state.maker.dai(settings.address)
        if let kept = passCapital, kept.holds(erc20Balance: erc20, vatBalance: vat) {
            return kept
        }
        let capital = PassCapital(erc20Balance: erc20, vatBalance: vat)
        passCapital = capital
        return capital
    }

    /// Calls that bring `rad` of DAI into the Vat for a keeper holding `inputs.capital`
    /// (`spendableDai`), or nil if it cannot.
    ///
    /// `⌈rad / RAY⌉ ≤ vat` exactly when `rad ≤ vat · RAY`, so the bounds the pass keeps in
    /// RAD decide most calls (a keeper short of DAI is asked again and again) without a
    /// 256-bit division; only a bid it will send computes the DAI to join.
    func funding(_ rad: UInt256, _ inputs: PassInputs) -> [ProtocolState.Call]? {
        guard let vatRad = inputs.capitalRad.vat, rad > vatRad else { return [] }
        if let totalRad = inputs.capitalRad.total, rad > totalRad { return nil }
        let (whole, remainder) = rad.quotientAndRemainder(dividingBy: MakerSystem.ray)
        let needed = remainder.isZero ? whole : whole + .one
        return [.joinDai(amount: needed - inputs.capital.vat)]
    }

    func currentBid() -> GasBid? {
        let bid = newest.bid(settings.gas)
        if bid == nil { statistics.stalledByCeiling += 1 }
        return bid
    }

    /// Unsafe vaults at the on-chain `spot`, from the index: `bark` or `bite`.
    func liquidate(
        _ state: ProtocolState, budget: inout Int, _ context: Context<ProtocolMessage>
    ) {
        for ilk in ilks where budget > 0 {
            // Field by field: the whole ilk (its name among them) was copied for every keeper
            // and block, though most blocks have no unsafe vault.
            let spot = state.maker.ilk(ilk).spot
            guard !spot.isZero else { continue }
            let rate = state.maker.ilk(ilk).rate
            let threshold = SafetyThreshold(collateralValue: spot, debtValue: rate)
            // Into a buffer it keeps, as vault ids (an array of them and one of owners
            // were allocated per query).
            book.unsafeIDs(
                ilk: ilk, at: threshold, limit: budget * 4, subscriber: subscriber,
                into: &unsafeIDs)
            guard !unsafeIDs.isEmpty else { continue }
            let liquidation = state.maker.ilk(ilk).liquidation
            for id in unsafeIDs where budget > 0 {
                let owner = book.book.owner(of: id)
                let task = KeeperTask.liquidate(ilk: ilk, owner: owner)
                guard !isBusy(with: task.target, now: context.now) else { continue }
                guard let bid = currentBid() else { return }
                switch liquidation {
                case .clip(let clip):
                    let art = state.maker.urn(ilk: ilk, owner: owner).art
                    guard barkPays(art: art, rate: rate, clip, bid: bid, now: context.now)
                    else { continue }
                    send(
                        [.maker(.bark(ilk: ilk, vault: owner, keeper: settings.address))],
                        gasLimit: Self.barkGas, bid: bid, task: task, budget: &budget, context)
                case .flip:
                    send(
                        [.maker(.bite(ilk: ilk, vault: owner))], gasLimit: Self.biteGas,
                        bid: bid, task: task, budget: &budget, context)
                }
            }
        }
    }

    /// Every auction it knows of that is still live: take, bid, or deal.
    func bidOnAuctions(
        _ state: ProtocolState, block: UInt64, budget: inout Int,
        _ context: Context<ProtocolMessage>
    ) {
        // Finished auctions are found when next looked at, not by a pass over all of
        // them every block (thousands of live auctions × keepers × blocks).
        var finished = 0
        let now = context.now.milliseconds
        guard now >= earliestCheck else { return }
        let second = UInt64(max(0, context.now.wholeSeconds))
        // A pass with nothing due: until the smallest next check, the next passes have
        // nothing to do either. (A pass that acts leaves it unknown: tracking the smallest
        // through busy passes, or through every search, cost more than it saved.)
        nextChecks.collectDue(now: now)
        guard nextChecks.dueCount > 0 else {
            earliestCheck = nextChecks.earliestBound
            return
        }
        earliestCheck = .min
        // Read once per pass, and only when an auction is due.
        passMids.removeAll(keepingCapacity: true)
        for collateral in ilks.indices { passMids.append(view.mid(collateral, at: context.now)) }
        let inputs = PassInputs(
            now: context.now, nativePrice: nativePrice(at: context.now),
            capital: spendableDai(state),
            gasBid: newest.bid(settings.gas),
            gasCosts: { bid, nativePrice in
                (
                    gasCost(Self.takeGas, bid: bid, nativePrice: nativePrice),
                    gasCost(Self.flashTakeGas, bid: bid, nativePrice: nativePrice)
                )
            })
        // What only some looks read is read on the first such look of the pass: the
        // Flipper terms by a Flipper look, the pairs' reserves by a flash take's
        // (a Clipper world's passes read no Flipper terms; most looks decide before the
        // reserves).
        passTermsRead = false
        passReservesRead = false
        lastSales = SaleQuotes()
        // The auctions it has a transaction in flight for, once per pass (a look asked the
        // outbox each time). What the pass sends is for auctions it has passed already: each
        // live auction holds one place in the list.
        passPending.removeAll(keepingCapacity: true)
        for entry in outbox.pending {
            if case .auction(let id) = entry.purpose.target { passPending.append(id) }
        }
        // The due positions, in order; a look writes only its own position's time.
        var dueIndex = 0
        while budget > 0, dueIndex < nextChecks.dueCount {
            let index = nextChecks.due(at: dueIndex)
            dueIndex += 1
            let known = auctions[index]
            // A revert's hold-off is in `nextChecks` too (`holdOff`).
            if passPending.contains(known.id) { continue }
            let before = budget
            var hint: SimTime?
            switch quotes.read(known.id, block: block, state: state, now: second) {
            case .gone:
                nextChecks[index] = .max
                finished += 1
                continue
            case .clip:
                hint = take(known, state, inputs, budget: &budget, context)
            case .flip:
                // `read` found it live in this state.
                if let look = quotes.flip(of: known.id) {
                    bid(on: look, known, state, inputs, budget: &budget, context)
                }
            }
            if budget == before {
                // Left alone: when its curve says, or after an interval that doubles with
                // each look that found nothing to do (at most `effectiveRecheckLimit`).
                nextChecks[index] =
                    (hint ?? context.now + settings.auctionBackoff(after: known.misses))
                    .milliseconds
                auctions[index].misses += 1
            } else {
                auctions[index].misses = 0
            }
        }
        // Finished auctions stay in place (never due again) until they are a fifth of
        // the list: removing them is a pass over all the others, and most passes finish one.
        finishedKept += finished
        if finishedKept * 5 > auctions.count {
            nextChecks.removeFinished(alongside: &auctions)
            finishedKept = 0
        }
    }

    /// The pairs' reserves for this pass (`passReserves`), read on its first flash look.
    func readPassReserves(_ state: ProtocolState) {
        passReservesRead = true
        passReserves.removeAll(keepingCapacity: true)
        for collateral in pairs.indices {
            passReserves.append(
                pairs[collateral].flatMap { flashReserves(state, pair: $0, collateral: collateral) }
            )
        }
    }

    /// The Flipper terms for this pass (`lastFlipTerms`), read on its first Flipper look.
    func readPassTerms(_ state: ProtocolState, _ inputs: PassInputs) {
        passTermsRead = true
        lastFlipTerms = FlipPassTerms(
            begs: ilks.map { ilk in
                guard case .flip(let terms) = state.maker.ilk(ilk).liquidation else { return nil }
                return terms.beg
            },
            bidGasCost: inputs.gasBid.map {
                gasCost(Self.bidGas, bid: $0, nativePrice: inputs.nativePrice)
            } ?? 0)
    }

    /// What selling `amount` of `collateral` on the venue brings in this pass. Lots are
    /// mostly the same size (the v1 Cat cuts them at `lump`), so a pass over thousands of
    /// auctions asks the same question again and again: the last few answers are kept for
    /// the pass (`bidOnAuctions` clears them), and the venue's depth curve (an `exp`) is
    /// walked once per distinct lot instead of once per auction.
    func saleValue(_ collateral: Int, amount: Double, _ inputs: PassInputs) -> Double {
        for slot in 0..<SaleQuotes.count
        where lastSales[slot].collateral == collateral && lastSales[slot].amount == amount {
            return lastSales[slot].value
        }
        let value = view.saleValue(collateral, amount: amount, at: inputs.now)
        lastSales.keep(SaleQuote(collateral: collateral, amount: amount, value: value))
        return value
    }

    /// Whether the Clipper's incentive for barking a vault of `art` at `rate` pays for the
    /// bark's gas at `bid`, or the keeper barks regardless (`incentiveCovers`).
    func barkPays(
        art: UInt256, rate: UInt256, _ clip: MakerSystem.ClipTerms, bid: GasBid, now: SimTime
    ) -> Bool {
        settings.startsUnprofitableAuctions
            || Self.barkIncentive(
                art: art, rate: rate, clip, covers: gasCost(Self.barkGas, bid: bid, now: now))
    }

    /// Whether dss's bark incentive `coin = tip + tab · chip / WAD`, with
    /// `tab = art · rate · chop / WAD` (RAD), is at least `cost` DAI, as
    /// `coin.approximateValue / 10⁴⁵ ≥ cost` decides it.
    ///
    /// Every keeper asks it of every unsafe vault it meets (27,200 times on the world
    /// bench), and the incentive took four 256-bit products and divisions. In doubles it is
    /// within a few units in the last place of the exact incentive's own approximation (the
    /// floors lose at most two units of RAD): it decides unless it is within a billionth
    /// of the cost, and only then are the exact products made — as they are when a product
    /// nears 2²⁵⁶, where the exact ones trap as before.
    static func barkIncentive(
        art: UInt256, rate: UInt256, _ clip: MakerSystem.ClipTerms, covers cost: Double
    ) -> Bool {
        // `chop` is at least one WAD: `art · rate` is below the bound when this product is.
        let chopped = art.approximateValue * rate.approximateValue * clip.chop.approximateValue
        let chipped = chopped / 1e18 * clip.chip.approximateValue
        if chopped < 1e76, chipped < 1e76 {
            let coin = (clip.tip.approximateValue + chipped / 1e18) / 1e45
            if abs(coin - cost) > 1e-9 * (coin + cost) + 1e-30 { return coin >= cost }
        }
        let tab = art * rate * clip.chop / .wad
        return incentive(clip.tip + tab * clip.chip / .wad, covers: cost)
    }

    /// Whether an incentive of `coin` (RAD) pays for `gas` at `bid`, or the keeper acts
    /// regardless.
    func incentiveCovers(_ coin: UInt256, gas: Gas, bid: GasBid, now: SimTime) -> Bool {
        settings.startsUnprofitableAuctions
            || Self.incentive(coin, covers: gasCost(gas, bid: bid, now: now))
    }

    /// Whether an incentive of `coin` (RAD) is at least `cost` DAI.
    static func incentive(_ coin: UInt256, covers cost: Double) -> Bool {
        coin.approximateValue / 1e45 >= cost
    }

    /// Takes from Clipper auction `known` (as the world's `MakerAuctionQuotes` just read
    /// it), restarts it if it needs `redo`, or returns when it is worth looking at again
    /// (nil: the usual `auctionRecheck`).
    ///
    /// Most looks decide nothing (the auction is dearer than the venue, or the flash take
    /// does not pay): they read only the quote's facts and the shared whole-lot plan and
    /// flash margin; the quote itself is copied out only for a look that acts or buys with
    /// its own DAI.
    func take(
        _ known: KnownAuction, _ state: ProtocolState, _ inputs: PassInputs, budget: inout Int,
        _ context: Context<ProtocolMessage>
    ) -> SimTime? {
        let facts = quotes.facts(of: known.id)
        guard facts.hasLot else { return nil }
        if facts.needsRedo {
            guard let status = quotes.quote(of: known.id) else { return nil }
            restart(known, state, tab: status.tab, budget: &budget, context)
            return nil
        }
        // Dearer than the venue: nothing to plan yet (no path can profit).
        if facts.price >= passMids[known.collateral] {
            return recheckTime(known, facts, inputs, context)
        }
        guard let wholeOwe = quotes.wholeOwe(of: known.id) else { return nil }
        guard let bid = inputs.gasBid else {
            statistics.stalledByCeiling += 1
            return nil
        }
        // The pass's capital in RAD (nil: beyond 2²⁵⁶, more than any auction owes).
        let capitalRad = inputs.capitalRad.total
        let ownDai =
            capitalRad.map { $0 >= wholeOwe } ?? true || !settings.usesFlashTakes
            || pairs[known.collateral] == nil
        if !ownDai, let pair = pairs[known.collateral] {
            if !passReservesRead { readPassReserves(state) }
            guard let reserves = passReserves[known.collateral],
                let margin = quotes.flashMargin(of: known.id, pair: pair, reserves: reserves)
            else { return nil }
            var value = margin.value - inputs.flashTakeGasCost
            // The estimate decides unless it is within its bound of the threshold (the
            // subtraction's own rounding is far inside the bound's spare).
            if abs(value - settings.minimumProfit)
                <= margin.tolerance + 1e-9 * abs(inputs.flashTakeGasCost)
            {
                guard
                    let exact = quotes.exactFlashMargin(
                        of: known.id,
                        {
                            try? UniswapV2Library.getAmountOut(
                                amountIn: $0, reserveIn: reserves.0, reserveOut: reserves.1)
                        })
                else { return nil }
                value = exact - inputs.flashTakeGasCost
            }
            // The bundle is built only when worth it, from the whole-lot plan the quote
            // already made (`wholeOwe`): exactly what the state would plan at this moment.
            guard value > settings.minimumProfit, let status = quotes.quote(of: known.id),
                let bundle = state.flashTakeBundle(
                    auction: known.id, ilk: ilks[known.collateral], amount: status.lot,
                    maxPrice: status.price, keeper: settings.address, pair: pair,
                    planned: (quotes.wholeSlice(of: known.id), wholeOwe))
            else { return recheckTime(known, facts, inputs, context) }
            send(
                bundle, gasLimit: Self.flashTakeGas, bid: bid,
                task: .take(
                    auction: known.id, collateral: known.collateral,
                    slice: quotes.wholeSlice(of: known.id),
                    flash: true),
                budget: &budget, context)
            return nil
        }
        // Own DAI: as much of the lot as its capital buys. Short of the whole lot's owe it
        // buys less than the lot (the owe is at most lot × price), and nothing when its
        // capital is below the price: both known before dividing.
        var plan: (slice: UInt256, owe: UInt256)
        var partial = false
        if let capitalRad, capitalRad < wholeOwe {
            // dss refuses a partial purchase once the tab is at or below `chost`: then only
            // the whole lot can be bought, and a keeper short of it waits rather than
            // sending a take that must revert.
            if facts.wholeLotOnly { return recheckTime(known, facts, inputs, context) }
            let price = quotes.price(of: known.id)
            guard capitalRad >= price,
                let affordablePlan = quotes.plannedTake(of: known.id, amount: capitalRad / price)
            else { return nil }
            plan = affordablePlan
            partial = true
        } else {
            plan = (quotes.wholeSlice(of: known.id), wholeOwe)
        }
        guard !plan.slice.isZero, let funding = funding(plan.owe, inputs) else { return nil }
        let value =
            saleValue(known.collateral, amount: plan.slice.approximateValue / 1e18, inputs)
            - plan.owe.approximateValue / 1e45
            - inputs.takeGasCost
        guard value > settings.minimumProfit else {
            return recheckTime(known, facts, inputs, context)
        }
        guard let status = quotes.quote(of: known.id) else { return nil }
        // Buying out the auction: ask for the whole lot and let the Clipper cap the
        // purchase at the tab at the price when the take lands. Asking for exactly
        // tab/price would become a partial purchase once the price has stepped down,
        // which dss refuses when the tab is at or below chost.
        let calls =
            funding + [
                .maker(
                    .take(
                        auction: known.id, amt: partial ? plan.slice : status.lot,
                        max: status.price, who: settings.address, flash: false))
            ]
        send(
            calls, gasLimit: Self.takeGas, bid: bid,
            task: .take(
                auction: known.id, collateral: known.collateral, slice: plan.slice,
                flash: false),
            budget: &budget, context)
        return nil
    }

    /// When a Clipper auction with quote `facts` now will have fallen to the venue mid,
    /// from its price curve: the keeper sleeps on it until then, at most
    /// `effectiveRecheckLimit` (the market moves meanwhile) and at least `auctionRecheck`.
    /// Thousands of live auctions then cost a few checks each instead of one per keeper
    /// per block.
    func recheckTime(
        _ known: KnownAuction, _ facts: ClipFacts, _ inputs: PassInputs,
        _ context: Context<ProtocolMessage>
    ) -> SimTime? {
        let current = facts.price
        let target = passMids[known.collateral]
        guard current > 0, target > 0, target < current else { return nil }
        let ratio = target / current
        let now = max(0, context.now.wholeSeconds)
        let limit = settings.effectiveRecheckLimit.wholeSeconds
        // Far above the mid, the wait is past the limit: known without the logarithm
        // (two looks in three that wait for the curve, on the world bench).
        if ratio <= farRatio(of: facts.curve) { return context.now + .seconds(limit) }
        guard
            let wait = facts.curve.wait(
                ratio: ratio, target: target, elapsed: max(0, now - facts.tic))
        else { return nil }
        let seconds = min(max(wait, settings.auctionRecheck.wholeSeconds), limit)
        return context.now + .seconds(seconds)
    }

    /// `curve.farRatio(limit:)` at its recheck limit, kept for the last curve asked about
    /// (a world has one or two).
    func farRatio(of curve: ClipFacts.RecheckCurve) -> Double {
        if curve != farRatioCurve {
            farRatioCurve = curve
            farRatioValue = curve.farRatio(limit: settings.effectiveRecheckLimit.wholeSeconds)
        }
        return farRatioValue
    }

    /// `redo` of an auction too old or too cheap, for the incentive (none when dusty).
    func restart(
        _ known: KnownAuction, _ state: ProtocolState, tab: UInt256, budget: inout Int,
        _ context: Context<ProtocolMessage>
    ) {
        guard case .clip(let auction)? = state.maker.auction(known.id),
            case .clip(let terms) = state.maker.ilk(auction.ilk).liquidation,
            let bid = currentBid()
        else { return }
        let dusty = tab < state.maker.ilk(auction.ilk).chost
        let coin = dusty ? UInt256.zero : terms.tip + tab * terms.chip / .wad
        guard incentiveCovers(coin, gas: Self.redoGas, bid: bid, now: context.now) else { return }
        send(
            [.maker(.redo(auction: known.id, keeper: settings.address))], gasLimit: Self.redoGas,
            bid: bid, task: .redo(auction: known.id), budget: &budget, context)
    }

    /// The pair's reserves of the collateral's token and of DAI (WAD), for the flash take's
    /// swap.
    func flashReserves(
        _ state: ProtocolState, pair: Int, collateral: Int
    ) -> (UInt256, UInt256)? {
        let pool = state.pair(pair)
        guard let wiring = state.collateral(of: ilks[collateral]) else { return nil }
        return pool.token0 == wiring.token
            ? (pool.reserve0, pool.reserve1) : (pool.reserve1, pool.reserve0)
    }

    /// Looks at Flipper auction `look` (as the block left it): deals it if it won, or bids
    /// (`tend`, `dent`, the opportunist's dust) what its valuation allows and its DAI funds.
    func bid(
        on look: FlipLook, _ known: KnownAuction, _ state: ProtocolState,
        _ inputs: PassInputs, budget: inout Int, _ context: Context<ProtocolMessage>
    ) {
        let flip = look.auction
        let now = UInt64(max(0, context.now.wholeSeconds))
        let me = settings.address
        let finished = (flip.tic != 0 && flip.tic < now) || flip.end < now
        if finished {
            guard flip.guy == me, let bid = currentBid() else { return }
            var calls: [ProtocolState.Call] = [.maker(.deal(auction: known.id))]
            var gasLimit = Self.dealGas
            var soldOnAMM = false
            // Recycle the capital: the won lot leaves the Vat and is sold on the pair in the
            // same transaction, so the DAI can fund the next bid.
            if settings.sellsWonCollateralOnAMM, let pair = pairs[known.collateral],
                let wiring = state.collateral(of: flip.ilk)
            {
                calls += [
                    .exitGem(ilk: flip.ilk, amount: flip.lot),
                    .swap(
                        pair: pair, tokenIn: wiring.token, amountIn: flip.lot,
                        amountOutMin: .zero, to: me),
                ]
                gasLimit += Self.sellGas
                soldOnAMM = true
            }
            send(
                calls, gasLimit: gasLimit, bid: bid,
                task: .deal(
                    auction: known.id, collateral: known.collateral, lot: flip.lot,
                    soldOnAMM: soldOnAMM),
                budget: &budget, context)
            return
        }
        // The ilk's `beg` and a bid's gas cost are the same for every auction of a pass:
        // read by the pass's first Flipper look (`readPassTerms`), not once per look (an
        // ilk is a large value).
        if !passTermsRead { readPassTerms(state, inputs) }
        guard flip.guy != me, let beg = lastFlipTerms.begs[known.collateral] else { return }
        guard let gasBid = inputs.gasBid else {
            statistics.stalledByCeiling += 1
            return
        }
        let lotUnits = look.lotUnits
        let worth =
            saleValue(known.collateral, amount: lotUnits, inputs)
            * (1 - settings.flipDiscount)
            - lastFlipTerms.bidGasCost
            - settings.minimumProfit
        // At most two candidates, in order of preference (no array, and no call built until
        // one is chosen: this runs for every live auction each time a keeper looks at it).
        var first: BidCandidate?
        var second: BidCandidate?
        if flip.bid < flip.tab {
            if let wanted = look.tendAllowed(worth: worth),
                // A bid of the whole tab needs no `beg` step: the division is made only when
                // the bid is below it (most looks valued the lot above it).
                wanted > flip.bid, wanted == flip.tab || wanted >= flip.bid * beg / .wad
            {
                first = .tend(bid: wanted)
            }
            // The opportunist: nobody has bid for a while; one wei of DAI may win the lot.
            if flip.bid.isZero, let wait = settings.opportunistWait,
                context.now - known.kickedAt >= wait
            {
                if first == nil {
                    first = .tend(bid: Self.dustBid)
                } else {
                    second = .tend(bid: Self.dustBid)
                }
            }
        } else if worth > 0 {
            // Dent: the least collateral for the tab at its valuation per unit.
            let perUnit = worth / lotUnits
            let lotWanted = UInt256(truncating: flip.tab.approximateValue / 1e45 / perUnit * 1e18)
            if let lotWanted, !lotWanted.isZero, lotWanted * beg <= flip.lot * .wad,
                lotWanted < flip.lot
            {
                first = .dent(lot: lotWanted)
            }
        }
        guard let first else { return }
        // The first it can pay for (capital limits bids: DAI was scarce on Black Thursday).
        let chosen: (call: MakerSystem.Call, funding: [ProtocolState.Call])
        if let funding = funding(first.amount(standing: flip.bid), inputs) {
            chosen = (first.call(known.id, flip), funding)
        } else if let second, let funding = funding(second.amount(standing: flip.bid), inputs) {
            chosen = (second.call(known.id, flip), funding)
        } else {
            return
        }
        send(
            chosen.funding + [.maker(chosen.call)], gasLimit: Self.bidGas, bid: gasBid,
            task: .bid(auction: known.id), budget: &budget, context)
    }
}

/// A Flipper bid a keeper considers: the call is built only for the one it sends.
enum BidCandidate {
    /// `tend` with a bid of `bid` (RAD) for the whole lot.
    case tend(bid: UInt256)
    /// `dent` for `lot` at the standing bid (the tab).
    case dent(lot: UInt256)

    /// The DAI it commits, RAD.
    func amount(standing: UInt256) -> UInt256 {
        switch self {
        case .tend(let bid): bid
        case .dent: standing
        }
    }

    func call(_ id: MakerSystem.AuctionID, _ flip: MakerSystem.FlipAuction) -> MakerSystem.Call {
        switch self {
        case .tend(let bid): .tend(auction: id, lot: flip.lot, bid: bid)
        case .dent(let lot): .dent(auction: id, lot: lot, bid: flip.bid)
        }
    }
}

/// What every Flipper look of one auction pass shares: each collateral's `beg` (nil when
/// its ilk does not liquidate through a Flipper) and the gas cost of a bid at the pass's
/// gas bid, in quote.
struct FlipPassTerms {
    var begs: [UInt256?] = []
    var bidGasCost: Double = 0
}
