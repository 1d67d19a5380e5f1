import CascadeContracts
import CascadeCore
import Testing

private func wad(_ whole: Int) -> UInt256 { UInt256(whole) * .wad }
/// A WAD price from cents: `cents(130)` is $1.30.
private func cents(_ value: Int) -> UInt256 { UInt256(value) * .wad / UInt256(100) }

@Suite("Median aggregator (Chainlink OCR)")
struct MedianAggregatorTests {
    let block = BlockContext(number: 10, timestamp: 1_000)

    func makeFeed() -> MedianAggregator {
        MedianAggregator(
            address: Address(50), quorum: 3, minAnswer: cents(10), maxAnswer: wad(100_000))
    }

    @Test func medianOfSortedObservations() throws {
        var feed = makeFeed()
        var events: [MedianAggregator.Event] = []
        try feed.apply(
            .transmit(
                observations: [wad(99), wad(100), wad(101), wad(150)],
                observationsTimestamp: 995),
            caller: Address(7), block: block, events: &events)
        // observations[len/2] = observations[2]: the upper median for an even count.
        let latest = try #require(feed.latestRoundData)
        #expect(latest.answer == wad(101))
        #expect(latest.roundId == 1 && latest.answeredInRound == 1)
        #expect(latest.startedAt == 995 && latest.updatedAt == 1_000)
        #expect(
            events == [
                .oracleUpdated(
                    OracleUpdate(
                        oracle: Address(50), kind: .median, value: wad(101), sourceValue: wad(101),
                        round: 1, accepted: true))
            ])
        try feed.checkInvariants()
    }

    /// libocr OCR2Aggregator.sol: too few observations, unsorted reports and out-of-range
    /// medians revert, so a crash below minAnswer freezes the feed at its last value.
    @Test func revertsAndFreezes() throws {
        var feed = makeFeed()
        var events: [MedianAggregator.Event] = []
        try feed.apply(
            .transmit(observations: [wad(1), wad(1), wad(1)], observationsTimestamp: 990),
            caller: Address(7), block: block, events: &events)
        let snapshot = feed
        #expect(throws: Revert("too few values to trust median")) {
            try feed.apply(
                .transmit(observations: [wad(1), wad(1)], observationsTimestamp: 999),
                caller: Address(7), block: block, events: &events)
        }
        #expect(throws: Revert("observations not sorted")) {
            try feed.apply(
                .transmit(
                    observations: [wad(2), wad(1), wad(3)],
                    observationsTimestamp: 999),
                caller: Address(7), block: block, events: &events)
        }
        // LUNA-style crash: the market is at $0.05, below minAnswer $0.10.
        #expect(throws: Revert("median is out of min-max range")) {
            try feed.apply(
                .transmit(
                    observations: [cents(4), cents(5), cents(6)],
                    observationsTimestamp: 999),
                caller: Address(7), block: block, events: &events)
        }
        #expect(throws: Revert("stale report")) {
            try feed.apply(
                .transmit(
                    observations: [wad(1), wad(1), wad(1)],
                    observationsTimestamp: 900),
                caller: Address(7), block: block, events: &events)
        }
        #expect(feed == snapshot)
        #expect(feed.latestRoundData?.answer == wad(1))
    }

    @Test func transmitterWhitelist() {
        var feed = MedianAggregator(
            address: Address(50), quorum: 1, minAnswer: 1, maxAnswer: wad(10),
            transmitters: [Address(7)])
        var events: [MedianAggregator.Event] = []
        #expect(throws: Revert("unauthorized transmitter")) {
            try feed.apply(
                .transmit(observations: [wad(1)], observationsTimestamp: 1),
                caller: Address(8), block: block, events: &events)
        }
    }

    @Test func consumerStalenessGuard() throws {
        var feed = makeFeed()
        #expect(throws: Revert("no price")) {
            try feed.freshAnswer(now: 1_000, maxAgeSeconds: 3600)
        }
        var events: [MedianAggregator.Event] = []
        try feed.apply(
            .transmit(observations: [wad(5), wad(5), wad(5)], observationsTimestamp: 990),
            caller: Address(7), block: block, events: &events)
        #expect(try feed.freshAnswer(now: 4_600, maxAgeSeconds: 3600) == wad(5))
        #expect(throws: Revert("stale price")) {
            try feed.freshAnswer(now: 4_601, maxAgeSeconds: 3600)
        }
        #expect(feed.roundData(1)?.answer == wad(5))
        #expect(feed.roundData(2) == nil && feed.roundData(0) == nil)
    }

    /// libocr median plugin `shouldReport`/`deviates` (REFERENCE.md §5.1): deviation is an
    /// exact rational comparison with `>=`; the heartbeat is strict `<`.
    @Test func reportTrigger() {
        let range = (min: cents(10), max: wad(100_000))
        func should(
            _ old: UInt256?, _ new: UInt256, alpha: UInt64 = 5_000_000,
            last: UInt64 = 1_000, heartbeat: UInt64 = 3_600, now: UInt64 = 1_010
        ) -> Bool {
            MedianAggregator.shouldReport(
                old: old, new: new, alphaPPB: alpha, lastTimestamp: last,
                heartbeatSeconds: heartbeat, now: now, minAnswer: range.min,
                maxAnswer: range.max)
        }
        #expect(should(nil, wad(1)))  // first round
        // 0.5% threshold on $100: exactly $100.50 deviates, $100.4999… does not.
        #expect(should(wad(100), cents(10_050)))
        #expect(!should(wad(100), cents(10_050) - .one))
        #expect(should(wad(100), cents(9_950)))  // downward, exactly 0.5%
        #expect(!should(wad(100), cents(9_950) + .one))
        // Heartbeat: strictly after last + 3600.
        #expect(!should(wad(100), wad(100), now: 4_600))
        #expect(should(wad(100), wad(100), now: 4_601))
        // Out of range never reports, whatever the deviation or heartbeat.
        #expect(!should(wad(1), cents(5), now: 100_000))
        #expect(!should(nil, wad(200_000)))
        // From zero any non-zero value deviates; zero to zero does not.
        #expect(MedianAggregator.deviates(old: .zero, new: .one, thresholdPPB: 1))
        #expect(!MedianAggregator.deviates(old: .zero, new: .zero, thresholdPPB: 0))
    }

    /// `deviates` computes its products from 128-bit halves when both values fit; they are
    /// the 512-bit products' numbers: random pairs across the 2¹²⁸ boundary, and pairs on
    /// the threshold itself, give what the full-width comparison gives.
    @Test("deviates: the 128-bit products equal the 512-bit ones", arguments: 0..<4)
    func deviatesAgreesAtFullWidth(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        func value() -> UInt256 {
            switch next() % 4 {
            case 0: UInt256(next())
            case 1: UInt256(high: 0, low: UInt128(next()) << 64 | UInt128(next()))
            case 2: UInt256(high: UInt128(next() % 3), low: UInt128(next()) << 64 | UInt128(next()))
            default: UInt256(next() % 1_000) * .wad
            }
        }
        func reference(_ old: UInt256, _ new: UInt256, _ ppb: UInt64) -> Bool {
            if old.isZero { return !new.isZero }
            let change = new > old ? new - old : old - new
            let lhs = change.multipliedFullWidth(by: UInt256(1_000_000_000 as UInt64))
            let rhs = old.multipliedFullWidth(by: UInt256(ppb))
            return lhs.high > rhs.high || (lhs.high == rhs.high && lhs.low >= rhs.low)
        }
        for _ in 0..<5_000 {
            let old = value()
            let ppb = [0, 1, 5_000_000, 1_000_000_000, next()][Int(next() % 5)]
            // Near the threshold: old ± old·ppb/1e9 and one either side.
            let edge =
                old.multipliedFullWidth(by: UInt256(ppb)).low / UInt256(1_000_000_000 as UInt64)
            for new in [
                value(), old &+ edge, old &+ edge &+ .one, old &- edge, old &- edge &- .one,
            ] {
                #expect(
                    MedianAggregator.deviates(old: old, new: new, thresholdPPB: ppb)
                        == reference(old, new, ppb), "old \(old) new \(new) ppb \(ppb)")
            }
        }
    }
}

