import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// The Vat's frob checks (dss `src/vat.sol`), the Spotter (`spot.sol`), the Jug
// (`jug.sol`) and the Vow's queue (`vow.sol`).

private typealias Fixture = MakerFixture

/// One flip ilk "gold" at $5 with mat 2 (spot 2.5), dust 20 RAD, line 1000 RAD; `me` holds
/// 100 gold in the Vat.
private func vatSetup(duty: UInt256 = MakerSystem.ray) -> (MakerFixture, MakerSystem.IlkID) {
    var fixture = MakerFixture(
        configuration: MakerSystem.Configuration(
            vow: Fixture.vow, cat: Fixture.cat, dog: Fixture.dog, governance: Fixture.governance,
            globalLine: rad("1500"), box: rad("100000"), wait: 3600))
    let terms = MakerSystem.FlipTerms(flipper: Fixture.flipper, chop: wad("1.13"), dunk: rad("500"))
    let gold = fixture.system.addIlk(
        MakerSystem.IlkConfiguration(
            name: "gold", line: rad("1000"), dust: rad("20"), mat: ray("2"), duty: duty,
            liquidation: .flip(terms)),
        at: fixture.now)
    do {
        try fixture.run(.poke(ilk: gold, price: wad("5")), as: Fixture.governance)
    } catch {
        preconditionFailure("poke: \(error)")
    }
    fixture.system.joinGem(ilk: gold, owner: Fixture.me, amount: wad("100"))
    return (fixture, gold)
}

@Suite("Maker Vat, Spotter, Jug, Vow")
struct MakerVatTests {
    // dss spot.sol poke: spot = rdiv(rdiv(val·1e9, par), mat); $5 / 2 = 2.5 RAY.
    @Test func pokeSetsSpot() {
        let (fixture, gold) = vatSetup()
        #expect(fixture.system.ilk(gold).spot == ray("2.5"))
        #expect(fixture.system.ilk(gold).feedPrice == wad("5"))
    }

