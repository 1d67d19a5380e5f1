import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeChain

/// Transactions against the whole protocol state through `BlockBuilder.execute`: in-place
/// execution with the state's journal, flash bundles, and seeded property tests comparing
/// every outcome with a reference run on a copy.
@Suite("Execution against the protocol state")
struct ExecutionTests {
    static let producer = Address(900)
    static let sample = ProtocolSample(vaults: 30, auctions: 12)

    static func input(_ sample: ProtocolSample, at timestamp: UInt64, number: UInt64 = 2)
        -> BlockInput
    {
        BlockInput(
            number: number, time: SimTime(milliseconds: Int64(timestamp) * 1_000),
            gasLimit: 30_000_000, baseFee: .gwei(10), producer: producer, market: .eip1559,
            nativeToken: sample.eth)
    }

    static let bid = GasBid.eip1559(maxFee: .gwei(30), priorityFee: .gwei(2))

    /// `before` with only the fee of `receipt` settled: what a reverted transaction leaves.
    static func feeOnly(_ before: ProtocolState, _ receipt: Receipt, native: TokenID)
        -> ProtocolState
    {
        var expected = before
        do {
            try expected.ledger.burn(native, from: receipt.sender, amount: receipt.fee.paid)
        } catch {
            Issue.record("fee above the sender's balance: \(error)")
        }
        expected.ledger.mint(native, to: producer, amount: receipt.fee.tip)
        return expected
    }

    static func execute(
        _ calls: [ProtocolState.Call], sender: Address, input: BlockInput,
        state: inout ProtocolState, events: inout [ProtocolState.Event], gasLimit: Gas = 2_000_000
    ) -> Receipt {
        let transaction = Transaction(
            sender: sender, nonce: 0, gasLimit: gasLimit, bid: bid, calls: calls, arrival: 0)
        let tip = bid.effectiveTip(baseFee: input.baseFee) ?? 0
        return BlockBuilder.execute(
            transaction, tip: tip, index: 0, input: input, state: &state, events: &events)
    }

    @Test("flash take-and-swap through the chain: succeeds exactly, or reverts paying gas")
    func flashBundleThroughChain() throws {
        var state = Self.sample.state
        let keeper = ProtocolSample.keeper
        let input = Self.input(Self.sample, at: Self.sample.now + 3_600)
        let now = input.context.timestamp
        let auction = Self.sample.auctionIDs[0]
        let bundle = try #require(
            state.flashTakeBundle(
                auction: auction, amount: 10 * .wad, maxPrice: .max, keeper: keeper,
                pair: Self.sample.pair, now: now))
        let daiBefore = state.ledger.balance(of: Self.sample.dai, keeper)

        // Short: sell a tenth; everything reverts but the fee.
        var short = bundle
        if case .swap(let pair, let token, let amount, let minimum, let to) = short[2] {
            short[2] = .swap(
                pair: pair, tokenIn: token, amountIn: amount / 10, amountOutMin: minimum, to: to)
        }
        let before = state
        var events: [ProtocolState.Event] = []
        let failed = Self.execute(
            short, sender: keeper, input: input, state: &state, events: &events)
        #expect(failed.status == .reverted(Revert("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT")))
        #expect(failed.failedCall == 2)
        #expect(failed.gasUsed == 21_000 + 150_000 + 50_000 + 110_000)
        #expect(events.isEmpty)
        #expect(state == Self.feeOnly(before, failed, native: Self.sample.eth))

