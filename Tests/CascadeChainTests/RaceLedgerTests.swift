import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// The race ledger on hand-built blocks of real transactions (`RaceFixture`).
@Suite("race ledger")
struct RaceLedgerTests {
    static let gwei: Wei = 1_000_000_000
    /// A reverted bark or bite: intrinsic gas plus the call's gas, at base fee + 2 gwei.
    static func revertedFee(callGas: Wei) -> Wei { (21_000 + callGas) * 12 * gwei }

    static func dai(_ amount: UInt64) -> UInt256 { UInt256(amount) * .rad }

    @Test("Clipper race: unsafe at market, then on chain; two keepers; the loser pays")
    func clipperRace() throws {
        var fixture = RaceFixture()
        fixture.playOpening()
        let auction = try #require(fixture.state.maker.liveAuctionIDs.first)
        fixture.block(
            at: 7_212, market: 125,
            [
                RaceFixture.take(auction, amount: 10 * .wad),
                .init(
                    sender: RaceFixture.vaultD,
                    calls: [.maker(.frob(ilk: fixture.ilk, dink: .plus(10 * .wad), dart: .zero))]),
            ])
        fixture.block(at: 7_224, market: 85)

        let a = try #require(fixture.race(RaceFixture.vaultA))
        #expect(a.unsafeBlock == 1)
        #expect(a.liquidatableBlock == 4)
        #expect(a.firstAttemptBlock == 2)
        #expect(a.liquidatedBlock == 4)
        #expect(a.attempts == 4)
        #expect(a.keepers == [RaceFixture.keeper1, RaceFixture.keeper2])
        #expect(a.winner == RaceFixture.keeper2)
        #expect(a.winningGasPrice == 15 * Self.gwei)
        #expect(a.failedAttempts == 2)
        #expect(a.failedFees == 2 * Self.revertedFee(callGas: 250_000))
        #expect(a.outcome == .liquidated)
        #expect(a.debt == Self.dai(900))
        #expect(a.proceeds == Self.dai(1_017))
        #expect(a.shortfall == .zero)
        #expect(a.delayBlocks == 3)
        #expect(a.delayMs == 7_188_000)
        #expect(a.oracleLagMs == 7_188_000)
        #expect(a.settledBlock == 5)

        let d = try #require(fixture.race(RaceFixture.vaultD))
        #expect(d.unsafeBlock == 2)
        #expect(d.liquidatableBlock == 4)
        #expect(d.firstAttemptBlock == nil && d.liquidatedBlock == nil)
        #expect(d.attempts == 0 && d.keepers.isEmpty && d.winner == nil)
        #expect(d.outcome == .recovered)
        #expect(d.debt == Self.dai(880))
        #expect(d.proceeds == .zero && d.shortfall == .zero)

        let b = try #require(fixture.race(RaceFixture.vaultB))
        #expect(b.unsafeBlock == 6 && b.liquidatableBlock == nil)
        #expect(b.outcome == .open)
        #expect(b.debt == Self.dai(600))
        #expect(b.shortfall == nil)

        #expect(fixture.race(RaceFixture.vaultC) == nil)
        #expect(fixture.ledger.races().map(\.position) == [a.position, d.position, b.position])
        #expect(fixture.ledger.totals.liquidations == 1)
        #expect(fixture.ledger.totals.auctions == 1)
        #expect(fixture.ledger.totals.zeroBidAuctions == 0)
        #expect(fixture.ledger.totals.failedTransactions == 2)
        #expect(fixture.ledger.totals.failedTransactionFees == a.failedFees)
    }

    @Test("Flipper race dealt at a near-zero bid: bad debt with the exact shortfall")
    func flipperZeroBid() throws {
        var fixture = RaceFixture(flip: true)
        fixture.playOpening()
        let auction = try #require(fixture.state.maker.liveAuctionIDs.first)
        // A thousandth of a DAI for the whole lot: at most a millionth of the 1,017 DAI tab.
        let bid = UInt256.rad / 1_000
        fixture.block(
            at: 7_212, market: 125,
            [
                .init(
                    sender: RaceFixture.keeper1,
                    calls: [.maker(.tend(auction: auction, lot: 10 * .wad, bid: bid))],
                    tipGwei: 4)
            ])
        fixture.block(
            at: 7_212 + 3 * 3_600 + 1, market: 125,
            [.init(sender: RaceFixture.keeper2, calls: [.maker(.deal(auction: auction))])])

        let a = try #require(fixture.race(RaceFixture.vaultA))
        #expect(a.outcome == .badDebt)
        #expect(a.auctions.count == 1 && a.auctions[0].kind == .flip)
        #expect(a.auctions[0].isZeroBid)
        #expect(a.debt == Self.dai(900))
        #expect(a.proceeds == bid)
        #expect(a.shortfall == Self.dai(900) - bid)
        #expect(a.winner == RaceFixture.keeper1)
        #expect(a.winningGasPrice == 14 * Self.gwei)
        #expect(a.attempts == 5)
        #expect(a.failedFees == 2 * Self.revertedFee(callGas: 200_000))
        #expect(fixture.ledger.totals.zeroBidAuctions == 1)
    }

