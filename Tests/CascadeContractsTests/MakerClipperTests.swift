import CascadeCore
import CascadeTestSupport
import Testing

@testable import CascadeContracts

// Vectors from dss `src/test/clip.t.sol` (makerdao/dss fa4f6630, REFERENCE.md §2.5).
// Amounts in comments are in DAI / collateral units; the code uses exact base units.

private typealias Fixture = MakerFixture

/// `takeSetup`: bark the setUp vault with a 1%-per-second stairstep curve, buf 1.25,
/// cusp 0.3, tail 3600; returns the fixture after the bark.
private func takeSetup(chip: UInt256 = .zero, tip: UInt256 = .zero, dust: UInt256 = rad("20"))
    -> (MakerFixture, MakerSystem.IlkID, MakerSystem.AuctionID)
{
    var (fixture, gold) = Fixture.clipSetup(chip: chip, tip: tip, dust: dust)
    do {
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
    } catch {
        preconditionFailure("bark: \(error)")
    }
    return (fixture, gold, MakerSystem.AuctionID(1))
}

@Suite("Maker Clipper (dss clip.t.sol)")
struct MakerClipperTests {
    // clip.t.sol takeSetup: tab 110 RAD, lot 40, top 5 RAY; the vault is emptied.
    @Test func takeSetupBarksWholeVault() throws {
        let (fixture, gold, id) = takeSetup()
        let sale = try #require(fixture.system.clipSale(id))
        #expect(sale.tab == rad("110"))
        #expect(sale.lot == wad("40"))
        #expect(sale.top == ray("5"))
        #expect(sale.usr == Fixture.me)
        #expect(fixture.system.urn(ilk: gold, owner: Fixture.me) == MakerSystem.Urn())
        #expect(fixture.system.globalDirt == rad("110"))
        #expect(fixture.system.ilk(gold).dirt == rad("110"))
        #expect(fixture.system.ilk(gold).chost == rad("22"))
        // The Vow carries the debt: 100 DAI of sin, no dai yet.
        #expect(fixture.system.sin(Fixture.vow) == rad("100"))
        #expect(fixture.system.queuedSin == rad("100"))
    }

    // clip.t.sol test_kick: tip 100 RAD, chip 0, buf 1 → top 4 RAY, keeper +100 DAI;
    // then buf 1.25, tip 100, chip 0.02 on a second vault → keeper +102.2 DAI.
    @Test func kickPaysKeeper() throws {
        var (fixture, gold) = Fixture.clipSetup(buf: ray("1"), tip: rad("100"))
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.bob)
        let sale = try #require(fixture.system.clipSale(MakerSystem.AuctionID(1)))
        #expect(sale.top == ray("4"))
        #expect(fixture.system.dai(Fixture.keeper) == rad("100"))

