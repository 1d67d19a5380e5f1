import CascadeCore

// Liquidations 2.0: the Dog (dss `dog.sol`) and the Clipper (dss `clip.sol`). `bark`
// seizes part or all of an unsafe vault, never leaving a dusty remainder, and starts a
// Dutch auction whose price falls along the ilk's curve from `top`; anyone may `take` at
// the current price, and a stale auction is restarted with `redo`.

extension MakerSystem {
    /// The state of a Clipper auction at `now` (dss `getStatus`).
    public struct ClipStatus: Hashable, Sendable {
        /// Whether the auction needs `redo` (too old or price below `cusp · top`).
        public let needsRedo: Bool
        /// Current price, RAY.
        public let price: UInt256
        /// Collateral left, WAD.
        public let lot: UInt256
        /// DAI still to raise, RAD.
        public let tab: UInt256
    }

    /// dss `getStatus(id)` at `now`; `nil` if `id` is not a live Clipper auction.
    public func clipStatus(_ id: AuctionID, now: UInt64) -> ClipStatus? {
        guard case .clip(let sale)? = auction(id),
            case .clip(let terms) = ilks[Int(sale.ilk.rawValue)].liquidation
        else { return nil }
        let (done, price) = status(tic: sale.tic, top: sale.top, terms: terms, now: now)
        return ClipStatus(needsRedo: done, price: price, lot: sale.lot, tab: sale.tab)
    }

    /// dss `status(tic, top)`: `price = calc.price(top, now − tic)`;
    /// `done = now − tic > tail || rdiv(price, top) < cusp`.
    func status(tic: UInt64, top: UInt256, terms: ClipTerms, now: UInt64)
        -> (done: Bool, price: UInt256)
    {
        let elapsed = Self.elapsed(since: tic, now: now)
        return status(
            elapsed: elapsed, top: top, terms: terms,
            price: terms.calc.price(top: top, elapsedSeconds: elapsed))
    }

    /// `status`, for a take or redo: the price from the factors this system remembers
    /// (`priceFactors`), the same wei.
    mutating func pricedStatus(tic: UInt64, top: UInt256, terms: ClipTerms, now: UInt64)
        -> (done: Bool, price: UInt256)
    {
        let elapsed = Self.elapsed(since: tic, now: now)
        return status(
            elapsed: elapsed, top: top, terms: terms,
            price: priceFactors.price(terms.calc, top: top, elapsedSeconds: elapsed))
    }

    /// On chain `now ≥ tic` always; an agent asking about an earlier moment (a stale view)
    /// gets the starting price rather than a trap.
    private static func elapsed(since tic: UInt64, now: UInt64) -> UInt64 {
        now >= tic ? now - tic : 0
    }

    /// dss `status` given the curve's `price` after `elapsed` seconds.
    private func status(elapsed: UInt64, top: UInt256, terms: ClipTerms, price: UInt256)
        -> (done: Bool, price: UInt256)
    {
        // price ≤ top < 2^256 / RAY in any sane run; treat an overflow as "needs reset".
        let (scaled, overflow) = price.multipliedReportingOverflow(by: Self.ray)
        let belowCusp = overflow || scaled / top < terms.cusp
        return (elapsed > terms.tail || belowCusp, price)
    }

    /// Clipper `getFeedPrice`: `rdiv(val · 1e9, par)`, RAY, from the last OSM value.
    func clipperFeedPrice(_ ilk: Ilk) throws(Revert) -> UInt256 {
        guard let value = ilk.feedPrice else { throw Revert("Clipper/invalid-price") }
        return try rdivChecked(try mulChecked(value, Self.billion), configuration.par)
    }