    @Test("a bark in the same block as the poke opens the race there")
    func sameBlockLiquidation() throws {
        var fixture = RaceFixture()
        fixture.block(at: 12, market: 150)
        fixture.block(
            at: 3_600, market: 150,
            [.init(sender: RaceFixture.reporter, calls: [fixture.report(120, at: 3_600)])])
        fixture.block(
            at: 3_612, market: 150,
            [.init(sender: RaceFixture.reporter, calls: [fixture.osmPoke])])
        fixture.block(
            at: 7_200, market: 150,
            [
                .init(
                    sender: RaceFixture.reporter,
                    calls: [fixture.osmPoke, fixture.spotterPoke]),
                .init(
                    sender: RaceFixture.keeper1,
                    calls: [fixture.bark(RaceFixture.vaultA, by: RaceFixture.keeper1)]),
            ])
        let a = try #require(fixture.race(RaceFixture.vaultA))
        #expect(a.startBlock == 4 && a.liquidatableBlock == 4 && a.liquidatedBlock == 4)
        #expect(a.unsafeBlock == nil)
        #expect(a.delayBlocks == 0)
        #expect(a.oracleLagMs == nil)
        #expect(a.outcome == .open)
    }

    @Test("notes name the race, the keeper, the bid and the revert reason")
    func notes() throws {
        var fixture = RaceFixture()
        fixture.block(at: 12, market: 134)
        #expect(fixture.ledger.notes.map(\.kind) == [.open, .unsafe])
        fixture.block(
            at: 24, market: 130,
            [
                .init(
                    sender: RaceFixture.keeper1,
                    calls: [fixture.bark(RaceFixture.vaultA, by: RaceFixture.keeper1)],
                    tipGwei: 2)
            ])
        let attempt = try #require(fixture.ledger.notes.first?.attempt)
        #expect(fixture.ledger.notes.first?.position == fixture.position(RaceFixture.vaultA))
        #expect(attempt.keeper == RaceFixture.keeper1)
        #expect(attempt.action == "bark")
        #expect(!attempt.succeeded && attempt.revertReason == "Dog/not-unsafe")
        #expect(attempt.effectiveGasPrice == 12 * Self.gwei)
        #expect(fixture.ledger.notes.first?.marketPrice == 130 * .wad)
        #expect(fixture.ledger.notes.first?.oraclePrice == 150 * .wad)
    }

    @Test("the same blocks give the same races (seeded reruns)", arguments: [1, 2, 3] as [UInt64])
    func deterministic(seed: UInt64) throws {
        func play() -> [Race] {
            var fixture = RaceFixture()
            fixture.playOpening()
            fixture.block(at: 7_212 + seed, market: 80 + seed)
            return fixture.ledger.races()
        }
        let first = play()
        #expect(first == play(), "seed \(seed)")
    }

    @Test("each auction's lot, sale, winner, end and Clipper incentive; the ledger's totals")
    func auctionFigures() throws {
        var fixture = RaceFixture()
        fixture.playOpening()
        let auction = try #require(fixture.state.maker.liveAuctionIDs.first)
        // Under auction: the whole due, nothing raised yet.
        #expect(fixture.ledger.debtUnderAuction == Self.dai(900))
        fixture.block(
            at: 7_212, market: 125,
            [
                RaceFixture.take(auction, amount: 10 * .wad)
            ])
        let a = try #require(fixture.race(RaceFixture.vaultA))
        let sale = try #require(a.auctions.first)
        #expect(sale.lot == 10 * .wad)
        #expect(sale.kickBlock == 4 && sale.endBlock == 5)
        #expect(sale.endMarketPrice == 125 * .wad)
        #expect(sale.raised == Self.dai(1_017) && sale.winner == RaceFixture.keeper2)
        #expect(!sale.sold.isZero && sale.sold <= sale.lot)
        #expect(sale.clearingPrice == sale.raised / sale.sold)
        // ProtocolSample's Clipper: tip 100 DAI plus chip 0.1% of the 1,017 DAI tab.
        let incentive = Self.dai(100) + Self.dai(1_017) / 1_000
        #expect(sale.incentive == incentive && a.incentive == incentive)
        #expect(fixture.ledger.totals.keeperIncentives == incentive)
        #expect(fixture.ledger.debtUnderAuction == .zero)
        #expect(fixture.ledger.totals.badDebt == .zero)
        // Collateral in vaults, kept from events, equals the Vat's.
        let owners = fixture.state.maker.vaultOwners(ilk: fixture.ilk)
        let ink = owners.reduce(UInt256.zero) {
            $0 + fixture.state.maker.urn(ilk: fixture.ilk, owner: $1).ink
        }
        #expect(fixture.ledger.collateral(of: fixture.ilk) == ink)
    }

