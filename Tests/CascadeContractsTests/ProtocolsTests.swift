import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// Runs `calls` as one transaction through the state's hooks, as the chain does (without
/// gas); returns the revert, if any.
func runTransaction(
    _ calls: [ProtocolState.Call], on state: inout ProtocolState, caller: Address,
    block: BlockContext, events: inout [ProtocolState.Event]
) -> Revert? {
    state.beginTransaction(calls)
    var failure: Revert?
    for call in calls where failure == nil {
        do {
            try state.apply(call, caller: caller, block: block, events: &events)
        } catch {
            failure = error
        }
    }
    if failure == nil {
        do { try state.finishTransaction() } catch { failure = error }
    }
    if failure == nil {
        state.commitTransaction()
    } else {
        state.rollBackTransaction()
    }
    return failure
}

@Suite("Protocol state")
struct ProtocolsTests {
    static let small = ProtocolSample(vaults: 20, auctions: 5)

    /// An hour into the first auction: price 180 · 0.99^40 ≈ 120.3, below the pool's 150.
    static func later(_ sample: ProtocolSample) -> BlockContext {
        BlockContext(number: 2, timestamp: sample.now + 3_600)
    }

    @Test("flash take-and-swap: a keeper with no DAI takes, sells and settles, exactly")
    func flashTakeAndSwap() throws {
        var state = Self.small.state
        let keeper = Address(40)
        let block = Self.later(Self.small)
        let auction = Self.small.auctionIDs[0]
        let bundle = try #require(
            state.flashTakeBundle(
                auction: auction, amount: 10 * .wad, maxPrice: .max, keeper: keeper,
                pair: Self.small.pair, now: block.timestamp))
        let plan = try #require(
            state.plannedTake(
                auction: auction, amount: 10 * .wad, maxPrice: .max,
                now: block.timestamp))
        #expect(state.maker.dai(keeper) == .zero)
        let pair = state.pair(Self.small.pair)
        let wethIsToken0 = pair.token0 == Self.small.weth
        let expectedOut = try UniswapV2Library.getAmountOut(
            amountIn: plan.slice, reserveIn: wethIsToken0 ? pair.reserve0 : pair.reserve1,
            reserveOut: wethIsToken0 ? pair.reserve1 : pair.reserve0)
        let oweWad = (plan.owe + MakerSystem.ray - .one) / MakerSystem.ray
        let vowBefore = state.maker.dai(ProtocolSample.vow)
        var events: [ProtocolState.Event] = []
        let failure = runTransaction(
            bundle, on: &state, caller: keeper, block: block, events: &events)
        #expect(failure == nil)
        // The whole lot (10 WETH) was bought at the auction's price and sold on the pool.
        #expect(plan.slice == 10 * .wad)
        #expect(state.maker.dai(ProtocolSample.vow) - vowBefore == plan.owe)
        #expect(UInt256(state.ledger.balance(of: Self.small.dai, keeper)) == expectedOut - oweWad)
        #expect(state.maker.dai(keeper) == oweWad * MakerSystem.ray - plan.owe)
        #expect(state.maker.gem(ilk: Self.small.ilk, owner: keeper) == .zero)
        #expect(state.maker.pendingTake == nil)
        #expect(state.maker.auction(auction) == nil)
        try state.checkInvariants()
    }

    @Test("a bundle built from a known plan is the bundle the state plans")
    func flashTakeBundleFromPlan() throws {
        let state = Self.small.state
        let keeper = Address(40)
        var compared = 0
        for auction in Self.small.auctionIDs {
            guard case .clip(let sale)? = state.maker.auction(auction) else { continue }
            // From the start, through the steps, past the tail; amounts below, at and above
            // the lot.
            for offset in stride(from: 0 as UInt64, through: 30_000, by: 611) {
                let now = Self.small.now + offset
                for amount in [UInt256.wad, sale.lot / 3, sale.lot, sale.lot * 2] {
                    let planned = state.plannedTake(
                        auction: auction, amount: amount, maxPrice: .max, now: now)
                    let expected = state.flashTakeBundle(
                        auction: auction, amount: amount, maxPrice: .max, keeper: keeper,
                        pair: Self.small.pair, now: now)
                    #expect((planned == nil) == (expected == nil), "\(auction) at \(now)")
                    guard let planned, let expected else { continue }
                    let bundle = state.flashTakeBundle(
                        auction: auction, ilk: sale.ilk, amount: amount, maxPrice: .max,
                        keeper: keeper, pair: Self.small.pair,
                        planned: (planned.slice, planned.owe))
                    #expect(bundle == expected, "\(auction) at \(now), \(amount)")
                    // A pair index the state does not have: no bundle either way.
                    #expect(
                        state.flashTakeBundle(
                            auction: auction, ilk: sale.ilk, amount: amount, maxPrice: .max,
                            keeper: keeper, pair: state.pairs.count,
                            planned: (planned.slice, planned.owe)) == nil)
                    compared += 1
                }
            }
        }
        #expect(compared > 100, "only \(compared) bundles compared")
    }

    @Test("flash take whose swap yields too little reverts the whole bundle")
    func flashTakeShortSwap() throws {
        var state = Self.small.state
        let keeper = Address(40)
        let block = Self.later(Self.small)
        var bundle = try #require(
            state.flashTakeBundle(
                auction: Self.small.auctionIDs[1], amount: 10 * .wad, maxPrice: .max,
                keeper: keeper, pair: Self.small.pair, now: block.timestamp))
        // Sell only a tenth of the collateral: the DAI raised cannot cover the take.
        guard case .swap(let pair, let token, let amount, _, let to) = bundle[2] else {
            Issue.record("third call is not the swap")
            return
        }
        bundle[2] = .swap(
            pair: pair, tokenIn: token, amountIn: amount / 10, amountOutMin: .zero, to: to)
        let before = state
        var events: [ProtocolState.Event] = []
        let failure = runTransaction(
            bundle, on: &state, caller: keeper, block: block, events: &events)
        #expect(failure?.reason == "DAI/insufficient-balance")
        #expect(state == before)
        try state.checkInvariants()

        // With a minimum output the swap itself refuses.
        bundle[2] = .swap(
            pair: pair, tokenIn: token, amountIn: amount / 10, amountOutMin: amount * 1_000, to: to)
        #expect(
            runTransaction(bundle, on: &state, caller: keeper, block: block, events: &events)?
                .reason == "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT")
        #expect(state == before)
    }

    @Test("a flash take left unpaid reverts at the end of the transaction")
    func unsettledFlashTake() throws {
        var state = Self.small.state
        let keeper = Address(40)
        let block = Self.later(Self.small)
        let bundle = try #require(
            state.flashTakeBundle(
                auction: Self.small.auctionIDs[2], amount: 10 * .wad, maxPrice: .max,
                keeper: keeper, pair: Self.small.pair, now: block.timestamp))
        let before = state
        var events: [ProtocolState.Event] = []
        for calls in [Array(bundle.dropLast()), [bundle[0]]] {
            #expect(
                runTransaction(calls, on: &state, caller: keeper, block: block, events: &events)?
                    .reason == "Vat/insufficient-dai")
            #expect(state == before)
        }
    }

    @Test("the Spotter reads the OSM's current value, never the caller's price")
    func spotterUsesOSM() throws {
        var sample = Self.small
        var events: [ProtocolState.Event] = []
        var block = BlockContext(number: 3, timestamp: sample.now)
        // The median reports $90; the OSM still holds $150 as its current value.
        try sample.state.apply(
            .oracleTransmit(
                aggregator: sample.median, observations: [90 * .wad],
                observationsTimestamp: block.timestamp),
            caller: ProtocolSample.reporter, block: block, events: &events)
        #expect(
            throws: Revert("Spotter/use-spotter-poke"),
            performing: {
                try sample.state.apply(
                    .maker(.poke(ilk: sample.ilk, price: 1 * .wad)), caller: Address(40),
                    block: block, events: &events)
            })
        try sample.state.apply(
            .spotterPoke(ilk: sample.ilk), caller: Address(40), block: block, events: &events)
        #expect(sample.state.maker.ilk(sample.ilk).feedPrice == 150 * .wad)
        // One hop later the OSM publishes what it queued ($150), the next hop $90.
        block.timestamp += 3_600
        try sample.state.apply(
            .osmPoke(osm: sample.osm), caller: Address(40), block: block, events: &events)
        block.timestamp += 3_600
        try sample.state.apply(
            .osmPoke(osm: sample.osm), caller: Address(40), block: block, events: &events)
        try sample.state.apply(
            .spotterPoke(ilk: sample.ilk), caller: Address(40), block: block, events: &events)
        #expect(sample.state.maker.ilk(sample.ilk).feedPrice == 90 * .wad)
        // spot = price · 1e9 / par / mat = 90 / 1.5 RAY.
        #expect(sample.state.maker.ilk(sample.ilk).spot == 60 * MakerSystem.ray)
        try sample.state.checkInvariants()
    }

    @Test("TWAP reads its pair; the anchored view's anchor is the TWAP's average")
    func twapAndAnchor() throws {
        var sample = Self.small
        var events: [ProtocolState.Event] = []
        let block = BlockContext(number: 3, timestamp: sample.now + 1_800)
        try sample.state.apply(
            .twapUpdate(twap: sample.twap), caller: Address(40), block: block, events: &events)
        let average = try sample.state.twaps[sample.twap].averagePriceWad(of: sample.weth)
        // The pool has stood at exactly 150 DAI per WETH since the TWAP started.
        #expect(average / .wad == 149 || average / .wad == 150)
        let view = sample.state.addAnchoredView(
            AnchoredPriceView(
                address: Address(50), reporter: ProtocolSample.reporter, assetCount: 1,
                toleranceWad: .wad / 5),
            anchors: [ProtocolState.Anchor(twap: sample.twap, token: sample.weth)])
        try sample.state.apply(
            .postPrice(view: view, asset: 0, reportedPrice: 300 * .wad),
            caller: ProtocolSample.reporter, block: block, events: &events)
        #expect(sample.state.anchoredViews[view].prices[0] == .zero)  // guarded: 2× the anchor
        try sample.state.apply(
            .postPrice(view: view, asset: 0, reportedPrice: 160 * .wad),
            caller: ProtocolSample.reporter, block: block, events: &events)
        #expect(sample.state.anchoredViews[view].prices[0] == 160 * .wad)
    }

    @Test("gas costs are in the documented ranges")
    func gasCosts() {
        #expect(
            ProtocolState.Call.transfer(TokenID(rawValue: 0), to: .zero, amount: 1).gasCost
                == 30_000)
        let take = ProtocolState.Call.maker(
            .take(auction: MakerSystem.AuctionID(1), amt: .one, max: .one, who: .zero, flash: false)
        )
        #expect(take.gasCost == 150_000)
        let bark = ProtocolState.Call.maker(.bark(ilk: Self.small.ilk, vault: .zero, keeper: .zero))
        #expect((150_000...300_000).contains(bark.gasCost))
        let swap = ProtocolState.Call.swap(
            pair: 0, tokenIn: TokenID(rawValue: 0), amountIn: .one, amountOutMin: .zero, to: .zero)
        #expect((100_000...150_000).contains(swap.gasCost))
    }
}