    @Test func frobChecks() throws {
        var (fixture, gold) = vatSetup()
        let lockDraw: (String, String) -> MakerSystem.Call = { ink, art in
            .frob(ilk: gold, dink: .plus(wad(ink)), dart: .plus(wad(art)))
        }
        #expect(fixture.reason(lockDraw("10", "26"), as: Fixture.me) == "Vat/not-safe")
        #expect(fixture.reason(lockDraw("10", "19"), as: Fixture.me) == "Vat/dust")
        #expect(fixture.reason(lockDraw("100", "1001"), as: Fixture.me) == "Vat/ceiling-exceeded")
        #expect(fixture.reason(lockDraw("101", "20"), as: Fixture.me) == "Vat/insufficient-gem")
        try fixture.run(lockDraw("10", "25"), as: Fixture.me)
        #expect(
            fixture.system.urn(ilk: gold, owner: Fixture.me)
                == MakerSystem.Urn(ink: wad("10"), art: wad("25")))
        #expect(fixture.system.dai(Fixture.me) == rad("25"))
        #expect(fixture.system.debt == rad("25"))
        // Freeing collateral is risky: refused when it would make the vault unsafe.
        #expect(
            fixture.reason(
                .frob(ilk: gold, dink: .minus(wad("1")), dart: .zero), as: Fixture.me)
                == "Vat/not-safe")
        // Repaying to below dust is refused; repaying all is fine.
        #expect(
            fixture.reason(
                .frob(ilk: gold, dink: .zero, dart: .minus(wad("10"))), as: Fixture.me)
                == "Vat/dust")
        // A safe-making frob (lock more) is allowed even when the vault is unsafe.
        try fixture.run(.poke(ilk: gold, price: wad("4")), as: Fixture.governance)
        try fixture.run(.frob(ilk: gold, dink: .plus(wad("1")), dart: .zero), as: Fixture.me)
        try fixture.run(
            .frob(ilk: gold, dink: .minus(wad("11")), dart: .minus(wad("25"))),
            as: Fixture.me)
        #expect(fixture.system.urn(ilk: gold, owner: Fixture.me) == MakerSystem.Urn())
        #expect(fixture.system.debt == .zero)
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.me) == wad("100"))
        // Global line: 1500 RAD, ilk line 1000: a second ilk cannot push the total past it.
        #expect(fixture.system.vaultOwners(ilk: gold).isEmpty)
    }

    @Test func revertLeavesValueEqual() throws {
        var (fixture, gold) = vatSetup()
        try fixture.run(
            .frob(ilk: gold, dink: .plus(wad("10")), dart: .plus(wad("25"))),
            as: Fixture.me)
        let calls: [MakerSystem.Call] = [
            .frob(ilk: gold, dink: .plus(wad("1")), dart: .plus(wad("10"))),
            .frob(ilk: gold, dink: .zero, dart: .minus(wad("26"))),
            .move(to: Fixture.ali, rad: rad("26")),
            .flux(ilk: gold, to: Fixture.ali, wad: wad("91")),
            .bite(ilk: gold, vault: Fixture.me),
            .deal(auction: MakerSystem.AuctionID(1)),
            .heal(rad: rad("1")),
            .frob(ilk: MakerSystem.IlkID(rawValue: 9), dink: .zero, dart: .zero),
        ]
        for call in calls {
            let before = fixture.system
            var events: [MakerSystem.Event] = []
            #expect(throws: Revert.self, "\(call)") {
                try fixture.system.apply(
                    call, caller: Fixture.me, block: fixture.block,
                    events: &events)
            }
            #expect(fixture.system == before, "\(call)")
            #expect(events.isEmpty, "\(call)")
        }
    }

    @Test func moveAndFlux() throws {
        var (fixture, gold) = vatSetup()
        try fixture.run(
            .frob(ilk: gold, dink: .plus(wad("10")), dart: .plus(wad("25"))),
            as: Fixture.me)
        try fixture.run(.move(to: Fixture.ali, rad: rad("5")), as: Fixture.me)
        try fixture.run(.flux(ilk: gold, to: Fixture.ali, wad: wad("7")), as: Fixture.me)
        #expect(fixture.system.dai(Fixture.ali) == rad("5"))
        #expect(fixture.system.gem(ilk: gold, owner: Fixture.ali) == wad("7"))
        try fixture.system.exitGem(ilk: gold, owner: Fixture.ali, amount: wad("7"))
        #expect(fixture.system.ilk(gold).collateralEntered == wad("93"))
        try fixture.system.exitDai(from: Fixture.ali, amount: rad("5"))
        fixture.system.mintDai(to: Fixture.bob, amount: rad("8"))
        // 5 came back from outside, 3 are new.
        #expect(fixture.system.sin(.zero) == rad("3"))
        #expect(fixture.system.dai(.zero) == .zero)
        try fixture.system.checkInvariants()
    }

    // dss jug.sol drip: rate' = rmul(rpow(base + duty, now − rho, RAY), rate); the Vow is
    // credited Art·Δrate.
    @Test func dripAccruesFees() throws {
        // 5% a year, per second.
        let duty = UInt256("1000000001547125957863212448")!
        var (fixture, gold) = vatSetup(duty: duty)
        try fixture.run(
            .frob(ilk: gold, dink: .plus(wad("100")), dart: .plus(wad("200"))),
            as: Fixture.me)
        fixture.warp(365 * 86_400)
        try fixture.run(.drip(ilk: gold), as: Fixture.keeper)
        let rate = fixture.system.ilk(gold).rate
        #expect(rate == rpow(duty, 365 * 86_400 as UInt64, MakerSystem.ray))
        #expect(rate > ray("1.0499") && rate < ray("1.0501"))
        #expect(fixture.system.dai(Fixture.vow) == wad("200") * (rate - MakerSystem.ray))
        #expect(fixture.system.ilk(gold).rho == fixture.now)
        // Repaying now costs art·rate.
        fixture.system.mintDai(to: Fixture.me, amount: rad("20"))
        try fixture.run(.frob(ilk: gold, dink: .zero, dart: .minus(wad("200"))), as: Fixture.me)
        #expect(fixture.system.dai(Fixture.me) == rad("220") - wad("200") * rate)
    }

    // dss vow.sol: fessed debt is queued for `wait`; heal needs released debt and surplus.
    @Test func vowQueueAndHeal() throws {
        var (fixture, gold) = vatSetup()
        try fixture.run(
            .frob(ilk: gold, dink: .plus(wad("10")), dart: .plus(wad("25"))),
            as: Fixture.me)
        try fixture.run(.poke(ilk: gold, price: wad("4")), as: Fixture.governance)
        let era = fixture.now
        try fixture.run(.bite(ilk: gold, vault: Fixture.me), as: Fixture.keeper)
        #expect(fixture.system.sin(Fixture.vow) == rad("25"))
        #expect(fixture.system.queuedSin == rad("25"))
        #expect(fixture.system.sinQueueEras == [era])
        try fixture.run(
            .tend(auction: MakerSystem.AuctionID(1), lot: wad("10"), bid: rad("20")),
            as: Fixture.me)
        #expect(fixture.reason(.heal(rad: rad("20")), as: Fixture.bob) == "Vow/insufficient-debt")
        #expect(fixture.reason(.flog(era: era), as: Fixture.bob) == "Vow/wait-not-finished")
        fixture.warp(3600)
        try fixture.run(.flog(era: era), as: Fixture.bob)
        #expect(fixture.system.queuedSin == .zero)
        #expect(
            fixture.reason(.heal(rad: rad("21")), as: Fixture.bob) == "Vow/insufficient-surplus")
        let badDebt = fixture.system.badDebt
        try fixture.run(.heal(rad: rad("20")), as: Fixture.bob)
        #expect(fixture.system.badDebt == badDebt)
        #expect(fixture.system.sin(Fixture.vow) == rad("5"))
        #expect(fixture.system.vice == rad("5"))
    }

    @Test func traceFieldsFollowInterface() throws {
        var (fixture, gold, id) = Fixture.flipSetup()
        let events = try fixture.run(
            .tend(auction: id, lot: wad("100"), bid: rad("1")),
            as: Fixture.ali)
        let fields = try #require(events.first).traceFields.map(\.name)
        #expect(events.first?.traceType == "tend")
        #expect(
            fields.prefix(9) == [
                "auction", "bidder", "lot", "bid", "previous_bid", "previous_lot", "beg", "tab",
                "tic",
            ])
        var (clip, gem) = Fixture.clipSetup()
        #expect(clip.system.unsafeVaults(ilk: gem) == [Fixture.me])
        let barked = try clip.run(
            .bark(ilk: gem, vault: Fixture.me, keeper: Fixture.keeper),
            as: Fixture.keeper)
        #expect(barked.map(\.traceType) == ["kick", "bark"])
        #expect(clip.system.unsafeVaults(ilk: gem).isEmpty)
        let named = barked[1].traceFields { clip.system.ilk($0).name }
        #expect(named.first { $0.name == "ilk" }?.value == "gold")
        #expect(
            barked[0].traceFields.prefix(8).map(\.name)
                == ["auction", "kind", "tab", "lot", "bid", "top", "tic", "end"])
        #expect(
            barked[1].traceFields.prefix(9).map(\.name)
                == ["vault", "ilk", "ink", "art", "rate", "spot", "tab", "lot", "auction"])
        let taken = try clip.run(
            .take(
                auction: MakerSystem.AuctionID(1), amt: wad("1"), max: ray("5"),
                who: Fixture.ali, flash: false), as: Fixture.ali)
        #expect(
            taken[0].traceFields.prefix(11).map(\.name) == [
                "auction", "taker", "amt", "max", "price", "top", "tic", "slice", "owe",
                "tab_after",
                "lot_after",
            ])
        #expect(
            taken[0].traceFields.first { $0.name == "owe" }?.value
                == rad("5").description)
        _ = gold
    }
}