/// makerdao/osm src/osm.t.sol (REFERENCE.md §5.2).
@Suite("Maker OSM")
struct OSMTests {
    static let governance = Address(9)

    /// setUp: source at 100, warp(3600), poke.
    func makeOSM() throws -> OSM {
        var osm = OSM(address: Address(60), wards: [Self.governance])
        var events: [OSM.Event] = []
        try osm.apply(
            .poke(source: wad(100)), caller: Address(1),
            block: BlockContext(number: 1, timestamp: 3600), events: &events)
        #expect(
            events.first
                == .poked(
                    oracle: Address(60), cur: .zero, nxt: wad(100),
                    zzz: 3600, hop: 3600))
        return osm
    }

    @Test func setUpState() throws {
        let osm = try makeOSM()
        #expect(osm.zzz == 3600)
        #expect(osm.peek() == (.zero, false))
        #expect(osm.peep() == (wad(100), true))
    }

    /// `testPoke`: source 101, warp 7200, poke → peek 100, peep 101; warp 10800, poke →
    /// peek 101.
    @Test func poke() throws {
        var osm = try makeOSM()
        var events: [OSM.Event] = []
        try osm.apply(
            .poke(source: wad(101)), caller: Address(1),
            block: BlockContext(number: 2, timestamp: 7200), events: &events)
        #expect(osm.peek() == (wad(100), true))
        #expect(osm.peep() == (wad(101), true))
        try osm.apply(
            .poke(source: wad(101)), caller: Address(1),
            block: BlockContext(number: 3, timestamp: 10_800), events: &events)
        #expect(osm.peek() == (wad(101), true))
    }

    /// `testFailPoke`: at 7199 the hop has not passed.
    @Test func pokeBeforeHopReverts() throws {
        var osm = try makeOSM()
        let snapshot = osm
        var events: [OSM.Event] = []
        #expect(throws: Revert("OSM/not-passed")) {
            try osm.apply(
                .poke(source: wad(101)), caller: Address(1),
                block: BlockContext(number: 2, timestamp: 7199), events: &events)
        }
        #expect(osm == snapshot)
    }

    /// zzz aligns to hop boundaries: a poke at 7250 sets zzz 7200, so the next poke is
    /// allowed at 10800, not 10850.
    @Test func zzzAlignsToHop() throws {
        var osm = try makeOSM()
        var events: [OSM.Event] = []
        try osm.apply(
            .poke(source: wad(101)), caller: Address(1),
            block: BlockContext(number: 2, timestamp: 7250), events: &events)
        #expect(osm.zzz == 7200)
        #expect(osm.pass(now: 10_800) && !osm.pass(now: 10_799))
    }

    /// A source without a valid value leaves everything as it was.
    @Test func invalidSourceChangesNothing() throws {
        var osm = try makeOSM()
        let snapshot = osm
        var events: [OSM.Event] = []
        try osm.apply(
            .poke(source: nil), caller: Address(1),
            block: BlockContext(number: 2, timestamp: 7200), events: &events)
        #expect(osm == snapshot && events.isEmpty)
    }

    /// `testVoid`: both values cleared and the OSM stopped.
    @Test func void() throws {
        var osm = try makeOSM()
        var events: [OSM.Event] = []
        #expect(throws: Revert("OSM/not-authorized")) {
            try osm.apply(
                .void, caller: Address(1),
                block: BlockContext(number: 2, timestamp: 4000), events: &events)
        }
        try osm.apply(
            .void, caller: Self.governance,
            block: BlockContext(number: 2, timestamp: 4000), events: &events)
        #expect(osm.peek() == (.zero, false) && osm.peep() == (.zero, false))
        #expect(osm.stopped)
        #expect(throws: Revert("OSM/is-stopped")) {
            try osm.apply(
                .poke(source: wad(1)), caller: Address(1),
                block: BlockContext(number: 3, timestamp: 100_000), events: &events)
        }
    }

    /// `step` changes hop and refuses zero (`OSM/ts-is-zero`).
    @Test func step() throws {
        var osm = try makeOSM()
        var events: [OSM.Event] = []
        try osm.apply(
            .step(hop: 7200), caller: Self.governance,
            block: BlockContext(number: 2, timestamp: 4000), events: &events)
        #expect(osm.hop == 7200)
        #expect(throws: Revert("OSM/ts-is-zero")) {
            try osm.apply(
                .step(hop: 0), caller: Self.governance,
                block: BlockContext(number: 2, timestamp: 4000), events: &events)
        }
        #expect(!osm.pass(now: 10_799) && osm.pass(now: 10_800))
    }
}

