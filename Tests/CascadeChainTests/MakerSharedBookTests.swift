import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents

/// One agent of the model: its number at the shared book, and its own book as the agents
/// kept before they shared one (`VaultBook.refresh`'s rule: each vault's entry from the
/// latest block it has seen that names the vault).
private struct ModelAgent {
    var subscriber: Int
    var own: LiquidationIndex
    var readAt: [UInt64]
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

@Suite("Maker shared book")
struct MakerSharedBookTests {
    static let owners = 60
    static let ilks = 3
    static let firstOwner: UInt32 = 1_000

    /// A random vault entry: no debt one time in five, else `ink` and `art` near 1 WAD so
    /// that a threshold near 1 finds some unsafe and some safe, with ties.
    static func randomEntry(ilk: Int, _ random: inout RandomStream) -> LiquidationIndex.Position? {
        guard random.uniformInt(below: 5) != 0 else { return nil }
        let ink = UInt256(random.uniformInt(below: 40)) * UInt256(25_000_000_000_000_000)
        let art = UInt256(1 + random.uniformInt(below: 40)) * UInt256(25_000_000_000_000_000)
        return LiquidationIndex.Position(market: ilk, collateral: ink, debt: art)
    }

    /// The shared book against each agent's own: blocks of up to six vault changes (and
    /// empty blocks), five agents observing each block after a delay of up to 3.5 blocks,
    /// so blocks often reach them out of order and an agent is often behind the book or
    /// has a gap. Whenever a block is the newest an agent has seen, every ilk is queried at
    /// a random threshold and limit (the same for all agents at that block, as the keepers'
    /// thresholds are, or an agent's own, as the borrowers' are): the shared book's owners
    /// must be exactly the agent's own book's, in the same order.
    @Test(
        "each agent's answer from the shared book equals its own book's",
        arguments: Array(UInt64(1)...16))
    func sharedAnswerEqualsEachAgentsOwn(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "maker-shared-book-test")
        let count = Self.owners * Self.ilks
        var genesis = VaultBook(
            firstOwner: Self.firstOwner, ownerCount: Self.owners, ilkCount: Self.ilks)
        var genesisIndex = LiquidationIndex()
        for id in 0..<count {
            let entry = Self.randomEntry(ilk: id % Self.ilks, &random)
            genesis.set(id, entry)
            if let entry { genesisIndex.update(id, entry) }
        }
        let shared = MakerSharedBook(book: genesis)
        var agents = (0..<5).map { _ in
            ModelAgent(
                subscriber: shared.subscribe(), own: genesisIndex,
                readAt: Array(repeating: 0, count: count))
        }
        // Per block number: the vaults its events name and their entries after it.
        var blocks: [[(id: Int, entry: LiquidationIndex.Position?)]] = [[]]
        // Per block number: one threshold per ilk shared by all agents.
        var thresholds: [[SafetyThreshold]] = [[]]
        var arrivals: [Arrival] = []
        var compared = 0
        var found = 0
        var outOfOrder = 0
        var limited = 0
        var mostLogged = 0

        func threshold(_ random: inout RandomStream) -> SafetyThreshold {
            SafetyThreshold(
                collateralValue: UInt256(80 + random.uniformInt(below: 60)),
                debtValue: UInt256(100))
        }

        func deliver(before time: UInt64) {
            arrivals.sort()
            while let first = arrivals.first, first.time < time {
                arrivals.removeFirst()
                var agent = agents[first.agent]
                let named = blocks[Int(first.block)]
                shared.observe(first.block, subscriber: agent.subscriber) { named }
                for (id, entry) in named where agent.readAt[id] <= first.block {
                    agent.readAt[id] = first.block
                    if let entry { agent.own.update(id, entry) } else { agent.own.remove(id) }
                }
                defer { agents[first.agent] = agent }
                guard first.block > agent.newest else {
                    outOfOrder += 1
                    continue
                }
                agent.newest = first.block
                for ilk in 0..<Self.ilks {
                    let at =
                        random.uniformInt(below: 3) == 0
                        ? threshold(&random) : thresholds[Int(first.block)][ilk]
                    let limit = Int(1 + random.uniformInt(below: 12))
                    let answer = shared.unsafeOwners(
                        ilk: MakerSystem.IlkID(rawValue: UInt16(ilk)), at: at, limit: limit,
                        subscriber: agent.subscriber)
                    var expected: [Address] = []
                    for id in agent.own.unsafePositions(in: ilk, at: at) {
                        if expected.count == limit { break }
                        expected.append(Address(Self.firstOwner + UInt32(id / Self.ilks)))
                    }
                    #expect(
                        answer == expected,
                        "seed \(seed) block \(first.block) agent \(first.agent) ilk \(ilk)")
                    compared += 1
                    found += answer.count
                    if answer.count == limit { limited += 1 }
                }
            }
        }

        for number in UInt64(1)...200 {
            deliver(before: 10 * number)
            var named: [(id: Int, entry: LiquidationIndex.Position?)] = []
            for _ in 0..<random.uniformInt(below: 7) {
                let id = Int(random.uniformInt(below: UInt64(count)))
                guard !named.contains(where: { $0.id == id }) else { continue }
                named.append((id, Self.randomEntry(ilk: id % Self.ilks, &random)))
            }
            blocks.append(named)
            thresholds.append((0..<Self.ilks).map { _ in threshold(&random) })
            for agent in agents.indices {
                arrivals.append(
                    Arrival(
                        time: 10 * number + random.uniformInt(below: 36), agent: agent,
                        block: number))
            }
            mostLogged = max(mostLogged, shared.loggedBlocks)
        }
        deliver(before: .max)
        #expect(compared > 5 * 100 * Self.ilks, "seed \(seed): \(compared) answers compared")
        #expect(found > 0, "seed \(seed): nothing was ever unsafe")
        #expect(limited > 0, "seed \(seed): no answer reached its limit")
        #expect(outOfOrder > 0, "seed \(seed): no block came out of order")
        #expect(shared.sharedWalkCount > 0, "seed \(seed): no walk was shared")
        // Logged only while some agent has not seen a block with all before it.
        #expect(mostLogged <= 6, "seed \(seed): \(mostLogged) blocks logged")
        #expect(shared.loggedBlocks == 0, "seed \(seed): blocks logged after all were seen")
    }
}