    @Test("bad debt accumulates the shortfalls of settled races; a Flipper pays no incentive")
    func badDebtTotal() throws {
        var fixture = RaceFixture(flip: true)
        fixture.playOpening()
        let auction = try #require(fixture.state.maker.liveAuctionIDs.first)
        let bid = UInt256.rad / 1_000
        fixture.block(
            at: 7_212, market: 125,
            [
                .init(
                    sender: RaceFixture.keeper1,
                    calls: [.maker(.tend(auction: auction, lot: 10 * .wad, bid: bid))],
                    tipGwei: 4)
            ])
        #expect(fixture.ledger.debtUnderAuction == Self.dai(900) - bid)
        #expect(fixture.ledger.totals.badDebt == .zero)
        fixture.block(
            at: 7_212 + 3 * 3_600 + 1, market: 125,
            [.init(sender: RaceFixture.keeper2, calls: [.maker(.deal(auction: auction))])])
        let a = try #require(fixture.race(RaceFixture.vaultA))
        #expect(fixture.ledger.totals.badDebt == a.shortfall)
        #expect(fixture.ledger.debtUnderAuction == .zero)
        #expect(a.incentive == .zero && fixture.ledger.totals.keeperIncentives == .zero)
        let sale = try #require(a.auctions.first)
        #expect(sale.sold == 10 * .wad && sale.winner == RaceFixture.keeper1)
        #expect(sale.isZeroBid && sale.shortfall == Self.dai(900) - bid)
    }
    /// Market prices (WAD per ilk, as the ledger's `record` takes them) with `dollars` for
    /// `ilk` alone.
    static func prices(_ dollars: UInt64?, for ilk: MakerSystem.IlkID) -> [UInt256?] {
        var prices = [UInt256?](repeating: nil, count: Int(ilk.rawValue) + 1)
        prices[Int(ilk.rawValue)] = dollars.map { UInt256($0) * .wad }
        return prices
    }

    @Test(
        "a live Clipper sale unpaid at market: due less what its takes raised and its lot's worth")
    func clipperShortfallAtMarket() throws {
        var fixture = RaceFixture()
        fixture.playOpening()
        let auction = try #require(fixture.state.maker.liveAuctionIDs.first)
        let ilk = fixture.ilk
        func atMarket(_ dollars: UInt64?) -> UInt256 {
            fixture.ledger.auctionShortfall(
                atMarket: Self.prices(dollars, for: ilk), maker: fixture.state.maker)
        }
        // 900 DAI seized against 10 ETH unsold: at $50 the lot brings 500, 400 short; at
        // $90 or more it covers the due; without a market price it is worth nothing.
        #expect(atMarket(50) == Self.dai(400))
        #expect(atMarket(90) == .zero && atMarket(95) == .zero)
        #expect(atMarket(nil) == Self.dai(900))
        #expect(atMarket(nil) == fixture.ledger.debtUnderAuction)
        // Two of the ten ETH bought: what the take raised is banked, eight ETH are left.
        fixture.block(
            at: 7_212, market: 40,
            [
                RaceFixture.take(auction, amount: 2 * .wad)
            ])
        let sale = try #require(fixture.race(RaceFixture.vaultA)?.auctions.first)
        #expect(!sale.ended && !sale.raised.isZero)
        guard case .clip(let live)? = fixture.state.maker.auction(auction) else {
            Issue.record("the sale ended")
            return
        }
        #expect(live.lot == 8 * .wad)
        #expect(atMarket(40) == Self.dai(900) - sale.raised - Self.dai(320))
        #expect(atMarket(nil) == Self.dai(900) - sale.raised)
        #expect(atMarket(1_000) == .zero)
    }

    @Test(
        "a live Flipper auction unpaid at market: due less the better of its bid and its lot's worth"
    )
    func flipperShortfallAtMarket() throws {
        var fixture = RaceFixture(flip: true)
        fixture.playOpening()
        let auction = try #require(fixture.state.maker.liveAuctionIDs.first)
        fixture.block(
            at: 7_212, market: 125,
            [
                .init(
                    sender: RaceFixture.keeper1,
                    calls: [.maker(.tend(auction: auction, lot: 10 * .wad, bid: Self.dai(100)))],
                    tipGwei: 4)
            ])
        let ilk = fixture.ilk
        func atMarket(_ dollars: UInt64?) -> UInt256 {
            fixture.ledger.auctionShortfall(
                atMarket: Self.prices(dollars, for: ilk), maker: fixture.state.maker)
        }
        // The 100 DAI bid beats 10 ETH at $5; 10 ETH at $50 beat the bid; at $90 the due
        // is covered.
        #expect(atMarket(5) == Self.dai(800))
        #expect(atMarket(nil) == Self.dai(800))
        #expect(atMarket(50) == Self.dai(400))
        #expect(atMarket(90) == .zero)
        // Dealt: nothing is live, so nothing is unpaid at any price.
        fixture.block(
            at: 7_212 + 3 * 3_600 + 1, market: 5,
            [.init(sender: RaceFixture.keeper2, calls: [.maker(.deal(auction: auction))])])
        #expect(atMarket(5) == .zero)
        #expect(fixture.ledger.totals.badDebt == Self.dai(800))
    }
}