/// v2-periphery test/ExampleOracleSimple.spec.ts (REFERENCE.md §5.3).
@Suite("Uniswap v2 TWAP oracle")
struct UniswapV2TWAPOracleTests {
    @Test func exampleOracleSimple() throws {
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(5), tokens(10))
        let start = fixture.block.timestamp
        var oracle = try UniswapV2TWAPOracle(address: Address(70), pair: fixture.pairState)
        #expect(throws: Revert("ExampleOracleSimple: PERIOD_NOT_ELAPSED")) {
            try oracle.update(
                pair: fixture.pairState,
                block: BlockContext(number: 2, timestamp: start + 23 * 3600))
        }
        let update = try oracle.update(
            pair: fixture.pairState,
            block: BlockContext(number: 3, timestamp: start + 24 * 3600))
        #expect(update.kind == .twap && update.accepted)
        // The trace carries WAD prices of token0 in token1: 10/5 = 2.
        #expect(update.value == tokens(2) && update.sourceValue == tokens(2))
        #expect(oracle.price0Average == UniswapV2Pair.encodedPrice(tokens(10), over: tokens(5)))
        #expect(oracle.price1Average == UniswapV2Pair.encodedPrice(tokens(5), over: tokens(10)))
        #expect(try oracle.consult(token: fixture.token0, amountIn: tokens(5)) == tokens(10))
        #expect(try oracle.consult(token: fixture.token1, amountIn: tokens(10)) == tokens(5))
        #expect(try oracle.averagePriceWad(of: fixture.token0) == tokens(2))
        #expect(throws: Revert("ExampleOracleSimple: INVALID_TOKEN")) {
            try oracle.consult(token: fixture.liquidityToken, amountIn: 1)
        }
    }

    @Test func emptyPairHasNoReserves() {
        let fixture = UniswapV2Fixture()
        #expect(throws: Revert("ExampleOracleSimple: NO_RESERVES")) {
            try UniswapV2TWAPOracle(address: Address(70), pair: fixture.pairState)
        }
    }

    /// A price held for half the window moves the average halfway: a one-block spike at
    /// the end of the window barely moves it.
    @Test func averageWeighsTime() throws {
        var fixture = UniswapV2Fixture()
        try fixture.addLiquidity(tokens(100), tokens(100))
        let start = fixture.block.timestamp
        var oracle = try UniswapV2TWAPOracle(
            address: Address(70), pair: fixture.pairState, periodSeconds: 100)
        // Pump token0's price to about 4x for the last 12 seconds only.
        fixture.block = BlockContext(number: 2, timestamp: start + 88)
        try fixture.call(
            .swapExactTokensForTokens(
                pair: 0, tokenIn: fixture.token1, amountIn: tokens(100), amountOutMin: 0,
                to: UniswapV2Fixture.wallet))
        _ = try oracle.update(
            pair: fixture.pairState,
            block: BlockContext(number: 3, timestamp: start + 100))
        let average = try oracle.averagePriceWad(of: fixture.token0)
        let spot = UInt256.mulDiv(fixture.pairState.reserve1, .wad, fixture.pairState.reserve0)
        #expect(spot > cents(390))
        #expect(average > wad(1) && average < cents(140), "average \(average)")
    }
}

