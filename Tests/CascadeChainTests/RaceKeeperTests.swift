import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import Testing

/// Keeper strategies and faults, and the borrowers' defence.
@Suite("Liquidation race: strategies and faults")
struct RaceKeeperTests {
    @Test("gas policy: raises by at least the percentage up to the cap; nothing at the ceiling")
    func gasPolicy() {
        let policy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(2)),
            ceiling: .gwei(100), raisePercent: 10, raiseCap: .gwei(60))
        let bid = policy.bid(nextBaseFee: .gwei(20))
        #expect(bid == .eip1559(maxFee: .gwei(42), priorityFee: .gwei(2)))
        // Capped at the ceiling, then refused once the base fee reaches it.
        #expect(
            policy.bid(nextBaseFee: .gwei(80))
                == .eip1559(maxFee: .gwei(100), priorityFee: .gwei(2)))
        #expect(policy.bid(nextBaseFee: .gwei(100)) == nil)
        // A raise beats the pool's 10% bump (rounded up) and stops at the cap.
        let raised = policy.raised(.eip1559(maxFee: .gwei(50), priorityFee: .gwei(3)))
        #expect(raised == .eip1559(maxFee: .gwei(55), priorityFee: 3_300_000_000))
        #expect(policy.raised(.eip1559(maxFee: .gwei(56), priorityFee: .gwei(3))) == nil)
        #expect(GasPolicy.fixed(gwei: 5).raised(.legacy(gasPrice: 5)) == nil)
    }

    @Test("a keeper that is down misses the race; the one that is up wins it")
    func downtime() throws {
        let seed: UInt64 = 17
        let recorder = RaceRecorder()
        var down = ProtocolWorldFixture.keeper(0, gwei: 100)
        down.downtime = [SimTime.zero..<SimTime.hours(3)]
        let configuration = ProtocolWorldFixture.world(
            seed: seed, keepers: [down, ProtocolWorldFixture.keeper(1, gwei: 20)],
            borrowers: ProtocolWorldFixture.borrowers(count: 1))
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .hours(2))
        let attempts = recorder.attempts
        #expect(!attempts.isEmpty, "seed \(seed)")
        #expect(attempts.allSatisfy { $0.sender == ProtocolWorld.keeper(1) }, "seed \(seed)")
        #expect(world.keepers[0].statistics.sent == 0)
        // Its node kept syncing: its book saw the vault leave.
        #expect(world.keepers[0].indexUpdates > 1)
    }

    @Test("raise on compete: in full blocks a keeper's pending attempt is raised and lands")
    func raiseOnCompete() throws {
        let seed: UInt64 = 19
        let recorder = RaceRecorder()
        // Blocks full of background traffic at ~60 gwei: a 30 gwei bark waits unless raised.
        let demand = BackgroundDemand(
            schedule: DemandSchedule(
                constant: DemandLevel(gasPerSecond: 4_000_000, medianPriceGwei: 60, spread: 0.2)))
        let raiser = ProtocolWorldFixture.keeper(0, gwei: 30, raisePercent: 25)
        let configuration = ProtocolWorldFixture.world(
            seed: seed, keepers: [raiser], borrowers: ProtocolWorldFixture.borrowers(count: 1),
            // Late enough that the base fee has climbed to the background's prices.
            market: ProtocolWorldFixture.market(crashAt: .minutes(30)),
            collateral: ProtocolWorldFixture.collateral(
                transmitterGas: GasPolicy(
                    strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(100)))),
            demand: demand)
        let world = try ProtocolWorld(configuration, observer: recorder)
        _ = try world.run(until: .minutes(90))
        let statistics = world.keepers[0].statistics
        #expect(statistics.raises > 0, "seed \(seed): \(statistics)")
        let bark = try #require(recorder.attempts.first { $0.attempt.kind == .bark })
        #expect(bark.succeeded && bark.tip > .gwei(30), "seed \(seed): tip \(bark.tip)")
    }

    @Test(
        "reactive borrowers defend their vaults in a fall; the others do not",
        arguments: [4, 5] as [UInt64])
    func borrowersReact(seed: UInt64) throws {
        var borrowers = ProtocolWorldFixture.borrowers(count: 200, ratio: 1.6, reactive: 0.5)
        borrowers.reactionLatency = .logNormal(medianMs: 60_000, sigma: 0.5)
        borrowers.reactionProbability = 1
        let recorder = RaceRecorder()
        let configuration = ProtocolWorldFixture.world(
            seed: seed, keepers: [ProtocolWorldFixture.keeper(0, gwei: 30)],
            borrowers: borrowers,
            market: ProtocolWorldFixture.market(crash: -0.15, crashAt: .minutes(2)))
        let world = try ProtocolWorld(configuration, observer: recorder)
        let outcome = try world.run(until: .minutes(40))
        #expect(outcome != .stopped, "seed \(seed)")
        #expect(world.borrowers.warnings > 0 && world.borrowers.actions > 0, "seed \(seed)")
        // Every frob after genesis is a defence, and only reactive owners defend.
        var defenders: [Address] = []
        for case .maker(.frobbed(let frob)) in recorder.events {
            defenders.append(frob.owner)
        }
        #expect(!defenders.isEmpty, "seed \(seed)")
        #expect(defenders.allSatisfy { world.borrowers.isReactive($0) }, "seed \(seed)")
    }

    /// The per-block limit bounds the warnings, not the vaults walked: passive vaults more
    /// underwater than a reactive one must not keep its owner from being warned. Without
    /// keepers nothing leaves the book, so in a fall the most underwater vaults stay in
    /// front; a limit of 2 a block must, over 200 blocks, warn the same owners as a limit
    /// that never binds (the cooldown is longer than the run: each owner at most once).
    @Test(
        "a small warning limit delays warnings but warns every reactive owner",
        arguments: [6, 7] as [UInt64])
    func warningLimitDoesNotStarveOwners(seed: UInt64) throws {
        func warned(limit: Int) throws -> (warnings: Int, reactive: Int) {
            var borrowers = ProtocolWorldFixture.borrowers(count: 300, ratio: 1.55, reactive: 0.3)
            borrowers.warningsPerBlock = limit
            borrowers.warningMargin = 0.2
            borrowers.reactionProbability = 0
            let configuration = ProtocolWorldFixture.world(
                seed: seed, keepers: [], borrowers: borrowers,
                market: ProtocolWorldFixture.market(crash: -0.15, crashAt: .minutes(2)))
            let world = try ProtocolWorld(configuration, observer: RaceRecorder())
            _ = try world.run(until: .minutes(40))
            let reactive = (0..<300).filter {
                world.borrowers.isReactive(Address(ProtocolWorld.firstBorrower + UInt32($0)))
            }
            return (world.borrowers.warnings, reactive.count)
        }
        let unlimited = try warned(limit: 10_000)
        let limited = try warned(limit: 2)
        #expect(unlimited.warnings > 20, "seed \(seed): \(unlimited)")
        #expect(unlimited.warnings <= unlimited.reactive, "seed \(seed): \(unlimited)")
        #expect(limited.warnings == unlimited.warnings, "seed \(seed): \(limited) \(unlimited)")
    }
}
