import CascadeCore

// The Cat (dss `cat.sol`) and the Flipper (dss `flip.sol`): Liquidations 1.2 (Cat v2, lots
// bounded by `dunk` and `box`) or, with `FlipTerms.lump`, the v1 Cat in force on Black
// Thursday (lots of at most `lump` collateral). `bite` seizes part or all of an unsafe vault
// and starts an English auction: phase one (`tend`) raises the DAI bid for the whole lot up to `tab`;
// phase two (`dent`) lowers the lot at `bid == tab`, giving collateral back to the owner.

extension MakerSystem {
    /// Cat `bite`.
    mutating func bite(ilk id: IlkID, owner: Address, now: UInt64, events: inout [Event])
        throws(Revert)
    {
        let ilk = ilks[Int(id.rawValue)]
        guard case .flip(let terms) = ilk.liquidation else { throw Revert("Cat/not-a-flip-ilk") }
        let key = IlkAccount(ilk: id, owner: owner)
        let urn = urns[key] ?? Urn()
        guard isUnsafe(ilk: id, owner: owner) else { throw Revert("Cat/not-unsafe") }
        let dart: UInt256
        let dink: UInt256
        if let lump = terms.lump {
            // v1 (the Cat of March 2020): a lot of at most `lump`, the debt pro rata.
            dink = Swift.min(urn.ink, lump)
            dart = Swift.min(urn.art, try mulChecked(dink, urn.art) / urn.ink)
        } else {
            let box = configuration.box
            let room = litter < box ? box - litter : .zero
            guard litter < box, room >= ilk.dust else {
                throw Revert("Cat/liquidation-limit-hit")
            }
            let limit =
                try mulChecked(Swift.min(terms.dunk, room), Self.wad) / ilk.rate / terms.chop
            dart = Swift.min(urn.art, limit)
            dink = Swift.min(urn.ink, try mulChecked(urn.ink, dart) / urn.art)
        }
        guard dart > .zero, dink > .zero else { throw Revert("Cat/null-auction") }
        let due = try mulChecked(dart, ilk.rate)
        let tab = try mulChecked(due, terms.chop) / Self.wad
        let newLitter = try addChecked(litter, tab)
        try checkSuck(due)
        // Every check passed: grab, fess, kick.
        setUrn(Urn(ink: urn.ink - dink, art: urn.art - dart), for: key)
        ilks[Int(id.rawValue)].totalArt -= dart
        joinAuctionHouse(ilk: id, house: terms.flipper, wad: dink)
        creditSin(configuration.vow, due)
        vice += due
        fess(due, now: now)
        litter = newLitter
        let end = now + terms.tau
        let auction = FlipAuction(
            ilk: id, bid: .zero, lot: dink, guy: configuration.cat, tic: 0, end: end, usr: owner,
            gal: configuration.vow, tab: tab)
        let auctionID = openAuction(.flip(auction))
        events.append(
            .kicked(
                MakerKick(
                    auction: auctionID, kind: .flip, ilk: id, tab: tab, lot: dink, bid: .zero,
                    top: .zero, tic: 0, end: end, keeper: nil, coin: .zero)))
        events.append(
            .bitten(
                MakerLiquidation(
                    vault: owner, ilk: id, ink: urn.ink, art: urn.art, rate: ilk.rate,
                    spot: ilk.spot, dart: dart, due: due, tab: tab, lot: dink,
                    auction: auctionID)))
    }