/// Compound's UniswapAnchoredView (2020) with a 20% anchor tolerance.
@Suite("Anchored price view")
struct AnchoredPriceViewTests {
    static let reporter = Address(80)
    let block = BlockContext(number: 1, timestamp: 1_000)

    func post(
        _ view: inout AnchoredPriceView, reported: UInt256, anchor: UInt256,
        caller: Address = reporter
    ) throws(Revert) -> OracleUpdate? {
        var events: [AnchoredPriceView.Event] = []
        try view.apply(
            .postPrice(asset: 0, reportedPrice: reported, anchorPrice: anchor),
            caller: caller, block: block, events: &events)
        if case .oracleUpdated(_, let update, _) = events.first { return update }
        return nil
    }

    /// The DAI $1.30 shape (26 November 2020): a reporter spike is refused against a calm
    /// anchor, and accepted once the anchor has risen with it.
    @Test func daiSpike() throws {
        var view = AnchoredPriceView(
            address: Address(81), reporter: Self.reporter, assetCount: 1,
            toleranceWad: cents(20))
        _ = try post(&view, reported: wad(1), anchor: wad(1))
        #expect(view.prices[0] == wad(1))
        // $1.30 against a $1.00 anchor: ratio 0.769 < 0.8, guarded.
        let guarded = try post(&view, reported: cents(130), anchor: wad(1))
        #expect(guarded?.accepted == false && guarded?.sourceValue == cents(130))
        #expect(view.prices[0] == wad(1))
        // The anchor pool was pushed up too: $1.30 against $1.09, ratio 0.838, accepted.
        let accepted = try post(&view, reported: cents(130), anchor: cents(109))
        #expect(accepted?.accepted == true)
        #expect(view.prices[0] == cents(130))
    }

    /// The bounds are inclusive: ratio exactly 0.8 and 1.2 pass, just outside fails.
    @Test func boundsAreInclusive() throws {
        let view = AnchoredPriceView(
            address: Address(81), reporter: Self.reporter, assetCount: 1,
            toleranceWad: cents(20))
        #expect(view.isWithinAnchor(reported: wad(1), anchor: cents(80)))
        #expect(view.isWithinAnchor(reported: wad(1), anchor: cents(120)))
        #expect(!view.isWithinAnchor(reported: wad(1), anchor: cents(80) - .one))
        #expect(!view.isWithinAnchor(reported: wad(1), anchor: cents(120) + .one))
        #expect(!view.isWithinAnchor(reported: .zero, anchor: wad(1)))
    }

    @Test func onlyTheReporterPostsAndInvalidationFallsBackToAnchor() throws {
        var view = AnchoredPriceView(
            address: Address(81), reporter: Self.reporter, assetCount: 1,
            toleranceWad: cents(20))
        #expect(throws: Revert("only the reporter may post")) {
            _ = try post(&view, reported: wad(1), anchor: wad(1), caller: Address(1))
        }
        var events: [AnchoredPriceView.Event] = []
        try view.apply(.invalidateReporter, caller: Self.reporter, block: block, events: &events)
        _ = try post(&view, reported: wad(5), anchor: cents(101))
        #expect(view.prices[0] == cents(101))
    }
}
