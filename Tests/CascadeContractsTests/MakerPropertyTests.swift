import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// Seeded property and model-based tests. Every failure message carries its seed; rerun a
// single seed by narrowing the `arguments` range.

private typealias Fixture = MakerFixture

extension OperandGenerator {
    /// A value in `0..<bound` as UInt256.
    fileprivate mutating func amount(below bound: UInt64) -> UInt256 {
        UInt256(next(below: bound))
    }

    fileprivate mutating func chance(_ percent: UInt64) -> Bool {
        next(below: 100) < percent
    }

    fileprivate mutating func pick<T>(_ options: [T]) -> T {
        options[Int(next(below: UInt64(options.count)))]
    }
}

@Suite("Maker properties (seeded)")
struct MakerPropertyTests {
    // Flipper against the naive reference: same acceptance, same bid/lot/guy/tic/end, same
    // DAI flows (bidders, Vow) and collateral flows (owner, winner).
    @Test(arguments: 0..<150 as Range<UInt64>)
    func flipperMatchesReference(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        let beg = random.pick([wad("1.03"), wad("1.05")])
        let ttl = random.pick([600, 3 * 3600] as [UInt64])
        let tau = random.pick([3600, 2 * 86_400] as [UInt64])
        var (fixture, gem, id) = Fixture.flipSetup(beg: beg, ttl: ttl, tau: tau)
        let carol = Address(14)
        fixture.system.mintDai(to: carol, amount: rad("3"))
        let bidders = [Fixture.ali, Fixture.bob, carol]
        let wallets: [Address: UInt256] = [
            Fixture.ali: rad("200"), Fixture.bob: rad("200"), carol: rad("3"),
        ]
        var model = MakerReferenceFlip(
            lot: wad("100"), tab: rad("50"), beg: beg, ttl: ttl, tau: tau,
            kickedAt: fixture.now, cat: Fixture.cat)
        for step in 0..<40 {
            let context = "seed \(seed) step \(step)"
            let bidder = random.pick(bidders)
            let (bid, lot, _, _, _) = model.state
            let wallet = fixture.system.dai(bidder)
            switch random.next(below: 6) {
            case 0, 1:
                let newBid: UInt256 = random.pick([
                    bid * UInt256(100 + random.next(below: 12)) / 100, rad("50"), rad("50") + 1,
                    bid + 1, rad("1") + random.amount(below: 1_000) * rad("0.01"),
                ])
                let offeredLot = random.chance(90) ? lot : lot - 1
                let expected = model.tend(
                    bidder: bidder, lot: offeredLot, bid: newBid, wallet: wallet, now: fixture.now)
                let ok = fixture.tries(.tend(auction: id, lot: offeredLot, bid: newBid), as: bidder)
                #expect(ok == expected, "\(context): tend \(newBid)")
            case 2:
                let newLot: UInt256 = random.pick([
                    lot * UInt256(90 + random.next(below: 12)) / 100, lot - 1, lot,
                ])
                let offeredBid = random.chance(90) ? bid : bid + 1
                let expected = model.dent(
                    bidder: bidder, lot: newLot, bid: offeredBid, wallet: wallet, now: fixture.now)
                let ok = fixture.tries(.dent(auction: id, lot: newLot, bid: offeredBid), as: bidder)
                #expect(ok == expected, "\(context): dent \(newLot)")
            case 3:
                let winner = model.guy
                let expected = model.deal(now: fixture.now)
                let ok = fixture.tries(.deal(auction: id), as: Fixture.keeper)
                #expect(ok == expected, "\(context): deal")
                if ok {
                    #expect(
                        fixture.system.gem(ilk: gem, owner: winner) == model.state.lot,
                        "\(context): winner's lot")
                }
            case 4:
                let expected = model.tick(now: fixture.now)
                let ok = fixture.tries(.tick(auction: id), as: Fixture.keeper)
                #expect(ok == expected, "\(context): tick")
            default:
                fixture.warp(random.next(below: ttl * 2))
            }
            if !model.isDealt {
                guard case .flip(let live)? = fixture.system.auction(id) else {
                    Issue.record("\(context): auction vanished")
                    return
                }
                let state = model.state
                #expect(
                    live.bid == state.bid && live.lot == state.lot && live.guy == state.guy,
                    "\(context): bid state")
                #expect(live.tic == state.tic && live.end == state.end, "\(context): timing")
            } else {
                #expect(fixture.system.auction(id) == nil, "\(context): dealt auction kept")
            }
            for bidder in bidders {
                let initial = wallets[bidder] ?? .zero
                #expect(
                    fixture.system.dai(bidder) + model.paid(by: bidder) == initial,
                    "\(context): DAI of \(bidder)")
            }
            #expect(fixture.system.dai(Fixture.vow) == model.proceeds, "\(context): Vow DAI")
            #expect(
                fixture.system.gem(ilk: gem, owner: Fixture.me) == model.returnedToOwner,
                "\(context): owner's collateral")
        }
    }

    // Clipper take path against the naive reference, with random dust (so chost), random
    // amounts and random waits.
    @Test(arguments: 0..<150 as Range<UInt64>)
    func clipperTakeMatchesReference(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        let dust = rad("1") * random.amount(below: 60)
        var (fixture, gold) = Fixture.clipSetup(dust: dust)
        try fixture.run(
            .bark(ilk: gold, vault: Fixture.me, keeper: Fixture.keeper), as: Fixture.keeper)
        let id = MakerSystem.AuctionID(1)
        guard case .clip(let sale)? = fixture.system.auction(id) else {
            Issue.record("seed \(seed): no sale")
            return
        }
        var model = MakerReferenceClip(
            tab: sale.tab, lot: sale.lot, chost: fixture.system.ilk(gold).chost)
        let takers = [Fixture.ali, Fixture.bob]
        for step in 0..<12 where !model.isOver {
            let context = "seed \(seed) step \(step)"
            fixture.warp(random.next(below: 20))
            guard let status = fixture.system.clipStatus(id, now: fixture.now),
                !status.needsRedo
            else { break }
            let amt: UInt256 = random.pick([
                wad("0.001") * random.amount(below: 20_000), wad("40"), wad("50"),
                UInt256(random.next()),
            ])
            let taker = random.pick(takers)
            let daiBefore = fixture.system.dai(taker)
            let gemBefore = fixture.system.gem(ilk: gold, owner: taker)
            var probe = model
            let expected = probe.take(amt: amt, price: status.price)
            if let expected, expected.owe > daiBefore {
                // Reference ignores wallets: the system must refuse for lack of DAI.
                #expect(
                    fixture.reason(
                        .take(auction: id, amt: amt, max: status.price, who: taker, flash: false),
                        as: taker) == "Vat/insufficient-dai", "\(context)")
                continue
            }
            let reason = fixture.reason(
                .take(auction: id, amt: amt, max: status.price, who: taker, flash: false),
                as: taker)
            guard let expected else {
                #expect(reason == "Clipper/no-partial-purchase", "\(context): expected refusal")
                continue
            }
            #expect(reason == nil, "\(context): unexpected \(reason ?? "")")
            model = probe
            #expect(fixture.system.dai(taker) == daiBefore - expected.owe, "\(context): owe")
            #expect(
                fixture.system.gem(ilk: gold, owner: taker) == gemBefore + expected.slice,
                "\(context): slice")
            if model.isOver {
                #expect(fixture.system.auction(id) == nil, "\(context): sale kept")
                #expect(
                    fixture.system.gem(ilk: gold, owner: Fixture.me)
                        == model.leftoverForOwner, "\(context): leftover")
                #expect(fixture.system.globalDirt == .zero, "\(context): Dirt")
            } else if case .clip(let live)? = fixture.system.auction(id) {
                #expect(live.tab.description == model.tab.description, "\(context): tab")
                #expect(live.lot.description == model.lot.description, "\(context): lot")
                #expect(fixture.system.globalDirt == live.tab, "\(context): Dirt")
            } else {
                Issue.record("\(context): sale vanished")
            }
        }
    }

    // Random whole-system runs: vaults, oracle moves, fees, both liquidation designs, bids,
    // takes and settlements. Checked at every step:
    //  - the books (checkInvariants, through MakerFixture.run);
    //  - a revert leaves the value equal to what it was;
    //  - a successful risky frob leaves the vault safe (art·rate ≤ ink·spot);
    //  - the Vow's books: sin(vow) = Σ due + Σ coin − Σ healed and
    //    dai(vow) = Σ fees + Σ proceeds − Σ healed, so at any time
    //    sin(vow) + Σ fees + Σ proceeds = dai(vow) + Σ due + Σ coin, and bad debt is
    //    max(0, Σ due + Σ coin − Σ fees − Σ proceeds) exactly;
    //  - no auction raises more than its tab.
    @Test(arguments: 0..<60 as Range<UInt64>)
    func randomSystemRun(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        var fixture = MakerFixture(now: 1_000_000)
        // Odd seeds run the v1 Cat (lots of at most `lump` collateral), even seeds the v2 Cat.
        let flipTerms = MakerSystem.FlipTerms(
            flipper: Fixture.flipper, chop: wad("1.13"), dunk: rad("30000"), beg: wad("1.03"),
            ttl: 600, tau: 6 * 3600, lump: seed % 2 == 1 ? wad("40") : nil)
        let clipTerms = MakerSystem.ClipTerms(
            clipper: Fixture.clipper, chop: wad("1.13"), hole: rad("50000"), buf: ray("1.2"),
            tail: 3600, cusp: ray("0.4"), chip: wad("0.001"), tip: rad("5"),
            calc: .exponentialDecrease(cut: ray("0.999")))
        let duty = UInt256("1000000002440418608258400030")!
        let ilks = [
            fixture.system.addIlk(
                MakerSystem.IlkConfiguration(
                    name: "ETH-A", line: rad("10000000"), dust: rad("100"), mat: ray("1.5"),
                    duty: duty, liquidation: .flip(flipTerms)), at: fixture.now),
            fixture.system.addIlk(
                MakerSystem.IlkConfiguration(
                    name: "ETH-B", line: rad("10000000"), dust: rad("100"), mat: ray("1.3"),
                    duty: duty, liquidation: .clip(clipTerms)), at: fixture.now),
        ]
        var prices: [UInt64] = [200, 200]
        let owners = (20..<26).map { Address(UInt32($0)) }
        let keepers = [Fixture.ali, Fixture.bob, Fixture.keeper]
        for ilk in ilks {
            try fixture.run(.poke(ilk: ilk, price: wad("200")), as: Fixture.governance)
            for owner in owners {
                fixture.system.joinGem(ilk: ilk, owner: owner, amount: wad("1000"))
            }
        }
        for keeper in keepers { fixture.system.mintDai(to: keeper, amount: rad("2000000")) }
        var due = UInt256.zero
        var coin = UInt256.zero
        var fees = UInt256.zero
        var proceeds = UInt256.zero
        var healed = UInt256.zero
        var raised: [MakerSystem.AuctionID: UInt256] = [:]
        var tabs: [MakerSystem.AuctionID: UInt256] = [:]

        for step in 0..<250 {
            let context = "seed \(seed) step \(step)"
            let ilk = random.pick(ilks)
            let index = Int(ilk.rawValue)
            let owner = random.pick(owners)
            let keeper = random.pick(keepers)
            let live = fixture.system.liveAuctionIDs
            var call: MakerSystem.Call
            var caller = keeper
            switch random.next(below: 12) {
            case 0, 1, 2:
                call = frobCall(ilk: ilk, owner: owner, &random, fixture)
                caller = owner
            case 3:
                // A random walk with a downward drift, as in a crash.
                let move = random.next(below: 21)
                prices[index] = Swift.max(20, prices[index] * (85 + move) / 100)
                call = .poke(ilk: ilk, price: wad(String(prices[index])))
                caller = Fixture.governance
            case 4:
                call = .drip(ilk: ilk)
            case 5:
                call =
                    index == 0
                    ? .bite(ilk: ilk, vault: owner)
                    : .bark(ilk: ilk, vault: owner, keeper: keeper)
            case 6, 7, 8:
                guard let id = live.isEmpty ? nil : random.pick(live),
                    let auction = fixture.system.auction(id)
                else {
                    fixture.warp(random.next(below: 900))
                    continue
                }
                call = auctionCall(id, auction, &random, fixture)
            case 9:
                call = .heal(rad: fixture.system.dai(Fixture.vow) * random.amount(below: 101) / 100)
                caller = owner
            case 10:
                call = .flog(era: random.pick(Array(fixture.system.sinQueueEras.prefix(3)) + [0]))
            default:
                fixture.warp(random.next(below: 1_200))
                continue
            }
            let before = fixture.system
            let vowDaiBefore = fixture.system.dai(Fixture.vow)
            var events: [MakerSystem.Event] = []
            do {
                events = try fixture.run(call, as: caller)
            } catch {
                #expect(fixture.system == before, "\(context): \(call) reverted (\(error)) dirty")
                continue
            }
            if case .frob(let ilk, let dink, let dart) = call,
                !(dart.isNonPositive && dink.isNonNegative)
            {
                let urn = fixture.system.urn(ilk: ilk, owner: owner)
                let state = fixture.system.ilk(ilk)
                #expect(urn.art * state.rate <= urn.ink * state.spot, "\(context): unsafe frob")
            }
            for event in events {
                switch event {
                case .bitten(let bite), .barked(let bite):
                    due += bite.due
                    tabs[bite.auction] = bite.tab
                case .kicked(let kick): coin += kick.coin
                case .redone(let redo): coin += redo.coin
                case .dripped: fees += fixture.system.dai(Fixture.vow) - vowDaiBefore
                case .tended(let bid):
                    proceeds += bid.bid - bid.previousBid
                    raised[bid.auction, default: .zero] += bid.bid - bid.previousBid
                case .taken(let take):
                    proceeds += take.owe
                    raised[take.auction, default: .zero] += take.owe
                case .healed(let rad): healed += rad
                default: break
                }
            }
            let vow = Fixture.vow
            #expect(fixture.system.sin(vow) + healed == due + coin, "\(context): Vow sin")
            #expect(fixture.system.dai(vow) + healed == fees + proceeds, "\(context): Vow dai")
            for (id, amount) in raised {
                #expect(amount <= (tabs[id] ?? .zero), "\(context): auction \(id) over tab")
            }
        }
        // Wind down: settle every auction, then bad debt is exact.
        fixture.warp(7 * 86_400)
        for id in fixture.system.liveAuctionIDs {
            guard let auction = fixture.system.auction(id) else { continue }
            switch auction {
            case .flip(let flip):
                if flip.tic == 0 {
                    try fixture.run(.tick(auction: id), as: Fixture.keeper)
                    try fixture.run(.tend(auction: id, lot: flip.lot, bid: 1), as: Fixture.ali)
                    proceeds += 1
                    fixture.warp(601)
                }
                try fixture.run(.deal(auction: id), as: Fixture.keeper)
            case .clip(let clip):
                if fixture.system.clipStatus(id, now: fixture.now)?.needsRedo == true {
                    let events = try fixture.run(
                        .redo(auction: id, keeper: Fixture.bob), as: Fixture.bob)
                    if case .redone(let redo)? = events.last { coin += redo.coin }
                }
                let price = fixture.system.clipStatus(id, now: fixture.now)?.price ?? .zero
                let events = try fixture.run(
                    .take(auction: id, amt: clip.lot, max: price, who: Fixture.bob, flash: false),
                    as: Fixture.bob)
                if case .taken(let take)? = events.last { proceeds += take.owe }
            }
        }
        #expect(fixture.system.liveAuctionIDs.isEmpty, "seed \(seed): auctions left")
        let owed = due + coin
        let paid = fees + proceeds
        let expectedBadDebt = owed > paid ? owed - paid : .zero
        #expect(fixture.system.badDebt == expectedBadDebt, "seed \(seed): bad debt")
    }
}

