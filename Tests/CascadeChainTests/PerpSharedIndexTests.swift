import CascadeAgents
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// One agent of the model: its number at the shared index, and its own index as the agents
/// kept before they shared one, fed block after block.
private struct ModelAgent {
    var subscriber: Int
    var own: PerpAccountIndex
    var applied: UInt64 = 0
    var newest: UInt64 = 0
}

/// A block observed by an agent at a time.
private struct Arrival: Comparable {
    var time: UInt64
    var agent: Int
    var block: UInt64

    static func < (left: Arrival, right: Arrival) -> Bool {
        (left.time, left.agent, left.block) < (right.time, right.agent, right.block)
    }
}

@Suite("Perp shared index")
struct PerpSharedIndexTests {
    /// The shared index against the agents' own: `RandomBook`'s calls (trades, deposits and
    /// withdrawals, price moves onto liquidation prices, funding, liquidations, backstops,
    /// deleveraging) cut into blocks of 1 to 6; four agents observe each block after a delay
    /// of up to 3.5 blocks, so blocks often reach them out of order. Whenever a block is the
    /// newest an agent has seen, the shared answer for that block must equal the agent's own
    /// index's answer at that block's state (its index fed every block up to it, in order)
    /// and the contract's liquidatable set.
    @Test(
        "each block's shared answer equals every agent's own answer for that block",
        arguments: Array(UInt64(1)...16))
    func sharedAnswerEqualsEachAgentsOwn(seed: UInt64) throws {
        var book = RandomBook(seed: seed)
        _ = book.takeEvents()
        let shared = PerpSharedIndex(exchange: 0, state: book.exchange)
        var agents = (0..<4).map { _ in
            ModelAgent(
                subscriber: shared.subscribe(),
                own: PerpAccountIndex(exchange: 0, state: book.exchange))
        }
        var random = RandomStream(seed: seed, name: "perp-shared-index-test")
        // Per block number: its events and the exchange after it (block 0: genesis).
        var blocks: [(events: [PerpExchange.Event], exchange: PerpExchange)] = [
            ([], book.exchange)
        ]
        var arrivals: [Arrival] = []
        var compared = 0
        var liquidatable = 0
        var outOfOrder = 0
        var mostKept = 0

        func deliver(before time: UInt64) throws {
            arrivals.sort()
            while let first = arrivals.first, first.time < time {
                arrivals.removeFirst()
                var agent = agents[first.agent]
                shared.observe(first.block, subscriber: agent.subscriber)
                guard first.block > agent.newest else {
                    outOfOrder += 1
                    continue
                }
                agent.newest = first.block
                while agent.applied < first.block {
                    agent.applied += 1
                    let block = blocks[Int(agent.applied)]
                    agent.own.apply(block.events, exchange: block.exchange)
                }
                let state = blocks[Int(first.block)].exchange
                let answer = shared.liquidatableAccounts(at: first.block)
                #expect(
                    answer == agent.own.liquidatableAccounts(in: state),
                    "seed \(seed) block \(first.block) agent \(first.agent)")
                #expect(
                    answer.sorted() == (try state.liquidatableAccounts()),
                    "seed \(seed) block \(first.block): the contract's set")
                compared += 1
                liquidatable += answer.count
                agents[first.agent] = agent
            }
        }

        for number in UInt64(1)...150 {
            try deliver(before: 10 * number)
            for _ in 0...random.uniformInt(below: 6) { book.step() }
            let events = book.takeEvents()
            blocks.append((events, book.exchange))
            shared.record(number, events: events, exchange: book.exchange)
            mostKept = max(mostKept, shared.keptAnswers)
            for agent in agents.indices {
                arrivals.append(
                    Arrival(
                        time: 10 * number + random.uniformInt(below: 36), agent: agent,
                        block: number))
            }
        }
        try deliver(before: .max)
        #expect(compared > 4 * 100, "seed \(seed): \(compared) answers compared")
        #expect(liquidatable > 0, "seed \(seed): nothing was ever liquidatable")
        #expect(outOfOrder > 0, "seed \(seed): no block came out of order")
        // Kept only while some agent may still ask: at most the 3.5-block delay's worth.
        #expect(mostKept <= 5, "seed \(seed): \(mostKept) answers kept")
    }

    @Test("answers are kept until every subscriber has seen the block or a later one")
    func retention() {
        var book = RandomBook(seed: 7)
        let shared = PerpSharedIndex(exchange: 0, state: book.exchange)
        // No subscriber: only the newest block's answer.
        for number in UInt64(1)...3 {
            shared.record(number, events: [], exchange: book.exchange)
        }
        #expect(shared.keptAnswers == 1)
        let fast = shared.subscribe()
        let slow = shared.subscribe()
        for number in UInt64(4)...8 {
            shared.record(number, events: [], exchange: book.exchange)
            shared.observe(number, subscriber: fast)
        }
        // `slow` has seen nothing yet: everything since it subscribed stays.
        #expect(shared.keptAnswers == 6)
        shared.observe(6, subscriber: slow)
        #expect(shared.keptAnswers == 3)
        #expect(
            shared.liquidatableAccounts(at: 7) == book.index.liquidatableAccounts(in: book.exchange)
        )
        shared.observe(5, subscriber: slow)
        #expect(shared.keptAnswers == 3)
        shared.observe(8, subscriber: slow)
        #expect(shared.keptAnswers == 1)
    }
}
