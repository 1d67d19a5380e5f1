import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeChain

/// The builder's block order against a naive reference over many random pools.
///
/// The builder sorts the senders' first transactions once and keeps only later nonces in
/// a heap (docs/performance.md, "Chain", sixth pass); the reference below is the rule as
/// the builder's documentation states it, go-ethereum's `TransactionsByPriceAndNonce`:
/// each sender's next nonce competes, the best head by effective tip (ties by earliest
/// arrival; by arrival alone under a sequencer) goes next, a head that does not fit stops
/// its sender. Without background demand a transaction fits when the agents' gas so far
/// plus its gas limit stays within the block's limit.
@Suite("Builder order against a reference")
struct BuilderOrderTests {
    struct Pooled {
        var sender: Address
        var nonce: UInt64
        var bid: GasBid
        var gasLimit: Gas
        var arrival: UInt64
    }

    /// The expected `(sender, nonce)` sequence of the next block built from `pool`.
    static func referenceOrder(
        pool: [Pooled], nextNonces: [Address: UInt64], baseFee: Wei, byArrival: Bool,
        blockGasLimit: Gas
    ) -> [(Address, UInt64)] {
        var queues: [Address: [Pooled]] = [:]
        for entry in pool { queues[entry.sender, default: []].append(entry) }
        for sender in queues.keys { queues[sender]?.sort { $0.nonce < $1.nonce } }
        var wanted = nextNonces
        var stopped: Set<Address> = []
        var agentGas: Gas = 0
        var order: [(Address, UInt64)] = []
        while true {
            // Every sender's next nonce, if pooled and includable at this base fee.
            var best: (entry: Pooled, tip: Wei)?
            for (sender, queue) in queues where !stopped.contains(sender) {
                guard let head = queue.first(where: { $0.nonce == wanted[sender, default: 0] }),
                    let tip = head.bid.effectiveTip(baseFee: baseFee)
                else { continue }
                if let current = best {
                    let better =
                        byArrival || tip == current.tip
                        ? head.arrival < current.entry.arrival : tip > current.tip
                    if better { best = (head, tip) }
                } else {
                    best = (head, tip)
                }
            }
            guard let (head, _) = best else { break }
            if agentGas + head.gasLimit > blockGasLimit {
                stopped.insert(head.sender)
                continue
            }
            // One transfer: 21,000 intrinsic + 30,000, or the whole limit when it runs out.
            agentGas += min(head.gasLimit, 51_000)
            order.append((head.sender, head.nonce))
            wanted[head.sender] = head.nonce + 1
        }
        return order
    }

    @Test(arguments: 0..<80)
    func blocksFollowTheReferenceOrder(seed: Int) {
        var random = RandomStream(seed: UInt64(seed), name: "builder-order")
        let markets: [FeeMarket] = [.eip1559, .legacy, .sequencer(baseFee: 1_000)]
        let market = markets[seed % markets.count]
        let agents = 2 + Int(random.uniformInt(below: 30))
        let blockGasLimit = Gas(300_000 + random.uniformInt(below: 3_000_000))
        var fixture = ChainFixture(market: market, agents: agents, gasLimit: blockGasLimit)
        var pool: [Pooled] = []
        var submitted = Array(repeating: UInt64(0), count: agents)
        for _ in 0..<4 {
            // Submissions in random sender order, each sender's nonces in order, tips
            // random (a later nonce often tips more than its parent), some bids below the
            // base fee, so heads wait, and gas limits up to 140,000, so some do not fit.
            for _ in 0..<Int(random.uniformInt(below: UInt64(3 * agents))) {
                let agent = 1 + Int(random.uniformInt(below: UInt64(agents - 1)))
                let tip = Wei(random.uniformInt(below: 4_000_000_000))
                let bid: GasBid =
                    random.bernoulli(numerator: 1, denominator: 3)
                    ? .legacy(gasPrice: tip + Wei(random.uniformInt(below: 2_000_000_000)))
                    : .eip1559(
                        maxFee: tip + Wei(random.uniformInt(below: 2_000_000_000)),
                        priorityFee: tip)
                let gasLimit = Gas(21_000 + random.uniformInt(below: 120_000))
                let arrival = fixture.chain.pool.nextArrival
                let nonce = submitted[agent]
                let outcome = fixture.submit(agent, nonce: nonce, bid: bid, gasLimit: gasLimit)
                guard case .added = outcome else {
                    Issue.record("seed \(seed): submission refused: \(outcome)")
                    return
                }
                submitted[agent] += 1
                pool.append(
                    Pooled(
                        sender: ChainFixture.agent(agent), nonce: nonce, bid: bid,
                        gasLimit: gasLimit, arrival: arrival))
            }
            var nextNonces: [Address: UInt64] = [:]
            for agent in 0..<agents {
                let sender = ChainFixture.agent(agent)
                nextNonces[sender] = fixture.chain.pool.nextNonce(of: sender)
            }
            let input = fixture.chain.nextBlockInput(
                at: fixture.chain.head.time + .seconds(12), producer: ChainFixture.producer)
            let expected = Self.referenceOrder(
                pool: pool, nextNonces: nextNonces, baseFee: input.baseFee,
                byArrival: market.ordersByArrival, blockGasLimit: input.gasLimit)
            fixture.produce()
            let actual = fixture.result.transactions.map { ($0.sender, $0.nonce) }
            #expect(
                actual.map(\.0) == expected.map(\.0) && actual.map(\.1) == expected.map(\.1),
                "seed \(seed), block \(fixture.result.input.number)")
            #expect(fixture.result.dropped.isEmpty, "seed \(seed): nothing can be dropped")
            // What stays pooled is exactly what the block did not include.
            pool.removeAll { entry in
                actual.contains { $0.0 == entry.sender && $0.1 == entry.nonce }
            }
            #expect(fixture.chain.pool.count == pool.count, "seed \(seed)")
            #expect(throws: Never.self) { try fixture.chain.pool.checkInvariants() }
        }
    }
}