/// A frob that usually levers up close to the limit (sometimes just past it, to exercise
/// `Vat/not-safe`), and sometimes repays or frees collateral.
private func frobCall(
    ilk: MakerSystem.IlkID, owner: Address, _ random: inout OperandGenerator,
    _ fixture: MakerFixture
) -> MakerSystem.Call {
    let urn = fixture.system.urn(ilk: ilk, owner: owner)
    let state = fixture.system.ilk(ilk)
    if random.chance(25) {
        let dink = MakerSystem.Delta.minus(urn.ink * random.amount(below: 30) / 100)
        let dart = MakerSystem.Delta.minus(urn.art * random.amount(below: 101) / 100)
        return .frob(ilk: ilk, dink: random.chance(50) ? dink : .zero, dart: dart)
    }
    let dink = wad("1") * random.amount(below: 60)
    let capacity = (urn.ink + dink) * state.spot / state.rate
    let room = capacity > urn.art ? capacity - urn.art : .zero
    let dart = room * UInt256(80 + random.next(below: 22)) / 100
    return .frob(ilk: ilk, dink: .plus(dink), dart: .plus(dart))
}

/// A plausible call on a live auction: bids near the rules' boundaries, takes at the
/// current price, deals, ticks and redos.
private func auctionCall(
    _ id: MakerSystem.AuctionID, _ auction: MakerSystem.Auction, _ random: inout OperandGenerator,
    _ fixture: MakerFixture
) -> MakerSystem.Call {
    switch auction {
    case .flip(let flip):
        switch random.next(below: 4) {
        case 0:
            let bid =
                flip.bid == .zero
                ? rad("1") * random.amount(below: 1000) + 1
                : Swift.min(flip.tab, flip.bid * UInt256(103 + random.next(below: 40)) / 100)
            return .tend(auction: id, lot: flip.lot, bid: bid)
        case 1:
            return .dent(
                auction: id, lot: flip.lot * UInt256(80 + random.next(below: 18)) / 100,
                bid: flip.bid)
        case 2: return .deal(auction: id)
        default: return .tick(auction: id)
        }
    case .clip(let clip):
        let price = fixture.system.clipStatus(id, now: fixture.now)?.price ?? .zero
        if random.chance(25) { return .redo(auction: id, keeper: Fixture.keeper) }
        let amt = random.chance(30) ? clip.lot : clip.lot * random.amount(below: 100) / 100
        return .take(auction: id, amt: amt, max: price, who: Fixture.bob, flash: false)
    }
}

