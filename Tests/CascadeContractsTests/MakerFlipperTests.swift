import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// Vectors from dss `src/test/flip.t.sol` (makerdao/dss fa4f6630, REFERENCE.md §2.6): lot
// 100, tab 50, beg 1.05, ttl 3 h, tau 2 days. Upstream kicks the Flipper directly; here
// the auction comes from a real Cat.bite (chop 1, rate 1) so the Vat's books are live too.
// Upstream amounts "1 ether" of DAI are 1 RAD here.

private typealias Fixture = MakerFixture

private func flipBid(_ fixture: MakerFixture, _ id: MakerSystem.AuctionID)
    -> MakerSystem.FlipAuction?
{
    guard case .flip(let bid)? = fixture.system.auction(id) else { return nil }
    return bid
}

private func tend(_ id: MakerSystem.AuctionID, _ lot: String, _ bid: String) -> MakerSystem.Call {
    .tend(auction: id, lot: wad(lot), bid: rad(bid))
}

private func dent(_ id: MakerSystem.AuctionID, _ lot: String, _ bid: String) -> MakerSystem.Call {
    .dent(auction: id, lot: wad(lot), bid: rad(bid))
}

@Suite("Maker Flipper and Cat (dss flip.t.sol, cat.sol)")
struct MakerFlipperTests {
    @Test func biteKicksLotHundredTabFifty() throws {
        let (fixture, gem, id) = Fixture.flipSetup()
        let bid = try #require(flipBid(fixture, id))
        #expect(bid.lot == wad("100") && bid.tab == rad("50") && bid.bid == .zero)
        #expect(bid.guy == Fixture.cat && bid.tic == 0 && bid.end == fixture.now + 2 * 86_400)
        #expect(bid.usr == Fixture.me && bid.gal == Fixture.vow)
        #expect(fixture.system.litter == rad("50"))
        #expect(fixture.system.gem(ilk: gem, owner: Fixture.flipper) == wad("100"))
    }

    // flip.t.sol test_beg.
    @Test func beg() {
        var (fixture, _, id) = Fixture.flipSetup()
        var ok: [Bool] = []
        ok.append(fixture.tries(tend(id, "100", "1"), as: Fixture.ali))
        ok.append(fixture.tries(tend(id, "100", "1.01"), as: Fixture.bob))
        // The high bidder is subject to beg too.
        ok.append(fixture.tries(tend(id, "100", "1.01"), as: Fixture.ali))
        ok.append(fixture.tries(tend(id, "100", "1.07"), as: Fixture.bob))
        ok.append(fixture.tries(tend(id, "100", "49"), as: Fixture.ali))
        // Reaching tab waives beg.
        ok.append(fixture.tries(tend(id, "100", "50"), as: Fixture.bob))
        ok.append(fixture.tries(dent(id, "100", "50"), as: Fixture.ali))
        ok.append(fixture.tries(dent(id, "99", "50"), as: Fixture.ali))
        ok.append(fixture.tries(dent(id, "95", "50"), as: Fixture.ali))
        #expect(ok == [true, false, false, true, true, true, false, false, true])
    }

