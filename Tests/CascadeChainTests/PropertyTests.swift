import CascadeCore
import CascadeKernel
import CascadeTestSupport
import Testing

@testable import CascadeChain

/// Seeded property tests over long random runs. Each failure message names its seed;
/// rerun one with the same seed to reproduce it exactly.
@Suite("Chain properties")
struct PropertyTests {
    static let markets: [FeeMarket] = [.eip1559, .legacy, .sequencer(baseFee: 1_000)]

    /// A random bundle: mostly transfers that may overdraw, sometimes a deliberate revert.
    static func randomCalls(
        _ random: inout RandomStream, fixture: ChainFixture, agents: Int
    ) -> [Token.Call] {
        let count = 1 + Int(random.uniformInt(below: 3))
        return (0..<count).map { _ in
            let destination = ChainFixture.agent(Int(random.uniformInt(below: UInt64(agents))))
            switch random.uniformInt(below: 10) {
            case 0: return .fail(reason: "Test/random")
            case 1: return .burn(fixture.usd, amount: UInt128(random.uniformInt(below: 50)))
            case 2: return .mint(fixture.usd, to: destination, amount: 5)
            case 3:
                return .transfer(
                    fixture.eth, to: destination,
                    amount: UInt128(random.uniformInt(below: 1_000_000)))
            default:
                return .transfer(
                    fixture.usd, to: destination,
                    amount: UInt128(random.uniformInt(below: 400)))
            }
        }
    }

    static func randomBid(_ random: inout RandomStream, market: FeeMarket) -> GasBid {
        let tip = Wei(random.uniformInt(below: 5_000_000_000))
        if random.bernoulli(numerator: 1, denominator: 3) {
            return .legacy(gasPrice: tip + Wei(random.uniformInt(below: 2_000_000_000)))
        }
        return .eip1559(
            maxFee: tip + Wei(random.uniformInt(below: 3_000_000_000)),
            priorityFee: tip)
    }