@Suite("Maker v1 Cat lots (seeded)")
struct MakerV1CatPropertyTests {
    // The v1 Cat (dss `cat.sol` at the MCD launch) on random vaults: every bite takes
    // lot = min(ink, lump) and art = min(art, lot·art / ink) exactly; bites continue while the
    // vault is unsafe; the lots and debts seized plus what is left add up to the vault.
    @Test(arguments: 0..<100 as Range<UInt64>)
    func lotsAddUp(seed: UInt64) throws {
        var random = OperandGenerator(seed: seed)
        var fixture = MakerFixture()
        let lump = UInt256(1 + random.next(below: 60)) * MakerSystem.wad
        let terms = MakerSystem.FlipTerms(
            flipper: Fixture.flipper, chop: wad("1.13"), dunk: .zero, beg: wad("1.03"),
            ttl: 600, tau: 3 * 86_400, lump: lump)
        let ilk = fixture.system.addIlk(
            MakerSystem.IlkConfiguration(
                name: "ETH-A", line: rad("1000000000"), dust: .zero, mat: ray("1.5"),
                liquidation: .flip(terms)),
            at: fixture.now)
        try fixture.run(.poke(ilk: ilk, price: wad("200")), as: Fixture.governance)
        // A vault at 150–300% with 1–500 ETH (to the wei), then a crash below its price.
        let ink =
            UInt256(1 + random.next(below: 500)) * MakerSystem.wad
            + UInt256(random.next(below: 1_000_000_007))
        let ratio = 150 + random.next(below: 151)
        // debt = ink · $200 / ratio (a ratio of 150% is 133.33 DAI per ETH).
        let art = ink * UInt256(20_000 as UInt64) / UInt256(ratio)
        try fixture.openVault(ilk: ilk, owner: Fixture.me, ink: ink, art: art)
        try fixture.run(.poke(ilk: ilk, price: wad("50")), as: Fixture.governance)
        var seizedInk = UInt256.zero
        var seizedArt = UInt256.zero
        var bites = 0
        while fixture.system.isUnsafe(ilk: ilk, owner: Fixture.me) {
            let before = fixture.system.urn(ilk: ilk, owner: Fixture.me)
            let events = try fixture.run(.bite(ilk: ilk, vault: Fixture.me), as: Fixture.keeper)
            guard case .bitten(let bite)? = events.last else {
                Issue.record("seed \(seed): no bite event")
                return
            }
            let lot = Swift.min(before.ink, lump)
            let dart = Swift.min(before.art, lot * before.art / before.ink)
            #expect(bite.lot == lot && bite.dart == dart, "seed \(seed) bite \(bites)")
            #expect(bite.tab == dart * MakerSystem.ray * wad("1.13") / MakerSystem.wad)
            seizedInk += bite.lot
            seizedArt += bite.dart
            bites += 1
            guard bites < 1_000 else {
                Issue.record("seed \(seed): the vault never became safe")
                return
            }
        }
        let left = fixture.system.urn(ilk: ilk, owner: Fixture.me)
        #expect(seizedInk + left.ink == ink && seizedArt + left.art == art, "seed \(seed)")
        #expect(bites >= 1)
    }
}
