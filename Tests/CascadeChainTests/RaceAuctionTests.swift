import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// Auctions end to end in small protocol worlds: a crash liquidates vaults through the
/// Clipper into the Vow with exact bad debt, and the Flipper's zero-bid opportunist.
@Suite("Liquidation race: auctions end to end")
struct RaceAuctionTests {
    /// The Vow's books from the events alone: debt fessed (`due`) and incentives paid
    /// (`coin`) are its `sin`; take proceeds (`owe`) and Flipper bids are its `dai`.
    static func expectedBadDebt(_ events: [ProtocolState.Event]) -> (sin: UInt256, dai: UInt256) {
        var sin = UInt256.zero
        var dai = UInt256.zero
        for case .maker(let event) in events {
            switch event {
            case .barked(let liquidation), .bitten(let liquidation): sin += liquidation.due
            case .kicked(let kick): sin += kick.coin
            case .redone(let redo): sin += redo.coin
            case .taken(let take) where !take.flash: dai += take.owe
            case .takeSettled(_, _, let owe): dai += owe
            // A Flipper tend pays the raise to the Vow (`gal`); a dent pays the previous
            // bidder, not the Vow.
            case .tended(let bid): dai += bid.bid - bid.previousBid
            default: break
            }
        }
        return (sin, dai)
    }

    @Test(
        "a crash liquidates vaults through Clipper auctions; bad debt is exact",
        arguments: [7, 8] as [UInt64])
    func clipperCrash(seed: UInt64) throws {
        let recorder = RaceRecorder()
        let configuration = ProtocolWorldFixture.world(
            seed: seed,
            keepers: [
                ProtocolWorldFixture.keeper(0, gwei: 30, dai: 20_000, flash: true),
                ProtocolWorldFixture.keeper(1, gwei: 40, dai: 5_000, flash: false),
            ],
            borrowers: ProtocolWorldFixture.borrowers(count: 40, ratio: 1.55),
            market: ProtocolWorldFixture.market(crash: -0.55, crashAt: .minutes(2)),
            arbitrage: true)
        let world = try ProtocolWorld(configuration, observer: recorder)
        let outcome = try world.run(until: .hours(3))
        #expect(outcome != .stopped, "seed \(seed)")
        let state = try #require(recorder.lastState)
        let barks = recorder.attempts.filter { $0.attempt.kind == .bark && $0.succeeded }
        let takes = recorder.attempts.filter { $0.attempt.kind == .take && $0.succeeded }
        #expect(barks.count > 0 && takes.count > 0, "seed \(seed): \(barks.count) \(takes.count)")
        #expect(!state.maker.dai(ProtocolWorld.vow).isZero, "seed \(seed): the Vow got DAI")
        // Every vault the crash made unsafe was seized (none left unsafe and unbarked).
        #expect(state.maker.unsafeVaults(ilk: world.ilks[0]).isEmpty, "seed \(seed)")
        let books = Self.expectedBadDebt(recorder.events)
        #expect(state.maker.sin(ProtocolWorld.vow) == books.sin, "seed \(seed)")
        #expect(state.maker.dai(ProtocolWorld.vow) == books.dai, "seed \(seed)")
        let expected = books.sin > books.dai ? books.sin - books.dai : .zero
        #expect(state.maker.badDebt == expected, "seed \(seed)")
        // A 55% fall on vaults at 155%: collateral is worth ~70% of the debt, so proceeds
        // fall short once the auctions are done.
        if state.maker.liveAuctionIDs.isEmpty {
            #expect(!state.maker.badDebt.isZero, "seed \(seed)")
        }
    }

    @Test("Flipper: with no DAI among the others, the opportunist wins with a 1-wei bid")
    func flipperZeroBid() throws {
        let seed: UInt64 = 13
        let recorder = RaceRecorder()
        var broke = ProtocolWorldFixture.keeper(0, gwei: 40, dai: 0)
        broke.flipDiscount = 0.1
        var opportunist = ProtocolWorldFixture.keeper(1, gwei: 30, dai: 1)
        opportunist.opportunistWait = .minutes(5)
        opportunist.flipDiscount = 0.9
        opportunist.startsUnprofitableAuctions = false
        let configuration = ProtocolWorldFixture.world(
            seed: seed, keepers: [broke, opportunist],
            borrowers: ProtocolWorldFixture.borrowers(count: 1),
            collateral: ProtocolWorldFixture.collateral(
                liquidation: CollateralSettings.flipperTerms))
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .hours(1))
        let bites = recorder.attempts.filter { $0.attempt.kind == .bite && $0.succeeded }
        #expect(bites.count == 1 && bites.first?.sender == broke.address, "seed \(seed)")
        let tends = recorder.attempts.filter { $0.attempt.kind == .tend && $0.succeeded }
        #expect(tends.count == 1 && tends.first?.sender == opportunist.address, "seed \(seed)")
        let dustBid = recorder.events.contains { event in
            if case .maker(.tended(let bid)) = event { return bid.bid == MakerSystem.ray }
            return false
        }
        #expect(dustBid, "seed \(seed): the bid is 1 wei of DAI")
        let deals = recorder.attempts.filter { $0.attempt.kind == .deal && $0.succeeded }
        #expect(deals.first?.sender == opportunist.address, "seed \(seed)")
        let state = try #require(recorder.lastState)
        // The whole debt less one wei of DAI is bad debt.
        let books = Self.expectedBadDebt(recorder.events)
        #expect(books.dai == MakerSystem.ray)
        #expect(state.maker.badDebt + MakerSystem.ray == books.sin, "seed \(seed)")
        #expect(!state.maker.gem(ilk: world.ilks[0], owner: opportunist.address).isZero)
    }
}