    /// Flipper `tend`: a higher DAI bid for the whole lot.
    mutating func tend(
        id: AuctionID, lot: UInt256, bid: UInt256, bidder: Address, now: UInt64,
        events: inout [Event]
    ) throws(Revert) {
        let (auction, terms) = try flipAuction(id)
        try requireBiddable(auction, now: now)
        guard bidder != terms.flipper else { throw Revert("Flipper/invalid-bidder") }
        guard lot == auction.lot else { throw Revert("Flipper/lot-not-matching") }
        guard bid <= auction.tab else { throw Revert("Flipper/higher-than-tab") }
        guard bid > auction.bid else { throw Revert("Flipper/bid-not-higher") }
        let raised = try mulChecked(bid, Self.wad) >= (try mulChecked(terms.beg, auction.bid))
        guard raised || bid == auction.tab else { throw Revert("Flipper/insufficient-increase") }
        let refund = bidder == auction.guy ? UInt256.zero : auction.bid
        let increment = bid - auction.bid
        try requireDai(bidder, refund + increment)
        // Every check passed: refund the previous bidder, pay the increment to gal.
        moveDaiUnchecked(from: bidder, to: auction.guy, rad: refund)
        moveDaiUnchecked(from: bidder, to: auction.gal, rad: increment)
        var next = auction
        next.guy = bidder
        next.bid = bid
        next.tic = now + terms.ttl
        replaceAuction(id, with: .flip(next))
        events.append(.tended(bidEvent(id, bidder, next, previous: auction, terms)))
    }

    /// Flipper `dent`: at `bid == tab`, a smaller lot for the same DAI.
    mutating func dent(
        id: AuctionID, lot: UInt256, bid: UInt256, bidder: Address, now: UInt64,
        events: inout [Event]
    ) throws(Revert) {
        let (auction, terms) = try flipAuction(id)
        try requireBiddable(auction, now: now)
        guard bidder != terms.flipper else { throw Revert("Flipper/invalid-bidder") }
        guard bid == auction.bid else { throw Revert("Flipper/not-matching-bid") }
        guard bid == auction.tab else { throw Revert("Flipper/tend-not-finished") }
        guard lot < auction.lot else { throw Revert("Flipper/lot-not-lower") }
        let lowered = try mulChecked(terms.beg, lot) <= (try mulChecked(auction.lot, Self.wad))
        guard lowered else { throw Revert("Flipper/insufficient-decrease") }
        let refund = bidder == auction.guy ? UInt256.zero : bid
        try requireDai(bidder, refund)
        // Every check passed: the new bidder takes over the bid, the owner gets gems back.
        moveDaiUnchecked(from: bidder, to: auction.guy, rad: refund)
        moveGemUnchecked(
            ilk: auction.ilk, from: terms.flipper, to: auction.usr,
            wad: auction.lot - lot)
        var next = auction
        next.guy = bidder
        next.lot = lot
        next.tic = now + terms.ttl
        replaceAuction(id, with: .flip(next))
        events.append(.dented(bidEvent(id, bidder, next, previous: auction, terms)))
    }

    /// Flipper `deal`: after the last bid expired or the auction ended, the lot goes to the
    /// highest bidder and the Cat's `litter` is released (`claw(tab)`). DAI not raised
    /// (`tab − bid`) stays in the Vow's `sin`: bad debt.
    mutating func deal(id: AuctionID, now: UInt64, events: inout [Event]) throws(Revert) {
        let (auction, terms) = try flipAuction(id)
        guard auction.tic != 0, auction.tic < now || auction.end < now else {
            throw Revert("Flipper/not-finished")
        }
        litter -= Swift.min(litter, auction.tab)
        moveGemUnchecked(ilk: auction.ilk, from: terms.flipper, to: auction.guy, wad: auction.lot)
        closeAuction(id)
        events.append(
            .dealt(
                MakerDeal(
                    auction: id, winner: auction.guy, lot: auction.lot, bid: auction.bid,
                    tab: auction.tab)))
    }

    /// Flipper `tick`: restart an auction that ended with no bid (`end = now + tau`).
    mutating func tick(id: AuctionID, now: UInt64, events: inout [Event]) throws(Revert) {
        let (auction, terms) = try flipAuction(id)
        guard auction.end < now else { throw Revert("Flipper/not-finished") }
        guard auction.tic == 0 else { throw Revert("Flipper/bid-already-placed") }
        var next = auction
        next.end = now + terms.tau
        replaceAuction(id, with: .flip(next))
        events.append(.ticked(auction: id, end: next.end))
    }