    /// Dog `bark` and Clipper `kick`.
    mutating func bark(
        ilk id: IlkID, owner: Address, keeper: Address, now: UInt64, events: inout [Event]
    ) throws(Revert) {
        let ilk = ilks[Int(id.rawValue)]
        guard case .clip(let terms) = ilk.liquidation else { throw Revert("Dog/not-a-clip-ilk") }
        let key = IlkAccount(ilk: id, owner: owner)
        let urn = urns[key] ?? Urn()
        guard isUnsafe(ilk: id, owner: owner) else { throw Revert("Dog/not-unsafe") }
        let hole = configuration.globalHole
        guard hole > globalDirt, terms.hole > ilk.dirt else {
            throw Revert("Dog/liquidation-limit-hit")
        }
        let room = Swift.min(hole - globalDirt, terms.hole - ilk.dirt)
        var dart = Swift.min(urn.art, try mulChecked(room, Self.wad) / ilk.rate / terms.chop)
        if urn.art > dart {
            if try mulChecked(urn.art - dart, ilk.rate) < ilk.dust {
                // The remainder would be dust: take the whole vault instead.
                dart = urn.art
            } else {
                guard try mulChecked(dart, ilk.rate) >= ilk.dust else {
                    throw Revert("Dog/dusty-auction-from-partial-liquidation")
                }
            }
        }
        let dink = try mulChecked(urn.ink, dart) / urn.art
        guard dink > .zero else { throw Revert("Dog/null-auction") }
        let due = try mulChecked(dart, ilk.rate)
        let tab = try mulChecked(due, terms.chop) / Self.wad
        let newDirt = try addChecked(globalDirt, tab)
        let newIlkDirt = try addChecked(ilk.dirt, tab)
        // Clipper kick's checks.
        guard terms.stopped < 1 else { throw Revert("Clipper/stopped-incorrect") }
        guard tab > .zero else { throw Revert("Clipper/zero-tab") }
        let feed = try clipperFeedPrice(ilk)
        let top = try rmulChecked(feed, terms.buf)
        guard top > .zero else { throw Revert("Clipper/zero-top-price") }
        var coin = UInt256.zero
        if terms.tip > .zero || terms.chip > .zero {
            coin = try addChecked(terms.tip, try wmulChecked(tab, terms.chip))
        }
        try checkSuck(try addChecked(due, coin))
        // Every check passed: grab, fess, kick, reward.
        setUrn(Urn(ink: urn.ink - dink, art: urn.art - dart), for: key)
        ilks[Int(id.rawValue)].totalArt -= dart
        joinAuctionHouse(ilk: id, house: terms.clipper, wad: dink)
        creditSin(configuration.vow, due)
        vice += due
        fess(due, now: now)
        globalDirt = newDirt
        ilks[Int(id.rawValue)].dirt = newIlkDirt
        let sale = ClipAuction(ilk: id, tab: tab, lot: dink, usr: owner, tic: now, top: top)
        let auctionID = openAuction(.clip(sale))
        if coin > .zero {
            suckUnchecked(debtor: configuration.vow, recipient: keeper, rad: coin)
        }
        events.append(
            .kicked(
                MakerKick(
                    auction: auctionID, kind: .clip, ilk: id, tab: tab, lot: dink, bid: .zero,
                    top: top, tic: now, end: 0, keeper: keeper, coin: coin)))
        events.append(
            .barked(
                MakerLiquidation(
                    vault: owner, ilk: id, ink: urn.ink, art: urn.art, rate: ilk.rate,
                    spot: ilk.spot, dart: dart, due: due, tab: tab, lot: dink,
                    auction: auctionID)))
    }

    /// Clipper `take`. Without `flash` the DAI is paid at once; with it, the collateral is
    /// delivered and `pendingTake` records the DAI due until `settleTake`.
    mutating func take(
        id: AuctionID, amt: UInt256, max: UInt256, who: Address, flash: Bool, taker: Address,
        now: UInt64, events: inout [Event]
    ) throws(Revert) {
        guard case .clip(let sale)? = auction(id) else {
            throw Revert("Clipper/not-running-auction")
        }
        // Read the two fields needed, not the whole `Ilk` (name, rates, terms): a copy of
        // it was a measurable part of a take.
        let ilkIndex = Int(sale.ilk.rawValue)
        let chost = ilks[ilkIndex].chost
        guard case .clip(let terms) = ilks[ilkIndex].liquidation else {
            preconditionFailure("a clip auction belongs to a clip ilk")
        }
        guard terms.stopped < 3 else { throw Revert("Clipper/stopped-incorrect") }
        // Not in dss (a flux to itself is a no-op there too), but collateral "delivered"
        // to the Clipper itself would stay counted in no lot: refuse it.
        guard who != terms.clipper else { throw Revert("Clipper/invalid-recipient") }
        let (done, price) = pricedStatus(tic: sale.tic, top: sale.top, terms: terms, now: now)
        guard !done else { throw Revert("Clipper/needs-reset") }
        guard max >= price else { throw Revert("Clipper/too-expensive") }
        var slice = Swift.min(sale.lot, amt)
        var owe = try mulChecked(slice, price)
        if owe > sale.tab {
            // Buying more than needed: cap at the tab.
            owe = sale.tab
            slice = owe / price  // price > 0 here: owe > tab ≥ 0 needs a nonzero price
        } else if owe < sale.tab && slice < sale.lot {
            // A partial purchase must not leave a tab below chost (unless none is left).
            if sale.tab - owe < chost {
                guard sale.tab > chost else { throw Revert("Clipper/no-partial-purchase") }
                guard price > .zero else { throw Revert("Maker/division-by-zero") }
                owe = sale.tab - chost
                slice = owe / price
            }
        }
        let tab = sale.tab - owe
        let lot = sale.lot - slice
        if !flash {
            try requireDai(taker, owe)
        }
        // Every check passed: deliver, release the Dog's room, settle the sale.
        let clipper = terms.clipper
        moveGemUnchecked(ilk: sale.ilk, from: clipper, to: who, wad: slice)
        if flash {
            pendingTake = PendingTake(auction: id, payer: taker, owe: owe)
        } else {
            moveDaiUnchecked(from: taker, to: configuration.vow, rad: owe)
        }
        digs(ilk: sale.ilk, rad: lot == .zero ? tab + owe : owe)
        if lot == .zero {
            closeAuction(id)
        } else if tab == .zero {
            moveGemUnchecked(ilk: sale.ilk, from: clipper, to: sale.usr, wad: lot)
            closeAuction(id)
        } else {
            var next = sale
            next.tab = tab
            next.lot = lot
            replaceAuction(id, with: .clip(next))
        }
        events.append(
            .taken(
                MakerTake(
                    auction: id, taker: taker, amt: amt, max: max, price: price, top: sale.top,
                    tic: sale.tic, slice: slice, owe: owe, tabAfter: tab, lotAfter: lot,
                    who: who, flash: flash)))
    }