    @Test func begReasons() {
        var (fixture, _, id) = Fixture.flipSetup()
        #expect(fixture.reason(tend(id, "100", "1"), as: Fixture.ali) == nil)
        #expect(
            fixture.reason(tend(id, "100", "1.01"), as: Fixture.bob)
                == "Flipper/insufficient-increase")
        #expect(fixture.reason(tend(id, "99", "2"), as: Fixture.bob) == "Flipper/lot-not-matching")
        #expect(fixture.reason(tend(id, "100", "51"), as: Fixture.bob) == "Flipper/higher-than-tab")
        #expect(fixture.reason(tend(id, "100", "1"), as: Fixture.bob) == "Flipper/bid-not-higher")
        #expect(fixture.reason(dent(id, "90", "1"), as: Fixture.bob) == "Flipper/tend-not-finished")
    }

    // flip.t.sol test_tend: bids 1 then 2 → gal holds 2; after +5 h, deal → bob gets 100.
    @Test func tendThenDeal() throws {
        var (fixture, gem, id) = Fixture.flipSetup()
        try fixture.run(tend(id, "100", "1"), as: Fixture.ali)
        #expect(fixture.system.dai(Fixture.ali) == rad("199"))
        #expect(fixture.system.dai(Fixture.vow) == rad("1"))
        try fixture.run(tend(id, "100", "2"), as: Fixture.bob)
        #expect(fixture.system.dai(Fixture.ali) == rad("200"))
        #expect(fixture.system.dai(Fixture.bob) == rad("198"))
        #expect(fixture.system.dai(Fixture.vow) == rad("2"))
        fixture.warp(5 * 3600)
        let events = try fixture.run(.deal(auction: id), as: Fixture.keeper)
        #expect(fixture.system.gem(ilk: gem, owner: Fixture.bob) == wad("100"))
        #expect(fixture.system.auction(id) == nil)
        #expect(fixture.system.litter == .zero)
        // Only 2 of 50 DAI raised: 48 DAI of the debt stays as bad debt.
        #expect(fixture.system.badDebt == rad("48"))
        guard case .dealt(let deal)? = events.last, events.count == 1 else {
            Issue.record("no deal event")
            return
        }
        #expect(deal.auction == id && deal.winner == Fixture.bob && deal.lot == wad("100"))
        #expect(deal.bid == rad("2") && deal.tab == rad("50"))
    }

    // flip.t.sol test_dent: tend 1, tend 50, dent 95 → usr receives 5 gems.
    @Test func dentReturnsCollateralToOwner() throws {
        var (fixture, gem, id) = Fixture.flipSetup()
        try fixture.run(tend(id, "100", "1"), as: Fixture.ali)
        try fixture.run(tend(id, "100", "50"), as: Fixture.bob)
        let events = try fixture.run(dent(id, "95", "50"), as: Fixture.ali)
        #expect(fixture.system.gem(ilk: gem, owner: Fixture.me) == wad("5"))
        #expect(fixture.system.dai(Fixture.ali) == rad("150"))
        #expect(fixture.system.dai(Fixture.bob) == rad("200"))
        guard case .dented(let bid)? = events.last else {
            Issue.record("no dent event")
            return
        }
        #expect(bid.previousLot == wad("100") && bid.lot == wad("95") && bid.bid == rad("50"))
        #expect(bid.tic == fixture.now + 3 * 3600 && bid.beg == wad("1.05"))
        fixture.warp(3 * 3600 + 1)
        try fixture.run(.deal(auction: id), as: Fixture.keeper)
        #expect(fixture.system.gem(ilk: gem, owner: Fixture.ali) == wad("95"))
        #expect(fixture.system.badDebt == .zero)
    }

    // flip.t.sol test_deal: after a tend, deal fails before ttl and succeeds at +4.1 h; else
    // a tend at +44 h and deal one day later (past end).
    @Test func dealTiming() throws {
        var (fixture, _, id) = Fixture.flipSetup()
        #expect(fixture.reason(.deal(auction: id), as: Fixture.keeper) == "Flipper/not-finished")
        try fixture.run(tend(id, "100", "1"), as: Fixture.ali)
        #expect(fixture.reason(.deal(auction: id), as: Fixture.keeper) == "Flipper/not-finished")
        fixture.warp(4 * 3600 + 360)
        #expect(fixture.reason(.deal(auction: id), as: Fixture.keeper) == nil)

        var (second, _, other) = Fixture.flipSetup()
        second.warp(44 * 3600)
        try second.run(tend(other, "100", "1"), as: Fixture.ali)
        second.warp(86_400)
        #expect(
            second.reason(tend(other, "100", "2"), as: Fixture.bob)
                == "Flipper/already-finished-tic")
        #expect(second.reason(.deal(auction: other), as: Fixture.keeper) == nil)
    }

    // flip.t.sol test_tick: no bids, +2 weeks → tend fails until tick.
    @Test func tickRestartsUnbidAuction() throws {
        var (fixture, _, id) = Fixture.flipSetup()
        #expect(fixture.reason(.tick(auction: id), as: Fixture.keeper) == "Flipper/not-finished")
        fixture.warp(2 * 7 * 86_400)
        #expect(
            fixture.reason(tend(id, "100", "1"), as: Fixture.ali)
                == "Flipper/already-finished-end")
        #expect(fixture.reason(.deal(auction: id), as: Fixture.keeper) == "Flipper/not-finished")
        try fixture.run(.tick(auction: id), as: Fixture.keeper)
        #expect(flipBid(fixture, id)?.end == fixture.now + 2 * 86_400)
        try fixture.run(tend(id, "100", "1"), as: Fixture.ali)
        #expect(fixture.reason(.tick(auction: id), as: Fixture.keeper) == "Flipper/not-finished")
    }

    @Test func yankIsGovernanceOnlyAndRefundsBidder() throws {
        var (fixture, gem, id) = Fixture.flipSetup()
        try fixture.run(tend(id, "100", "10"), as: Fixture.ali)
        #expect(fixture.reason(.yank(auction: id), as: Fixture.bob) == "Maker/not-authorized")
        fixture.system.mintDai(to: Fixture.governance, amount: rad("10"))
        try fixture.run(.yank(auction: id), as: Fixture.governance)
        #expect(fixture.system.dai(Fixture.ali) == rad("200"))
        #expect(fixture.system.gem(ilk: gem, owner: Fixture.governance) == wad("100"))
        #expect(fixture.system.litter == .zero)
    }

    // Black Thursday ETH-A (HISTORY.md §1): mat 1.5, chop 1.13, dust 20 DAI, beg 3%,
    // ttl 600 s, tau 3 days, dunk = 50 ETH worth at the bite price ($130 → 6500 DAI).
    // Cat.bite follows REFERENCE.md §2.6:
    //   dart = min(art, min(dunk, room)·WAD / rate / chop), dink = min(ink, ink·dart/art),
    //   tab = dart·rate·chop / WAD.
    @Test func blackThursdayBite() throws {
        var fixture = MakerFixture()
        let terms = MakerSystem.FlipTerms(
            flipper: Fixture.flipper, chop: wad("1.13"), dunk: rad("6500"), beg: wad("1.03"),
            ttl: 600, tau: 3 * 86_400)
        // 8% a year, per second (dss-deploy ETH-A duty in March 2020).
        let duty = UInt256("1000000002440418608258400030")!
        let eth = fixture.system.addIlk(
            MakerSystem.IlkConfiguration(
                name: "ETH-A", line: rad("150000000"), dust: rad("20"), mat: ray("1.5"),
                duty: duty, liquidation: .flip(terms)),
            at: fixture.now)
        try fixture.run(.poke(ilk: eth, price: wad("195.21")), as: Fixture.governance)
        try fixture.openVault(ilk: eth, owner: Fixture.me, ink: wad("100"), art: wad("12000"))
        fixture.warp(30 * 86_400)
        try fixture.run(.drip(ilk: eth), as: Fixture.keeper)
        let rate = fixture.system.ilk(eth).rate
        #expect(rate > ray("1.006") && rate < ray("1.0064"))  // 8%/yr for 30 days
        // Fees went to the Vow as surplus.
        #expect(fixture.system.dai(Fixture.vow) == wad("12000") * (rate - MakerSystem.ray))
        try fixture.run(.poke(ilk: eth, price: wad("130")), as: Fixture.governance)
        #expect(fixture.system.isUnsafe(ilk: eth, owner: Fixture.me))
        let events = try fixture.run(.bite(ilk: eth, vault: Fixture.me), as: Fixture.keeper)

        let art = wad("12000")
        let ink = wad("100")
        let dart = Swift.min(art, rad("6500") * MakerSystem.wad / rate / wad("1.13"))
        let dink = Swift.min(ink, ink * dart / art)
        let tab = dart * rate * wad("1.13") / MakerSystem.wad
        #expect(dart < art)  // dunk limits the bite: a partial liquidation
        guard case .bitten(let bite)? = events.last else {
            Issue.record("no bite event")
            return
        }
        #expect(bite.dart == dart && bite.lot == dink && bite.tab == tab)
        #expect(bite.due == dart * rate && bite.rate == rate)
        #expect(bite.ink == ink && bite.art == art)
        #expect(
            fixture.system.urn(ilk: eth, owner: Fixture.me)
                == MakerSystem.Urn(ink: ink - dink, art: art - dart))
        #expect(fixture.system.litter == tab)
        #expect(tab <= rad("6500") && rad("6500") - tab < rad("0.000001"))
        guard case .kicked(let kick)? = events.first else {
            Issue.record("no kick event")
            return
        }
        #expect(kick.kind == .flip && kick.end == fixture.now + 3 * 86_400 && kick.bid == .zero)

        // A zero bid (1e-18 DAI, as on the day) wins after ttl with no competition.
        let id = kick.auction
        fixture.system.mintDai(to: Fixture.ali, amount: rad("1"))
        try fixture.run(
            .tend(auction: id, lot: dink, bid: rad("0.000000000000000001")),
            as: Fixture.ali)
        fixture.warp(601)
        try fixture.run(.deal(auction: id), as: Fixture.keeper)
        #expect(fixture.system.gem(ilk: eth, owner: Fixture.ali) == dink)
        // Bad debt = the debt grabbed, less the 1e-18 DAI bid, less the fees collected.
        let fees = wad("12000") * (rate - MakerSystem.ray)
        #expect(fixture.system.badDebt == dart * rate - rad("0.000000000000000001") - fees)
    }

    // Cat may leave a dusty vault (unlike the Dog); box limits the bite to the room left.
    @Test func catBoxAndDust() throws {
        var fixture = MakerFixture(
            configuration: MakerSystem.Configuration(
                vow: Fixture.vow, cat: Fixture.cat, dog: Fixture.dog,
                governance: Fixture.governance, globalLine: rad("1000000"), box: rad("60")))
        let terms = MakerSystem.FlipTerms(flipper: Fixture.flipper, chop: wad("1"), dunk: rad("50"))
        let gem = fixture.system.addIlk(
            MakerSystem.IlkConfiguration(
                name: "gems", line: rad("100000"), dust: rad("20"), mat: ray("1"),
                liquidation: .flip(terms)),
            at: fixture.now)
        try fixture.run(.poke(ilk: gem, price: wad("1")), as: Fixture.governance)
        try fixture.openVault(ilk: gem, owner: Fixture.me, ink: wad("100"), art: wad("60"))
        try fixture.openVault(ilk: gem, owner: Fixture.ali, ink: wad("100"), art: wad("60"))
        try fixture.run(.poke(ilk: gem, price: wad("0.5")), as: Fixture.governance)
        try fixture.run(.bite(ilk: gem, vault: Fixture.me), as: Fixture.keeper)
        // dunk 50 < art 60: 10 DAI of debt is left, below dust 20: the Cat allows it.
        #expect(
            fixture.system.urn(ilk: gem, owner: Fixture.me)
                == MakerSystem.Urn(
                    ink: wad("100") - wad("100") * wad("50") / wad("60"),
                    art: wad("10")))
        // room = box − litter = 10 < dust: the next bite is refused.
        let before = fixture.system
        #expect(
            fixture.reason(.bite(ilk: gem, vault: Fixture.ali), as: Fixture.keeper)
                == "Cat/liquidation-limit-hit")
        #expect(fixture.system == before)
        #expect(
            fixture.reason(
                .bark(ilk: gem, vault: Fixture.ali, keeper: Fixture.keeper),
                as: Fixture.keeper) == "Dog/not-a-clip-ilk")
    }

    // The v1 Cat of March 2020 (dss `cat.sol` at the MCD launch, HISTORY.md §1: lump 50 ETH):
    //   lot = min(ink, lump), art = min(art, lot·art / ink), tab = art·rate·chop.
    // A 120-ETH vault is cut into lots of 50, 50 and 20; no box limits the bites.
    @Test func v1CatBitesLumps() throws {
        var fixture = MakerFixture(
            configuration: MakerSystem.Configuration(
                vow: Fixture.vow, cat: Fixture.cat, dog: Fixture.dog,
                governance: Fixture.governance, globalLine: rad("1000000"), box: rad("1")))
        let terms = MakerSystem.FlipTerms(
            flipper: Fixture.flipper, chop: wad("1.13"), dunk: .zero, beg: wad("1.03"),
            ttl: 600, tau: 3 * 86_400, lump: wad("50"))
        let eth = fixture.system.addIlk(
            MakerSystem.IlkConfiguration(
                name: "ETH-A", line: rad("1000000"), dust: rad("20"), mat: ray("1.5"),
                liquidation: .flip(terms)),
            at: fixture.now)
        try fixture.run(.poke(ilk: eth, price: wad("195")), as: Fixture.governance)
        try fixture.openVault(ilk: eth, owner: Fixture.me, ink: wad("120"), art: wad("15000"))
        try fixture.run(.poke(ilk: eth, price: wad("150")), as: Fixture.governance)
        var lots: [UInt256] = []
        for expected in [
            (lot: wad("50"), art: wad("6250")), (lot: wad("50"), art: wad("6250")),
            (lot: wad("20"), art: wad("2500")),
        ] {
            let events = try fixture.run(.bite(ilk: eth, vault: Fixture.me), as: Fixture.keeper)
            guard case .bitten(let bite)? = events.last else {
                Issue.record("no bite event")
                return
            }
            #expect(bite.lot == expected.lot && bite.dart == expected.art)
            #expect(bite.tab == expected.art * MakerSystem.ray * wad("1.13") / MakerSystem.wad)
            lots.append(bite.lot)
        }
        #expect(lots.reduce(.zero, +) == wad("120"))
        #expect(fixture.system.urn(ilk: eth, owner: Fixture.me) == MakerSystem.Urn())
        #expect(
            fixture.reason(.bite(ilk: eth, vault: Fixture.me), as: Fixture.keeper)
                == "Cat/not-unsafe")
    }
}