    /// Flipper or Clipper `yank` (governance, as by the End on shutdown).
    mutating func yank(id: AuctionID, caller: Address, events: inout [Event]) throws(Revert) {
        guard let live = auction(id) else {
            throw Revert("Maker/auction-not-running")
        }
        switch live {
        case .flip(let auction):
            guard auction.bid < auction.tab else { throw Revert("Flipper/already-dent-phase") }
            let refund = caller == auction.guy ? UInt256.zero : auction.bid
            try requireDai(caller, refund)
            litter -= Swift.min(litter, auction.tab)
            moveGemUnchecked(
                ilk: auction.ilk, from: auctionHouse(auction.ilk), to: caller,
                wad: auction.lot)
            moveDaiUnchecked(from: caller, to: auction.guy, rad: refund)
        case .clip(let auction):
            digs(ilk: auction.ilk, rad: auction.tab)
            moveGemUnchecked(
                ilk: auction.ilk, from: auctionHouse(auction.ilk), to: caller,
                wad: auction.lot)
        }
        closeAuction(id)
        events.append(.yanked(auction: id, lot: live.lot))
    }

    // MARK: - Helpers

    func flipAuction(_ id: AuctionID) throws(Revert) -> (FlipAuction, FlipTerms) {
        guard case .flip(let auction)? = auction(id) else {
            throw Revert("Flipper/guy-not-set")
        }
        guard case .flip(let terms) = ilks[Int(auction.ilk.rawValue)].liquidation else {
            preconditionFailure("a flip auction belongs to a flip ilk")
        }
        return (auction, terms)
    }

    /// The bid-lifetime and auction-end checks shared by `tend` and `dent`.
    func requireBiddable(_ auction: FlipAuction, now: UInt64) throws(Revert) {
        guard auction.tic > now || auction.tic == 0 else {
            throw Revert("Flipper/already-finished-tic")
        }
        guard auction.end > now else { throw Revert("Flipper/already-finished-end") }
    }

    func bidEvent(
        _ id: AuctionID, _ bidder: Address, _ next: FlipAuction, previous: FlipAuction,
        _ terms: FlipTerms
    ) -> MakerBid {
        MakerBid(
            auction: id, bidder: bidder, lot: next.lot, bid: next.bid,
            previousBid: previous.bid, previousLot: previous.lot, beg: terms.beg,
            tab: next.tab, tic: next.tic)
    }

    func auctionHouse(_ ilk: IlkID) -> Address {
        ilks[Int(ilk.rawValue)].liquidation.auctionHouse
    }

    /// Collateral grabbed from a vault goes straight to the auction house (dss grabs to
    /// the Cat or the Clipper, and the Cat's kick fluxes it to the Flipper).
    mutating func joinAuctionHouse(ilk: IlkID, house: Address, wad: UInt256) {
        let key = IlkAccount(ilk: ilk, owner: house)
        setGem((gems[key] ?? .zero) + wad, for: key)
    }

    mutating func moveDaiUnchecked(from source: Address, to destination: Address, rad: UInt256) {
        debitDai(source, rad)
        creditDai(destination, rad)
    }

    // The only writes to the auction slots: each gives the slot a new revision.

    mutating func openAuction(_ auction: Auction) -> AuctionID {
        auctionSlots.append(auction)
        auctionRevisions.open()
        return AuctionID(UInt64(auctionSlots.count))
    }

    mutating func replaceAuction(_ id: AuctionID, with auction: Auction) {
        auctionSlots[Int(id.rawValue) - 1] = auction
        auctionRevisions.write(Int(id.rawValue) - 1)
    }

    mutating func closeAuction(_ id: AuctionID) {
        auctionSlots[Int(id.rawValue) - 1] = nil
        auctionRevisions.write(Int(id.rawValue) - 1)
    }
}