    /// Pays the pending flash take: `owe` RAD from the payer to the Vow.
    mutating func settleTake(payer: Address, events: inout [Event]) throws(Revert) {
        guard let pending = pendingTake else { throw Revert("Clipper/no-pending-take") }
        guard pending.payer == payer else { throw Revert("Clipper/not-the-taker") }
        try requireDai(payer, pending.owe)
        moveDaiUnchecked(from: payer, to: configuration.vow, rad: pending.owe)
        pendingTake = nil
        events.append(.takeSettled(auction: pending.auction, payer: payer, owe: pending.owe))
    }

    /// Reverts if a flash take is still unpaid: the chain calls this when a transaction's
    /// calls are done, and reverts the whole transaction if it throws (as the EVM does when
    /// `clipperCall` returns without the DAI to pay).
    public func requireSettled() throws(Revert) {
        guard pendingTake == nil else { throw Revert("Vat/insufficient-dai") }
    }

    /// Clipper `redo`.
    mutating func redo(id: AuctionID, keeper: Address, now: UInt64, events: inout [Event])
        throws(Revert)
    {
        guard case .clip(let sale)? = auction(id) else {
            throw Revert("Clipper/not-running-auction")
        }
        let ilk = ilks[Int(sale.ilk.rawValue)]
        guard case .clip(let terms) = ilk.liquidation else {
            preconditionFailure("a clip auction belongs to a clip ilk")
        }
        guard terms.stopped < 2 else { throw Revert("Clipper/stopped-incorrect") }
        let (done, _) = pricedStatus(tic: sale.tic, top: sale.top, terms: terms, now: now)
        guard done else { throw Revert("Clipper/cannot-reset") }
        let feed = try clipperFeedPrice(ilk)
        let top = try rmulChecked(feed, terms.buf)
        guard top > .zero else { throw Revert("Clipper/zero-top-price") }
        var coin = UInt256.zero
        if terms.tip > .zero || terms.chip > .zero {
            // No reward for restarting an auction too small to be worth it.
            let lotValue = try mulChecked(sale.lot, feed)
            if sale.tab >= ilk.chost && lotValue >= ilk.chost {
                coin = try addChecked(terms.tip, try wmulChecked(sale.tab, terms.chip))
            }
        }
        try checkSuck(coin)
        var next = sale
        next.tic = now
        next.top = top
        replaceAuction(id, with: .clip(next))
        if coin > .zero {
            suckUnchecked(debtor: configuration.vow, recipient: keeper, rad: coin)
        }
        events.append(
            .redone(MakerRedo(auction: id, top: top, tic: now, keeper: keeper, coin: coin)))
    }

    /// Clipper `upchost`: `chost = wmul(dust, chop)`.
    mutating func upchost(ilk id: IlkID) throws(Revert) {
        let ilk = ilks[Int(id.rawValue)]
        guard case .clip(let terms) = ilk.liquidation else { throw Revert("Dog/not-a-clip-ilk") }
        ilks[Int(id.rawValue)].chost = try wmulChecked(ilk.dust, terms.chop)
    }

    /// Clipper `file("stopped", level)`.
    mutating func setStopped(ilk id: IlkID, level: Int) throws(Revert) {
        guard case .clip(var terms) = ilks[Int(id.rawValue)].liquidation else {
            throw Revert("Dog/not-a-clip-ilk")
        }
        guard (0...3).contains(level) else { throw Revert("Clipper/file-unrecognized-param") }
        terms.stopped = level
        ilks[Int(id.rawValue)].liquidation = .clip(terms)
    }

    /// Dog `digs`: release `rad` of the Dog's room.
    mutating func digs(ilk id: IlkID, rad: UInt256) {
        globalDirt -= rad
        ilks[Int(id.rawValue)].dirt -= rad
    }
}
