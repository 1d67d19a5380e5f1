import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The keeper's Clipper reader against the contract: the same status as
/// `MakerSystem.clipStatus` and the same plan as `ProtocolState.plannedTake`, to the wei, for
/// every live auction of a crash, at moments across each auction's life and for amounts
/// from dust to more than the lot.
@Suite("Keepers: Clipper prices from the factor table")
struct ClipPriceReaderTests {
    /// The state after `time` of a small crash world (a 55% fall at two minutes, forty
    /// vaults, one keeper): many Clipper auctions live, some taken.
    func crashState(seed: UInt64, after time: SimTime) throws -> ProtocolState {
        let recorder = RaceRecorder()
        let configuration = ProtocolWorldFixture.world(
            seed: seed,
            keepers: [ProtocolWorldFixture.keeper(0, gwei: 30, dai: 100, flash: false)],
            borrowers: ProtocolWorldFixture.borrowers(count: 40, ratio: 1.55),
            market: ProtocolWorldFixture.market(crash: -0.55, crashAt: .minutes(2)),
            arbitrage: false)
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: time)
        return try #require(recorder.lastState)
    }

    @Test(arguments: [7, 8] as [UInt64])
    func readerMatchesTheContract(seed: UInt64) throws {
        let state = try crashState(seed: seed, after: .minutes(20))
        let auctions = state.maker.liveAuctionIDs
        #expect(!auctions.isEmpty, "seed \(seed): no live auction to compare")
        var reader = ClipPriceReader()
        var compared = 0
        for id in auctions {
            guard case .clip(let sale)? = state.maker.auction(id) else { continue }
            // Before the start, within the first steps, across the life, past the tail.
            for offset in stride(from: 0 as UInt64, through: 20_000, by: 37) {
                let now = sale.tic + offset >= 5 ? sale.tic + offset - 5 : 0
                let expected = state.maker.clipStatus(id, now: now)
                let quote = reader.quote(id, in: state.maker, now: now)
                #expect(quote?.price == expected?.price, "seed \(seed) auction \(id) at \(now)")
                #expect(quote?.needsRedo == expected?.needsRedo, "seed \(seed) at \(now)")
                #expect(quote?.lot == expected?.lot && quote?.tab == expected?.tab)
                guard let quote, let expected else { continue }
                for amount in [UInt256.one, .wad, sale.lot / 3, sale.lot, sale.lot * 2] {
                    let plan = quote.plannedTake(amount: amount)
                    let contract = state.plannedTake(
                        auction: id, amount: amount, maxPrice: expected.price, now: now)
                    #expect(plan?.slice == contract?.slice, "seed \(seed) at \(now) \(amount)")
                    #expect(plan?.owe == contract?.owe, "seed \(seed) at \(now) \(amount)")
                    compared += 1
                }
            }
        }
        #expect(compared > 1_000, "seed \(seed): only \(compared) plans compared")
    }

    /// The keepers' shared reads against each keeper's own: two states of a crash (after 12
    /// and 20 minutes, many auctions live, some taken between them) asked about in a random
    /// interleaving of block (in runs, with returns to the other), auction (live, finished, never started) and second — as
    /// keepers at different blocks and times ask — give exactly what reading the auction
    /// out of that state and pricing it with a reader of one's own gives.
    @Test(arguments: [7, 8] as [UInt64])
    func sharedReadsMatchOwnReads(seed: UInt64) throws {
        let states = [
            try crashState(seed: seed, after: .minutes(12)),
            try crashState(seed: seed, after: .minutes(20)),
        ]
        let highest = states.map { $0.maker.liveAuctionIDs.last?.rawValue ?? 0 }.max() ?? 0
        #expect(highest > 0, "seed \(seed): no auction")
        let shared = MakerAuctionQuotes()
        var own = ClipPriceReader()
        var curves = RecheckCurves()
        var random = RandomStream(seed: seed, name: "maker-auction-quotes-test")
        var quoted = 0
        var block = 0
        for _ in 0..<4_000 {
            // Mostly the same block for a while (keepers finish a block before the next),
            // sometimes back to the other one (a late keeper).
            if random.uniformInt(below: 16) == 0 { block = 1 - block }
            let state = states[block]
            let id = MakerSystem.AuctionID(rawValue: 1 + random.uniformInt(below: highest + 2))
            let tic: UInt64
            if case .clip(let sale)? = state.maker.auction(id) { tic = sale.tic } else { tic = 0 }
            let now = tic + random.uniformInt(below: 3) * 90 + random.uniformInt(below: 2)
            let read = shared.read(id, block: UInt64(block + 1), state: state, now: now)
            switch state.maker.auction(id) {
            case nil:
                #expect(read == .gone, "seed \(seed) block \(block) auction \(id)")
            case .flip:
                #expect(read == .flip, "seed \(seed) block \(block) auction \(id)")
            case .clip:
                #expect(read == .clip, "seed \(seed) block \(block) auction \(id)")
                guard read == .clip else { continue }
                let expected = own.quote(id, in: state.maker, now: now)
                #expect(
                    shared.quote(of: id) == expected,
                    "seed \(seed) block \(block) auction \(id) at \(now)")
                // The facts kept beside it (updated in place when only the step moved) are
                // those of a quote made afresh.
                #expect(
                    shared.facts(of: id) == ClipFacts(expected, curves: &curves),
                    "seed \(seed) block \(block) auction \(id) at \(now)")
                quoted += 1
            }
        }
        #expect(quoted > 1_000, "seed \(seed): only \(quoted) quotes compared")
        #expect(shared.sharedReads > 100, "seed \(seed): no read was shared")
        #expect(shared.reads > 100, "seed \(seed): every read was shared")
    }

    /// One reader asked about several curves in turn (a world with more than one Clipper
    /// ilk), two of them with the same step: each price is dss's `rmul(top, rpow(cut, n))`
    /// of its own curve, whichever table the reader used last.
    @Test func curvesAskedInTurnKeepTheirOwnFactors() throws {
        guard case .clip(let base) = CollateralSettings.clipperTerms else {
            Issue.record("the Clipper terms are a Clipper's")
            return
        }
        let percent = MakerSystem.ray / UInt256(100 as UInt64)
        let curves: [(step: UInt64, cut: UInt256)] = [
            (90, percent * UInt256(99 as UInt64)), (60, percent * UInt256(98 as UInt64)),
            (90, percent * UInt256(97 as UInt64)),
        ]
        var reader = ClipPriceReader()
        var random = RandomStream(seed: 12, name: "factor-tables")
        let top = MakerSystem.ray * UInt256(200 as UInt64)
        for _ in 0..<3_000 {
            let curve = curves[Int(random.uniformInt(below: UInt64(curves.count)))]
            let terms = StairstepTerms(step: curve.step, cut: curve.cut, terms: base, chost: .zero)
            let tic: UInt64 = 1_000
            let now = tic + random.uniformInt(below: 20_000)
            let (price, _) = reader.status(tic: tic, top: top, terms, now: now)
            #expect(
                price == rmul(top, rpow(curve.cut, (now - tic) / curve.step, .ray)),
                "step \(curve.step) cut \(curve.cut) at \(now)")
        }
    }

    /// An auction's slot is two whole cache lines (`MakerAuctionQuotes.Slot`): what `read`
    /// and the plan's and flash margin's checks read fills the first, the quote's facts
    /// start the second, and a field added past it would cost a third line per look.
    @Test func slotIsTwoCacheLines() {
        #expect(MemoryLayout<ClipFacts>.size == 40)
        #expect(MemoryLayout<MakerAuctionQuotes.Slot>.offset(of: \.facts) == 64)
        #expect(MemoryLayout<MakerAuctionQuotes.Slot>.stride == 128)
    }

    /// The cusp test made once per sale (`CuspBound`) decides as the products did
    /// (`price·RAY < cusp·top`, either product's overflow counting as below): random tops,
    /// cusps and prices around the bound, with both overflows.
    @Test func cuspBoundMatchesTheProducts() {
        var random = RandomStream(seed: 11, name: "cusp-bound")
        // A random value below 2^bits.
        func value(bits: UInt64) -> UInt256 {
            let word = { UInt128(random.next()) << 64 | UInt128(random.next()) }
            return UInt256(high: word(), low: word()) >> Int(256 - bits)
        }
        var compared = 0
        for _ in 0..<3_000 {
            let top = value(bits: 1 + random.uniformInt(below: 255))
            let cusp = value(bits: 1 + random.uniformInt(below: 120))
            let bound = CuspBound(top: top, cusp: cusp)
            let (product, productOverflow) = cusp.multipliedReportingOverflow(by: top)
            var prices = [
                UInt256.zero, .one, .max, CuspBound.largestScalable,
                CuspBound.largestScalable + .one, value(bits: 1 + random.uniformInt(below: 255)),
            ]
            if !productOverflow {
                let edge = product / .ray
                prices += [edge, edge + .one, edge > .zero ? edge - .one : .zero]
            }
            for price in prices {
                let (scaled, overflow) = price.multipliedReportingOverflow(by: .ray)
                let expected = overflow || productOverflow || scaled < product
                #expect(bound.isBelow(price) == expected, "top \(top) cusp \(cusp) price \(price)")
                compared += 1
            }
        }
        #expect(compared > 18_000)
    }

    /// A quote kept from an earlier block is given again only while its sale and its
    /// ilk's Clipper terms are those it was made from: after governance changes the curve
    /// (a steeper `cut`, a shorter `tail`), the same auction at the same second is quoted
    /// afresh, and back under the old terms it is the old quote again (given again in the
    /// next block, which changes nothing the quote depends on). The whole-lot plan
    /// and the flash margin kept beside a quote are what the quote and the reserves give.
    @Test func termsChangeVoidsKeptQuotes() throws {
        let state = try crashState(seed: 7, after: .minutes(12))
        var changed = state
        let ilk = MakerSystem.IlkID(rawValue: 0)
        guard case .clip(var terms) = changed.maker.ilk(ilk).liquidation,
            case .stairstepExponentialDecrease(let step, let cut) = terms.calc
        else {
            Issue.record("the fixture's ilk is not a stairstep Clipper")
            return
        }
        terms.calc = .stairstepExponentialDecrease(stepSeconds: step, cut: cut * 9 / 10)
        terms.tail = 600
        changed.maker.setLiquidation(.clip(terms), of: ilk)

        let shared = MakerAuctionQuotes()
        var own = ClipPriceReader()
        var compared = 0
        for id in state.maker.liveAuctionIDs {
            guard let sale = state.maker.clipSale(id) else { continue }
            for now in [sale.tic + 5, sale.tic + 400, sale.tic + 700] {
                for (block, asked) in [(1, state), (2, changed), (3, state), (4, state)]
                    as [(UInt64, ProtocolState)]
                {
                    #expect(shared.read(id, block: block, state: asked, now: now) == .clip)
                    let quoted = own.quote(id, in: asked.maker, now: now)
                    let expected = try #require(quoted)
                    #expect(
                        shared.quote(of: id) == expected, "auction \(id) block \(block) at \(now)")
                    let owe = shared.wholeOwe(of: id)
                    let direct = expected.plannedTake(amount: expected.lot)
                    #expect(owe == direct?.owe)
                    if owe != nil { #expect(shared.wholeSlice(of: id) == direct?.slice) }
                    // Two pairs (one block's state gives a pair one set of reserves).
                    for (pair, reserves) in [
                        (0, (UInt256.wad * 50, UInt256.wad * 9_000)), (1, (.wad, .wad * 100)),
                    ] {
                        // The kept estimate within its bound, then the exact margin.
                        let estimate = shared.flashMargin(
                            of: id, pair: pair, reserves: reserves)
                        let margin = shared.exactFlashMargin(of: id) {
                            try? UniswapV2Library.getAmountOut(
                                amountIn: $0, reserveIn: reserves.0, reserveOut: reserves.1)
                        }
                        var expectedMargin: Double?
                        if let direct,
                            let output = try? UniswapV2Library.getAmountOut(
                                amountIn: direct.slice, reserveIn: reserves.0,
                                reserveOut: reserves.1)
                        {
                            expectedMargin =
                                output.approximateValue / 1e18 - direct.owe.approximateValue / 1e45
                        }
                        #expect(margin == expectedMargin, "auction \(id) block \(block) at \(now)")
                        #expect((estimate == nil) == (expectedMargin == nil))
                        if let estimate, let expectedMargin {
                            #expect(abs(estimate.value - expectedMargin) <= estimate.tolerance)
                        }
                        // Once exact, it is given as exact.
                        if expectedMargin != nil {
                            #expect(
                                shared.flashMargin(of: id, pair: pair, reserves: reserves)
                                    == FlashMargin(value: expectedMargin ?? 0, tolerance: 0))
                        }
                    }
                    compared += 1
                }
            }
        }
        #expect(compared > 50, "only \(compared) quotes compared")
        #expect(shared.sharedReads > 0, "no quote was given again")
    }
}