        // Whole: the keeper ends with the swap's DAI beyond what it owed.
        let plan = try #require(
            state.plannedTake(auction: auction, amount: 10 * .wad, maxPrice: .max, now: now))
        let receipt = Self.execute(
            bundle, sender: keeper, input: input, state: &state, events: &events)
        #expect(receipt.status == .success)
        #expect(receipt.events == 0..<events.count)
        let oweWad = (plan.owe + MakerSystem.ray - .one) / MakerSystem.ray
        let gained = UInt256(state.ledger.balance(of: Self.sample.dai, keeper) - daiBefore)
        #expect(gained > .zero)
        let swapped = events.compactMap { event -> UniswapV2Swap? in
            if case .swapped(let swap) = event { swap } else { nil }
        }
        #expect(swapped.count == 1)
        #expect(gained == swapped[0].amountOut - oweWad)
        #expect(state.maker.auction(auction) == nil)
        try state.checkInvariants()
    }

    @Test("an unpaid flash take reverts the transaction, failedCall nil")
    func unpaidFlashTake() throws {
        var state = Self.sample.state
        let input = Self.input(Self.sample, at: Self.sample.now + 3_600)
        let take = ProtocolState.Call.maker(
            .take(
                auction: Self.sample.auctionIDs[0], amt: .wad, max: .max,
                who: ProtocolSample.keeper, flash: true))
        let before = state
        var events: [ProtocolState.Event] = []
        let receipt = Self.execute(
            [take], sender: ProtocolSample.keeper, input: input, state: &state, events: &events)
        #expect(receipt.status == .reverted(Revert("Vat/insufficient-dai")))
        #expect(receipt.failedCall == nil)
        #expect(state == Self.feeOnly(before, receipt, native: Self.sample.eth))
    }

    // MARK: - Property tests

    /// Who acts in the random runs: the keeper, a trader, and a few borrowers.
    static let actors: [Address] = [
        ProtocolSample.keeper, Address(30), ProtocolSample.borrower(20),
        ProtocolSample.borrower(21), ProtocolSample.borrower(5),
    ]

    /// A random call: mostly plausible, often reverting, over every kind the state has.
    static func randomCall(
        _ random: inout RandomStream, sample: ProtocolSample, state: ProtocolState,
        caller: Address
    ) -> ProtocolState.Call {
        let wad = UInt256.wad
        func amount(_ scale: UInt64) -> UInt256 {
            UInt256(random.uniformInt(below: scale) + 1) * wad / UInt256(10 as UInt64)
        }
        let auctions = sample.auctionIDs
        let auction = auctions[Int(random.uniformInt(below: UInt64(auctions.count)))]
        let other = actors[Int(random.uniformInt(below: UInt64(actors.count)))]
        switch random.uniformInt(below: 20) {
        case 0:
            return .maker(
                .take(auction: auction, amt: amount(50), max: .max, who: caller, flash: false))
        case 1:
            return .maker(
                .take(auction: auction, amt: amount(50), max: .max, who: caller, flash: true))
        case 2: return .maker(.settleTake)
        case 3: return .exitGem(ilk: sample.ilk, amount: amount(50))
        case 4: return .joinGem(ilk: sample.ilk, amount: amount(20))
        case 5:
            return .swap(
                pair: sample.pair, tokenIn: sample.weth, amountIn: amount(50),
                amountOutMin: .zero, to: caller)
        case 6:
            return .swap(
                pair: sample.pair, tokenIn: sample.dai, amountIn: amount(20_000),
                amountOutMin: .zero, to: caller)
        case 7: return .joinDai(amount: amount(5_000))
        case 8: return .exitDai(amount: amount(5_000))
        case 9:
            let vault = ProtocolSample.borrower(Int(random.uniformInt(below: 30)))
            return .maker(.bark(ilk: sample.ilk, vault: vault, keeper: caller))
        case 10: return .maker(.redo(auction: auction, keeper: caller))
        case 11:
            return .maker(
                .frob(ilk: sample.ilk, dink: .plus(amount(10)), dart: .plus(amount(3_000))))
        case 12: return .maker(.move(to: other, rad: amount(1_000) * MakerSystem.ray))
        case 13: return .maker(.flux(ilk: sample.ilk, to: other, wad: amount(5)))
        case 14:
            let token = [sample.dai, sample.weth, sample.eth][Int(random.uniformInt(below: 3))]
            return .transfer(token, to: other, amount: amount(100).toUInt128())
        case 15: return .osmPoke(osm: sample.osm)
        case 16: return .spotterPoke(ilk: sample.ilk)
        case 17:
            return .oracleTransmit(
                aggregator: sample.median, observations: [amount(3_000)],
                observationsTimestamp: 0)
        case 18: return .twapUpdate(twap: sample.twap)
        default: return .maker(.poke(ilk: sample.ilk, price: .wad))  // always reverts
        }
    }

    /// The reference: the same calls applied one by one to a copy, kept only if all
    /// succeed and the flash take is paid — the semantics `execute` must have.
    static func reference(
        _ calls: [ProtocolState.Call], caller: Address, block: BlockContext,
        state: ProtocolState
    ) -> ProtocolState? {
        var copy = state
        var events: [ProtocolState.Event] = []
        for call in calls {
            do {
                try copy.apply(call, caller: caller, block: block, events: &events)
            } catch {
                return nil
            }
        }
        return copy.maker.pendingTake == nil ? copy : nil
    }

    @Test(
        "random bundles: in place equals the copy reference; reverts change nothing but fees",
        arguments: 0..<24)
    func randomBundles(seed: UInt64) throws {
        var random = RandomStream(seed: seed, name: "execution")
        var sample = Self.sample
        for actor in Self.actors {
            sample.state.ledger.mint(
                sample.eth, to: actor, amount: 1_000 * 1_000_000_000_000_000_000)
            sample.state.ledger.mint(
                sample.dai, to: actor, amount: 50_000 * 1_000_000_000_000_000_000)
            sample.state.ledger.mint(
                sample.weth, to: actor, amount: 100 * 1_000_000_000_000_000_000)
            sample.state.maker.mintDai(to: actor, amount: 50_000 * MakerSystem.rad)
        }
        var state = sample.state
        var timestamp = sample.now
        var events: [ProtocolState.Event] = []
        var outcomes = (success: 0, reverted: 0)
        for block in 0..<40 {
            timestamp += random.uniformInt(below: 900)
            let input = Self.input(sample, at: timestamp, number: UInt64(block + 2))
            for _ in 0..<8 {
                let caller = Self.actors[Int(random.uniformInt(below: UInt64(Self.actors.count)))]
                var calls: [ProtocolState.Call]
                if random.uniformInt(below: 4) == 0,
                    let bundle = state.flashTakeBundle(
                        auction: sample.auctionIDs[Int(random.uniformInt(below: 12))],
                        amount: UInt256(random.uniformInt(below: 12) + 1) * .wad, maxPrice: .max,
                        keeper: caller, pair: sample.pair, now: timestamp)
                {
                    calls = bundle
                } else {
                    let count = 1 + Int(random.uniformInt(below: 4))
                    calls = (0..<count).map { _ in
                        Self.randomCall(&random, sample: sample, state: state, caller: caller)
                    }
                }
                // Sometimes a call that must fail, at a random position.
                if random.uniformInt(below: 3) == 0 {
                    let position = Int(random.uniformInt(below: UInt64(calls.count + 1)))
                    calls.insert(.maker(.poke(ilk: sample.ilk, price: .wad)), at: position)
                }
                let before = state
                let expected = Self.reference(
                    calls, caller: caller, block: input.context, state: before)
                let receipt = Self.execute(
                    calls, sender: caller, input: input, state: &state, events: &events)
                let withoutFee = Self.feeOnly(before, receipt, native: sample.eth)
                if receipt.status.isSuccess {
                    outcomes.success += 1
                    var settled = try #require(expected, "seed \(seed): reference reverted")
                    try settled.ledger.burn(sample.eth, from: caller, amount: receipt.fee.paid)
                    settled.ledger.mint(sample.eth, to: Self.producer, amount: receipt.fee.tip)
                    #expect(state == settled, "seed \(seed) block \(block): \(calls)")
                } else {
                    outcomes.reverted += 1
                    #expect(expected == nil, "seed \(seed): reference succeeded: \(calls)")
                    #expect(state == withoutFee, "seed \(seed) block \(block): \(calls)")
                }
            }
            events.removeAll()
            do {
                try state.checkInvariants()
            } catch {
                Issue.record("seed \(seed) block \(block): \(error)")
                return
            }
        }
        #expect(outcomes.success > 0 && outcomes.reverted > 0, "seed \(seed): \(outcomes)")
    }
}