    /// Per block: conservation of every token, gas used ≤ gas limit, no transaction twice,
    /// nonces consecutive per sender, exact base-fee rule between consecutive blocks, the
    /// native supply falls by exactly the agents' burned fees, reverts emit no events.
    @Test(arguments: 0..<60)
    func longRandomRunsKeepEveryInvariant(seed: Int) throws {
        var random = RandomStream(seed: UInt64(seed), name: "chain-property")
        let market = Self.markets[seed % Self.markets.count]
        let agents = 2 + Int(random.uniformInt(below: 12))
        let gasLimit = Gas(500_000 + random.uniformInt(below: 1_500_000))
        var fixture = ChainFixture(
            market: market, agents: agents,
            ethEach: UInt128(random.uniformInt(below: 4)) * 1_000_000_000_000_000,
            gasLimit: gasLimit)
        // Five minutes of demand 1.5× the limit, then 0.2×: the base fee rises and falls.
        let capacityPerSecond = Double(gasLimit) / 12
        let busy = DemandLevel(
            gasPerSecond: capacityPerSecond * 1.5, medianPriceGwei: 3, spread: 0.8)
        let quiet = DemandLevel(
            gasPerSecond: capacityPerSecond * 0.2, medianPriceGwei: 1, spread: 0.5)
        let demand = BackgroundDemand(
            schedule: DemandSchedule([
                .init(start: .zero, level: busy), .init(start: .minutes(5), level: quiet),
            ]))
        var background = BackgroundBlock()
        var seen: Set<TransactionHash> = []
        var expectedNonce: [Address: UInt64] = [:]
        var parent = fixture.chain.head
        var included = 0
        var reverted = 0
        var baseFeeMoved = false
        for block in 0..<50 {
            for _ in 0..<random.uniformInt(below: UInt64(agents * 2)) {
                let agent = Int(random.uniformInt(below: UInt64(agents)))
                let sender = ChainFixture.agent(agent)
                let pending = fixture.chain.pool.pendingNonce(of: sender)
                // Sometimes a gap, sometimes a replacement attempt.
                let nonce =
                    switch random.uniformInt(below: 8) {
                    case 0: pending + 1
                    case 1: max(pending, 1) - 1
                    default: pending
                    }
                fixture.submit(
                    agent, nonce: nonce, bid: Self.randomBid(&random, market: market),
                    calls: Self.randomCalls(&random, fixture: fixture, agents: agents),
                    gasLimit: 21_000 + random.uniformInt(below: 120_000))
            }
            let time = fixture.chain.head.time + .seconds(12)
            demand.draw(at: time, interval: .seconds(12), random: &random, into: &background)
            let supplyBefore = fixture.chain.state.ledger.totalSupply(of: fixture.eth)
            fixture.produce(background: background)
            let result = fixture.result
            let context = "seed \(seed), block \(block)"

            try fixture.chain.state.checkInvariants()
            try fixture.chain.pool.checkInvariants()
            #expect(result.gasUsed <= result.input.gasLimit, "\(context)")
            #expect(
                result.input.baseFee
                    == (market == .eip1559
                        ? ChainReference.baseFee(
                            parentBaseFee: parent.baseFee,
                            parentGasLimit: parent.gasLimit, parentGasUsed: parent.gasUsed)
                        : market.initialBaseFee),
                "\(context)")
            #expect(
                fixture.chain.state.ledger.totalSupply(of: fixture.eth)
                    == supplyBefore - result.agentBurned, "\(context)")
            for (transaction, receipt) in zip(result.transactions, result.receipts) {
                #expect(seen.insert(transaction.hash).inserted, "included twice: \(context)")
                let expected = expectedNonce[transaction.sender, default: 0]
                #expect(transaction.nonce == expected, "nonce order: \(context)")
                expectedNonce[transaction.sender] = expected + 1
                #expect(receipt.gasUsed <= transaction.gasLimit, "\(context)")
                #expect(receipt.effectiveGasPrice >= result.input.baseFee, "\(context)")
                if !receipt.status.isSuccess {
                    #expect(receipt.events.isEmpty, "\(context)")
                }
            }
            included += result.transactions.count
            reverted += result.revertedCount
            baseFeeMoved = baseFeeMoved || result.input.baseFee != parent.baseFee
            parent = fixture.chain.head
        }
        // The run exercised what it checks (agents funded with no ETH can only be dropped).
        if fixture.chain.state.ledger.balance(of: fixture.eth, ChainFixture.agent(0)) > 0 {
            #expect(included > 0, "seed \(seed)")
            #expect(reverted > 0, "seed \(seed)")
        }
        #expect(baseFeeMoved == (market == .eip1559), "seed \(seed)")
    }

    /// A reverted transaction leaves the contract state byte-identical (==) to the state
    /// before it, apart from its fee; a successful one equals the calls applied in turn.
    @Test(arguments: 0..<40)
    func executionIsAtomic(seed: Int) throws {
        var random = RandomStream(seed: UInt64(seed), name: "atomic-execution")
        let agents = 4
        var fixture = ChainFixture(market: .eip1559, agents: agents)
        var input = fixture.chain.nextBlockInput(at: .seconds(12), producer: ChainFixture.producer)
        input.baseFee = Wei(random.uniformInt(below: 3_000_000_000))
        for round in 0..<50 {
            let sender = ChainFixture.agent(Int(random.uniformInt(below: UInt64(agents))))
            let calls = Self.randomCalls(&random, fixture: fixture, agents: agents)
            let transaction = Transaction(
                sender: sender, nonce: 0, gasLimit: 21_000 + random.uniformInt(below: 150_000),
                bid: .eip1559(maxFee: input.baseFee + 5, priorityFee: 3), calls: calls,
                arrival: UInt64(round))
            let before = fixture.chain.state
            var state = before
            var events: [Token.Event] = []
            let receipt = BlockBuilder.execute(
                transaction, tip: 3, index: 0, input: input, state: &state, events: &events)
            let fee = receipt.fee
            var expected = before
            if receipt.status.isSuccess {
                var ignored: [Token.Event] = []
                for call in calls {
                    try expected.apply(
                        call, caller: sender, block: input.context,
                        events: &ignored)
                }
                #expect(events == ignored, "seed \(seed), round \(round)")
            } else {
                #expect(events.isEmpty, "seed \(seed), round \(round)")
            }
            try expected.ledger.burn(fixture.eth, from: sender, amount: fee.burned)
            try expected.ledger.transfer(
                fixture.eth, from: sender, to: ChainFixture.producer, amount: fee.tip)
            #expect(state == expected, "seed \(seed), round \(round)")
            try state.checkInvariants()
            fixture.chain.state = state
        }
    }

    /// The same seed gives the same blocks; a different seed, different ones.
    @Test func runsAreReproducible() {
        func digest(seed: UInt64) -> [Wei] {
            let demand = BackgroundDemand(
                schedule: DemandSchedule(
                    constant: DemandLevel(
                        gasPerSecond: 1_500_000, medianPriceGwei: 40, spread: 0.6)))
            var random = RandomStream(seed: seed, name: "background")
            var fixture = ChainFixture(market: .eip1559, agents: 2)
            var background = BackgroundBlock()
            var fees: [Wei] = []
            for _ in 0..<100 {
                demand.draw(
                    at: fixture.chain.head.time + .seconds(12), interval: .seconds(12),
                    random: &random, into: &background)
                fixture.produce(background: background)
                fees.append(fixture.result.input.baseFee)
                fees.append(fixture.result.averageGasPrice)
            }
            return fees
        }
        #expect(digest(seed: 3) == digest(seed: 3))
        #expect(digest(seed: 3) != digest(seed: 4))
    }
}