        var terms = try #require(clipTerms(fixture, gold))
        terms.buf = ray("1.25")
        terms.chip = wad("0.02")
        fixture.system.setLiquidation(.clip(terms), of: gold)
        try fixture.run(.poke(ilk: gold, price: wad("5")), as: Fixture.governance)
        try fixture.openVault(ilk: gold, owner: Fixture.ali, ink: wad("40"), art: wad("100"))
        try fixture.run(.poke(ilk: gold, price: wad("4")), as: Fixture.governance)
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.ali, keeper: Fixture.keeper), as: Fixture.bob)
        #expect(fixture.system.dai(Fixture.keeper) == rad("100") + rad("102.2"))
        let second = try #require(fixture.system.clipSale(MakerSystem.AuctionID(2)))
        #expect(second.top == ray("5"))
    }

    // clip.t.sol test_take_over_tab: amt 25 at 5 → owe capped at 110, slice 22, 18
    // returned to the owner, auction removed, Dirt 0.
    @Test func takeOverTab() throws {
        var (fixture, gold, id) = takeSetup()
        let events = try fixture.run(
            .take(auction: id, amt: wad("25"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.ali) == wad("22"))
        #expect(fixture.system.dai(Fixture.ali) == rad("1000") - rad("110"))
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.me) == wad("18"))
        #expect(fixture.system.auction(id) == nil)
        #expect(fixture.system.globalDirt == .zero)
        #expect(fixture.system.ilk(gold).dirt == .zero)
        #expect(fixture.system.dai(Fixture.vow) == rad("110"))
        // Proceeds cover debt and penalty: no bad debt, 10 DAI surplus.
        #expect(fixture.system.badDebt == .zero)
        #expect(fixture.system.surplus == rad("10"))
        guard case .taken(let take)? = events.last else {
            Issue.record("no take event")
            return
        }
        #expect(take.owe == rad("110") && take.slice == wad("22") && take.price == ray("5"))
        #expect(take.tabAfter == .zero && take.lotAfter == wad("18"))
    }

    // clip.t.sol test_take_under_tab: amt 11 → owe 55, tab 55, lot 29.
    @Test func takeUnderTab() throws {
        var (fixture, gold, id) = takeSetup()
        try fixture.run(
            .take(auction: id, amt: wad("11"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        let sale = try #require(fixture.system.clipSale(id))
        #expect(sale.tab == rad("55"))
        #expect(sale.lot == wad("29"))
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.ali) == wad("11"))
        #expect(fixture.system.dai(Fixture.ali) == rad("945"))
        #expect(fixture.system.globalDirt == rad("55"))
    }

    // `auctionRevision` (what keepers' kept quotes are checked against): every write to an
    // auction's slot gives it a revision no slot had before, a snapshot keeps its own, and
    // the revisions take no part in the system's value.
    @Test func auctionRevisionChangesWithEveryWrite() throws {
        var (fixture, _, id) = takeSetup()
        let kicked = try #require(fixture.system.auctionRevision(id))
        #expect(fixture.system.auctionRevision(MakerSystem.AuctionID(2)) == nil)
        #expect(fixture.system.auctionRevision(MakerSystem.AuctionID(0)) == nil)
        let snapshot = fixture.system
        try fixture.run(
            .take(auction: id, amt: wad("11"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        let taken = try #require(fixture.system.auctionRevision(id))
        #expect(taken != kicked)
        #expect(snapshot.auctionRevision(id) == kicked)
        // A second sale gets a revision of its own, and leaves the first one's alone.
        var other = fixture.system
        other.auctionRevisions.open()
        #expect(
            other.auctionRevisions.slots[1] != kicked && other.auctionRevisions.slots[1] != taken)
        #expect(other.auctionRevision(id) == taken)
        // The same auctions with other revisions are the same system.
        var rewritten = fixture.system
        rewritten.auctionRevisions.write(0)
        #expect(rewritten.auctionRevision(id) != taken)
        #expect(rewritten == fixture.system)
        #expect(rewritten.hashValue == fixture.system.hashValue)
    }

    // clip.t.sol test_take_bid_recalculates_due_to_chost_check: amt 18 → owe 88 (not 90),
    // tab 22 = chost, lot 22.4.
    @Test func takeRecalculatesForChost() throws {
        var (fixture, _, id) = takeSetup()
        try fixture.run(
            .take(auction: id, amt: wad("18"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        let sale = try #require(fixture.system.clipSale(id))
        #expect(sale.tab == rad("22"))
        #expect(sale.lot == wad("22.4"))
        #expect(fixture.system.dai(Fixture.ali) == rad("1000") - rad("88"))
    }

    // clip.t.sol test_take_bid_fails_no_partial_allowed: after 17.6 → tab 22, lot 22.4;
    // a partial take of 1 reverts; taking tab/price = 4.4 succeeds.
    @Test func noPartialPurchaseAtChost() throws {
        var (fixture, gold, id) = takeSetup()
        try fixture.run(
            .take(auction: id, amt: wad("17.6"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        var sale = try #require(fixture.system.clipSale(id))
        #expect(sale.tab == rad("22") && sale.lot == wad("22.4"))
        let before = fixture.system
        let reason = fixture.reason(
            .take(auction: id, amt: wad("1"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        #expect(reason == "Clipper/no-partial-purchase")
        #expect(fixture.system == before)
        try fixture.run(
            .take(auction: id, amt: wad("4.4"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        #expect(fixture.system.clipSale(id) == nil)
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.ali) == wad("22"))
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.me) == wad("18"))
        sale = MakerSystem.ClipAuction?.none ?? sale
    }

    // clip.t.sol test_take_bid_avoids_recalculate_due_no_more_lot: after 60 s the price is
    // 2735783211953807380973706855; taking all 40 ends the auction.
    @Test func takeWholeLotAfterSixtySeconds() throws {
        var (fixture, gold, id) = takeSetup()
        fixture.warp(60)
        let status = try #require(fixture.system.clipStatus(id, now: fixture.now))
        #expect(status.price == UInt256("2735783211953807380973706855"))
        #expect(!status.needsRedo)
        try fixture.run(
            .take(auction: id, amt: wad("40"), max: status.price, who: Fixture.bob, flash: false),
            as: Fixture.bob)
        #expect(fixture.system.auction(id) == nil)
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.bob) == wad("40"))
        let paid = wad("40") * status.price
        #expect(fixture.system.dai(Fixture.bob) == rad("1000") - paid)
        // The unpaid part of the tab stays as the Vow's sin: exact bad debt.
        #expect(fixture.system.globalDirt == .zero)
        #expect(fixture.system.badDebt == .zero)  // 109.4 DAI raised against 100 of debt
        #expect(fixture.system.surplus == paid - rad("100"))
    }

    // clip.t.sol test_take_multiple_bids_different_prices: 10 at 5 (tab 60, lot 30); after
    // 30 s bob buys the rest: gem = RAY·60e18/price, DAI paid 60.
    @Test func takeMultipleBidsAtDifferentPrices() throws {
        var (fixture, gold, id) = takeSetup()
        try fixture.run(
            .take(auction: id, amt: wad("10"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        var sale = try #require(fixture.system.clipSale(id))
        #expect(sale.tab == rad("60") && sale.lot == wad("30"))
        fixture.warp(30)
        let price = try #require(fixture.system.clipStatus(id, now: fixture.now)).price
        try fixture.run(
            .take(auction: id, amt: wad("30"), max: price, who: Fixture.bob, flash: false),
            as: Fixture.bob)
        let expected = MakerSystem.ray * wad("60") / price
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.bob) == expected)
        #expect(fixture.system.dai(Fixture.bob) == rad("940"))
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.me) == wad("30") - expected)
        #expect(fixture.system.auction(id) == nil)
        sale = MakerSystem.ClipAuction?.none ?? sale
    }

    @Test func takeRejectsHighPriceAndUnknownAuction() {
        var (fixture, _, id) = takeSetup()
        let before = fixture.system
        #expect(
            fixture.reason(
                .take(
                    auction: id, amt: wad("1"), max: ray("4.99"), who: Fixture.ali,
                    flash: false), as: Fixture.ali) == "Clipper/too-expensive")
        #expect(
            fixture.reason(
                .take(
                    auction: MakerSystem.AuctionID(9), amt: wad("1"), max: ray("5"),
                    who: Fixture.ali, flash: false), as: Fixture.ali)
                == "Clipper/not-running-auction")
        #expect(
            fixture.reason(
                .take(
                    auction: id, amt: wad("40"), max: ray("5"), who: Fixture.keeper,
                    flash: false), as: Fixture.keeper) == "Vat/insufficient-dai")
        #expect(fixture.system == before)
    }

    // clip.t.sol test_redo_incentive: after a redo top = 5 RAY; 100 s later the price is
    // 1830161706366147524653080130; take 38 leaves lot 2, and a redo then pays nothing
    // (2 × $4 < chost 22).
    @Test func redoIncentive() throws {
        var (fixture, gold, id) = takeSetup()
        var terms = try #require(clipTerms(fixture, gold))
        terms.tip = rad("100")
        terms.chip = wad("0.02")
        fixture.system.setLiquidation(.clip(terms), of: gold)
        #expect(
            fixture.reason(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
                == "Clipper/cannot-reset")
        fixture.warp(3601)
        try fixture.run(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
        #expect(fixture.system.dai(Fixture.keeper) == rad("100") + rad("2.2"))
        var sale = try #require(fixture.system.clipSale(id))
        #expect(sale.top == ray("5") && sale.tic == fixture.now)
        fixture.warp(100)
        let price = try #require(fixture.system.clipStatus(id, now: fixture.now)).price
        #expect(price == UInt256("1830161706366147524653080130"))
        try fixture.run(
            .take(auction: id, amt: wad("38"), max: price, who: Fixture.bob, flash: false),
            as: Fixture.bob)
        sale = try #require(fixture.system.clipSale(id))
        #expect(sale.lot == wad("2"))
        #expect(sale.tab == rad("110") - wad("38") * price)
        fixture.warp(3601)
        let paidBefore = fixture.system.dai(Fixture.keeper)
        try fixture.run(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
        #expect(fixture.system.dai(Fixture.keeper) == paidBefore)
    }

    // clip.t.sol test_redo_incentive, second half: dust 100 RAD + 1 → chost 110 RAD + 1,
    // so a redo of the fresh 110-DAI auction pays nothing.
    @Test func redoPaysNothingBelowChost() throws {
        var (fixture, gold, id) = takeSetup(chip: wad("0.02"), tip: rad("100"))
        let kicked = fixture.system.dai(Fixture.keeper)
        #expect(kicked == rad("102.2"))
        fixture.system.setDust(rad("100") + 1, of: gold)
        try fixture.run(.upchost(ilk: gold), as: Fixture.bob)
        #expect(fixture.system.ilk(gold).chost == rad("110") + 1)
        fixture.warp(3601)
        try fixture.run(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
        #expect(fixture.system.dai(Fixture.keeper) == kicked)
    }

    // clip.t.sol test_auction_reset_tail: linear tau 10 h, cusp 0.5, tail 3600: no redo at
    // +3600, redo at +3601 with the OSM at $3 → top 3.75 RAY.
    @Test func auctionResetTail() throws {
        var (fixture, gold) = Fixture.clipSetup(
            calc: .linearDecrease(tauSeconds: 36_000), cusp: ray("0.5"))
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let id = MakerSystem.AuctionID(1)
        try fixture.run(.poke(ilk: gold, price: wad("3")), as: Fixture.governance)
        let start = fixture.now
        fixture.warp(3600)
        #expect(
            fixture.reason(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
                == "Clipper/cannot-reset")
        fixture.warp(1)
        try fixture.run(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
        let sale = try #require(fixture.system.clipSale(id))
        #expect(sale.top == ray("3.75"))
        #expect(sale.tic == start + 3601)
    }

    // clip.t.sol test_auction_reset_cusp: linear tau 1 h, cusp 0.5: no redo at +1800
    // (price/top = 0.5), redo at +1801 (0.49972 < 0.5).
    @Test func auctionResetCusp() throws {
        var (fixture, gold) = Fixture.clipSetup(
            calc: .linearDecrease(tauSeconds: 3600), cusp: ray("0.5"))
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let id = MakerSystem.AuctionID(1)
        fixture.warp(1800)
        #expect(
            fixture.reason(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
                == "Clipper/cannot-reset")
        let tookAtCusp = fixture.tries(
            .take(auction: id, amt: wad("1"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        #expect(tookAtCusp)
        fixture.warp(1)
        #expect(
            fixture.reason(
                .take(auction: id, amt: wad("1"), max: ray("5"), who: Fixture.ali, flash: false),
                as: Fixture.ali) == "Clipper/needs-reset")
        try fixture.run(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
    }

    // clip.t.sol test_bark_not_leaving_dust: hole 80 RAD, chop 1 → tab 80, lot 32; the vault
    // keeps ink 8, art 20.
    @Test func barkNotLeavingDust() throws {
        var (fixture, gold) = Fixture.clipSetup(chop: wad("1"), hole: rad("80"))
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let sale = try #require(fixture.system.clipSale(MakerSystem.AuctionID(1)))
        #expect(sale.tab == rad("80") && sale.lot == wad("32"))
        #expect(
            fixture.system.urn(ilk: gold, owner: Fixture.me)
                == MakerSystem.Urn(ink: wad("8"), art: wad("20")))
    }

    // clip.t.sol test_bark_not_leaving_dust_over_hole: hole 80 RAD + 1 RAY → the leftover
    // would be dust, so the whole vault goes: tab 100, lot 40.
    @Test func barkNotLeavingDustOverHole() throws {
        var (fixture, gold) = Fixture.clipSetup(chop: wad("1"), hole: rad("80") + ray("1"))
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let sale = try #require(fixture.system.clipSale(MakerSystem.AuctionID(1)))
        #expect(sale.tab == rad("100") && sale.lot == wad("40"))
        #expect(fixture.system.urn(ilk: gold, owner: Fixture.me) == MakerSystem.Urn())
    }

    // clip.t.sol test_bark_not_leaving_dust_rate: rate 1.02, hole 100 RAD, chop 1 → full
    // liquidation, tab = 100e18 × 1.02 RAY.
    @Test func barkNotLeavingDustRate() throws {
        var (fixture, gold) = Fixture.clipSetup(chop: wad("1"), hole: rad("100"))
        try fixture.system.setRate(ray("1.02"), of: gold)
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let sale = try #require(fixture.system.clipSale(MakerSystem.AuctionID(1)))
        #expect(sale.tab == wad("100") * ray("1.02"))
        #expect(sale.lot == wad("40"))
    }

    // clip.t.sol test_bark_only_leaving_dust_over_hole_rate: rate 1.02, hole 81.6 RAD,
    // dust 20.4 RAD → dart 80, tab 81.6 RAD, lot 32; the remaining art·rate equals dust.
    @Test func barkOnlyLeavingDustOverHoleRate() throws {
        var (fixture, gold) = Fixture.clipSetup(
            chop: wad("1"), hole: rad("81.6"), dust: rad("20.4"))
        try fixture.system.setRate(ray("1.02"), of: gold)
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let sale = try #require(fixture.system.clipSale(MakerSystem.AuctionID(1)))
        #expect(sale.tab == rad("81.6") && sale.lot == wad("32"))
        let urn = fixture.system.urn(ilk: gold, owner: Fixture.me)
        #expect(urn == MakerSystem.Urn(ink: wad("8"), art: wad("20")))
        #expect(urn.art * ray("1.02") == rad("20.4"))
    }

    // clip.t.sol test_partial_liquidation_Hole_limit and _hole_limit: 75 RAD with chop 1.1
    // → tab 75 RAD − 0.2 RAY, dart 68181818181818181818, lot 27272727272727272727.
    @Test(arguments: [true, false])
    func partialLiquidationLimit(globalLimit: Bool) throws {
        var (fixture, gold) = Fixture.clipSetup(hole: globalLimit ? rad("1000") : rad("75"))
        if globalLimit {
            var config = fixture.system.configuration
            config.globalHole = rad("75")
            fixture.system.setConfiguration(config)
        }
        let events = try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let sale = try #require(fixture.system.clipSale(MakerSystem.AuctionID(1)))
        #expect(sale.tab == UInt256("74999999999999999999800000000000000000000000000"))
        #expect(sale.lot == UInt256("27272727272727272727"))
        let urn = fixture.system.urn(ilk: gold, owner: Fixture.me)
        #expect(urn.art == wad("100") - UInt256("68181818181818181818")!)
        #expect(urn.ink == wad("40") - UInt256("27272727272727272727")!)
        guard case .barked(let bark)? = events.last else {
            Issue.record("no bark event")
            return
        }
        #expect(bark.dart == UInt256("68181818181818181818"))
        // 0.2 RAY of room is left: a second bark would start a dusty auction.
        #expect(
            fixture.reason(
                .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper),
                as: Fixture.keeper) == "Dog/dusty-auction-from-partial-liquidation")
    }

    @Test func barkRejectsSafeVaultAndStoppedClipper() throws {
        var (fixture, gold) = Fixture.clipSetup()
        try fixture.run(.poke(ilk: gold, price: wad("5")), as: Fixture.governance)
        #expect(
            fixture.reason(
                .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper),
                as: Fixture.keeper) == "Dog/not-unsafe")
        try fixture.run(.poke(ilk: gold, price: wad("4")), as: Fixture.governance)
        #expect(
            fixture.reason(.setStopped(ilk: gold, level: 1), as: Fixture.bob)
                == "Maker/not-authorized")
        try fixture.run(.setStopped(ilk: gold, level: 1), as: Fixture.governance)
        let before = fixture.system
        #expect(
            fixture.reason(
                .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper),
                as: Fixture.keeper) == "Clipper/stopped-incorrect")
        #expect(fixture.system == before)
    }

    @Test func stoppedLevelsBlockRedoThenTake() throws {
        var (fixture, gold, id) = takeSetup()
        try fixture.run(.setStopped(ilk: gold, level: 2), as: Fixture.governance)
        let tookAtLevelTwo = fixture.tries(
            .take(auction: id, amt: wad("1"), max: ray("5"), who: Fixture.ali, flash: false),
            as: Fixture.ali)
        #expect(tookAtLevelTwo)
        fixture.warp(3601)
        #expect(
            fixture.reason(.redo(auction: id, keeper: Fixture.keeper), as: Fixture.keeper)
                == "Clipper/stopped-incorrect")
        try fixture.run(.setStopped(ilk: gold, level: 3), as: Fixture.governance)
        #expect(
            fixture.reason(
                .take(auction: id, amt: wad("1"), max: ray("5"), who: Fixture.ali, flash: false),
                as: Fixture.ali) == "Clipper/stopped-incorrect")
    }

    // The flash callback: collateral first, DAI later in the same transaction. Between the
    // two steps the taker sells the collateral (here: exits it and is credited DAI from
    // outside, as an AMM swap would) and then settles.
    @Test func flashTakeDeliversThenSettles() throws {
        var (fixture, gold, id) = takeSetup()
        let broke = Address(20)
        try fixture.run(
            .take(auction: id, amt: wad("11"), max: ray("5"), who: broke, flash: true),
            as: broke)
        #expect(fixture.system.pendingTake?.owe == rad("55"))
        #expect(fixture.system.gem(ilk: gold, owner: broke) == wad("11"))
        #expect(throws: Revert.self) { try fixture.system.requireSettled() }
        #expect(
            fixture.reason(.redo(auction: id, keeper: broke), as: broke)
                == "Clipper/system-locked")
        #expect(fixture.reason(.settleTake, as: broke) == "Vat/insufficient-dai")
        try fixture.system.exitGem(ilk: gold, owner: broke, amount: wad("11"))
        fixture.system.mintDai(to: broke, amount: rad("60"))  // the swap's proceeds
        try fixture.run(.settleTake, as: broke)
        try fixture.system.requireSettled()
        try fixture.system.checkInvariants()
        #expect(fixture.system.dai(broke) == rad("5"))
        #expect(fixture.system.dai(Fixture.vow) == rad("55"))
        let sale = try #require(fixture.system.clipSale(id))
        #expect(sale.tab == rad("55") && sale.lot == wad("29"))
    }

    // A Clipper auction that runs out of collateral before raising its tab leaves the rest
    // of the debt with the Vow: bad debt = sin(vow) − dai(vow), exactly.
    @Test func exhaustedLotLeavesExactBadDebt() throws {
        var (fixture, gold, id) = takeSetup()
        fixture.warp(100)
        let price = try #require(fixture.system.clipStatus(id, now: fixture.now)).price
        try fixture.run(
            .take(auction: id, amt: wad("40"), max: price, who: Fixture.bob, flash: false),
            as: Fixture.bob)
        let paid = wad("40") * price
        #expect(paid < rad("100"))
        #expect(fixture.system.auction(id) == nil)
        #expect(fixture.system.globalDirt == .zero)
        #expect(fixture.system.badDebt == rad("100") - paid)
        _ = gold
    }

    // clip.t.sol test_incentive_max_values: chip is a uint64 and tip a uint192 in dss; the
    // largest values (2^64 − 1 = 18.446744073709551615 WAD, 2^192 − 1) pay exactly. Larger
    // values wrap on chain; here `addIlk` refuses them (a precondition).
    @Test func incentiveMaxValues() throws {
        let chip = (UInt256.one << 64) - 1
        let tip = (UInt256.one << 192) - 1
        #expect(chip == wad("18.446744073709551615"))
        var (fixture, gold) = Fixture.clipSetup(chip: chip, tip: tip)
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        #expect(fixture.system.dai(Fixture.keeper) == tip + rad("110") * chip / MakerSystem.wad)
        #expect(fixture.system.sin(Fixture.vow) == rad("100") + fixture.system.dai(Fixture.keeper))
    }

    // While a flash take is pending, the Clipper is locked; a revert there changes nothing,
    // and a transaction that ends unsettled is refused by `requireSettled`.
    @Test func pendingFlashTakeLocksClipper() throws {
        var (fixture, _, id) = takeSetup()
        try fixture.run(
            .take(auction: id, amt: wad("1"), max: ray("5"), who: Fixture.ali, flash: true),
            as: Fixture.ali)
        let pending = fixture.system
        #expect(
            fixture.reason(
                .take(auction: id, amt: wad("1"), max: ray("5"), who: Fixture.ali, flash: false),
                as: Fixture.ali) == "Clipper/system-locked")
        #expect(fixture.reason(.settleTake, as: Fixture.bob) == "Clipper/not-the-taker")
        #expect(fixture.system == pending)
        #expect(throws: InvariantViolation.self) { try fixture.system.checkInvariants() }
        try fixture.run(.settleTake, as: Fixture.ali)
        #expect(fixture.system.dai(Fixture.ali) == rad("995"))
        #expect(fixture.reason(.settleTake, as: Fixture.ali) == "Clipper/no-pending-take")
    }
}

private func clipTerms(_ fixture: MakerFixture, _ ilk: MakerSystem.IlkID)
    -> MakerSystem.ClipTerms?
{
    guard case .clip(let terms) = fixture.system.ilk(ilk).liquidation else { return nil }
    return terms
}
