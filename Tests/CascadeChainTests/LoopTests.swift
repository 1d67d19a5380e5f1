import CascadeAgents
import CascadeChain
import CascadeCore
import CascadeKernel
import Testing

/// The chain inside the kernel: block times, delays, determinism and the fee path.
/// Each seeded test names its seed on failure; rerun that seed alone to reproduce it.
@Suite("Chain loop")
struct LoopTests {
    /// Demand `factor` × the gas target of a 30M-gas, 12 s chain.
    static func level(_ factor: Double, medianGwei: Double = 30) -> DemandLevel {
        DemandLevel(gasPerSecond: 1_250_000 * factor, medianPriceGwei: medianGwei, spread: 0.5)
    }

    static func world(
        seed: UInt64, senders: Int = 8,
        production: BlockProduction = .proofOfWork(
            meanInterval: .milliseconds(13_200)),
        demand: BackgroundDemand? = BackgroundDemand(
            schedule: DemandSchedule(constant: level(1.2))),
        template: TransferSenderSettings? = nil, checks: Bool = false
    ) -> ChainWorldConfiguration {
        .demo(
            seed: seed, senderCount: senders, production: production, demand: demand,
            ethEach: 1_000 * .weiPerEther, template: template, checksInvariants: checks)
    }

    static func template(
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        strategy: GasStrategy = .baseFeeMultiple(percent: 200, priorityFee: .gwei(3)),
        trigger: SendTrigger = .everyObservedBlock, history: Bool = false
    ) -> TransferSenderSettings {
        TransferSenderSettings(
            name: "", address: .zero, token: TokenID(rawValue: 0), recipient: .zero,
            strategy: strategy, trigger: trigger, propagation: propagation,
            observation: observation, recordsHistory: history)
    }

    @Test(arguments: 0..<6)
    func sameSeedGivesTheSameRun(seed: Int) throws {
        let configuration = Self.world(seed: UInt64(seed))
        let first = try ChainWorld.run(configuration, for: .hours(1))
        let second = try ChainWorld.run(configuration, for: .hours(1))
        #expect(first.digest == second.digest, "seed \(seed)")
        #expect(first.blocks == second.blocks, "seed \(seed)")
        #expect(first.blocks.count > 200, "seed \(seed)")
        #expect(first.blocks.contains { $0.agentTransactions > 0 }, "seed \(seed)")
    }

    /// Without a sink the producer keeps no block transaction list
    /// (`BlockResult.keepsTransactions`); the run is the same as with one: the same digest,
    /// head and base fee, and the same outcome for every sender.
    @Test(arguments: 0..<3)
    func aRunWithoutASinkIsTheSame(seed: Int) throws {
        let configuration = Self.world(seed: UInt64(seed), senders: 12)
        func run(_ sink: (any BlockSink<Token>)?) throws -> (RunDigest, BlockHeader, [[Int]]) {
            let world = ChainWorld(configuration, sink: sink)
            _ = try world.run(until: .hours(1))
            let counts = world.senders.map {
                [$0.sentCount, $0.raisedCount, $0.includedCount, $0.droppedCount]
            }
            return (world.kernel.digest, world.producer.chain.head, counts)
        }
        let collector = BlockRecordCollector<Token>()
        let withSink = try run(collector)
        let withoutSink = try run(nil)
        #expect(withSink.0 == withoutSink.0, "seed \(seed)")
        #expect(withSink.1 == withoutSink.1, "seed \(seed)")
        #expect(withSink.2 == withoutSink.2, "seed \(seed)")
        #expect(collector.blocks.contains { $0.agentTransactions > 0 }, "seed \(seed)")
    }

    /// The inbox carries transactions exactly as `.submit` messages would: the same blocks
    /// (every `blocks.csv` column), the same transactions in them, and the same outcome for
    /// every sender, with raises (slow propagation, full blocks) and refusals among them.
    @Test(arguments: 0..<4)
    func inboxAndMessagesGiveTheSameBlocks(seed: Int) throws {
        var configuration = Self.world(
            seed: UInt64(seed), senders: 12,
            demand: BackgroundDemand(schedule: DemandSchedule(constant: Self.level(2.5))),
            template: Self.template(
                propagation: .logNormal(medianMs: 6_000, sigma: 1.0),
                strategy: .baseFeeMultiple(percent: 110, priorityFee: .gwei(1))))
        func run(_ inbox: Bool) throws -> ([BlockRecord], [TransactionRecord], [[Int]]) {
            configuration.sendsThroughInbox = inbox
            let collector = BlockRecordCollector<Token> { "\($0)" }
            let world = ChainWorld(configuration, sink: collector)
            _ = try world.run(until: .hours(1))
            let counts = world.senders.map {
                [$0.sentCount, $0.raisedCount, $0.includedCount, $0.droppedCount]
            }
            return (collector.blocks, collector.transactions, counts)
        }
        let viaInbox = try run(true)
        let viaMessages = try run(false)
        #expect(viaInbox.0 == viaMessages.0, "seed \(seed)")
        #expect(viaInbox.1 == viaMessages.1, "seed \(seed)")
        #expect(viaInbox.2 == viaMessages.2, "seed \(seed)")
        #expect(viaInbox.2.contains { $0[1] > 0 }, "seed \(seed): no raises to compare")
    }

    @Test(arguments: 0..<6)
    func differentSeedsGiveDifferentRuns(seed: Int) throws {
        let first = try ChainWorld.run(Self.world(seed: UInt64(seed)), for: .minutes(20))
        let second = try ChainWorld.run(Self.world(seed: UInt64(seed) + 1000), for: .minutes(20))
        #expect(first.digest != second.digest, "seed \(seed)")
        #expect(first.blocks.map(\.timeMs) != second.blocks.map(\.timeMs), "seed \(seed)")
    }

    /// Common random numbers: another agent joining changes what is in the blocks, never
    /// when they are produced.
    @Test(arguments: 0..<6)
    func addingAnAgentLeavesBlockTimesUnchanged(seed: Int) throws {
        let alone = try ChainWorld.run(Self.world(seed: UInt64(seed), senders: 3), for: .hours(1))
        let crowded = try ChainWorld.run(
            Self.world(seed: UInt64(seed), senders: 9), for: .hours(1))
        #expect(alone.blocks.map(\.timeMs) == crowded.blocks.map(\.timeMs), "seed \(seed)")
        #expect(alone.digest != crowded.digest, "seed \(seed)")
    }

    /// Calm (0.3× target) for 30 min, a rush (2× target) for an hour, calm again: the base
    /// fee climbs through the rush and falls back after it.
    @Test(arguments: 0..<4)
    func baseFeeFollowsTheCongestionSchedule(seed: Int) throws {
        let schedule = DemandSchedule([
            .init(start: .zero, level: Self.level(0.3)),
            .init(start: .minutes(30), level: Self.level(2)),
            .init(start: .minutes(90), level: Self.level(0.3)),
        ])
        let run = try ChainWorld.run(
            Self.world(
                seed: UInt64(seed), senders: 4, production: .ethereumProofOfStake(),
                demand: BackgroundDemand(schedule: schedule)),
            for: .minutes(150))
        func baseFee(at minutes: Int64) -> Wei {
            let time = SimTime.minutes(minutes).milliseconds
            return run.blocks.last { $0.timeMs <= time }?.baseFeeWei ?? 0
        }
        let calm = baseFee(at: 30)
        let peak = baseFee(at: 90)
        let after = baseFee(at: 150)
        #expect(calm < EIP1559.initialBaseFee, "seed \(seed): calm \(calm)")
        #expect(peak > 10 * calm, "seed \(seed): calm \(calm), peak \(peak)")
        #expect(after < peak / 10, "seed \(seed): peak \(peak), after \(after)")
        let rush = run.blocks.filter {
            $0.timeMs > SimTime.minutes(40).milliseconds
                && $0.timeMs <= SimTime.minutes(90).milliseconds
        }
        let full = rush.filter { $0.gasUsed > $0.gasLimit / 2 }.count
        #expect(full > rush.count / 3, "seed \(seed): \(full) of \(rush.count) above target")
    }

    /// Every consecutive pair of a long congested run obeys the EIP-1559 integer rule.
    @Test(arguments: 0..<8)
    func everyBlockPairObeysEIP1559(seed: Int) throws {
        let schedule = DemandSchedule([
            .init(start: .zero, level: Self.level(1.6)),
            .init(start: .hours(1), level: Self.level(0.5)),
            .init(start: .minutes(90), level: Self.level(1.1)),
        ])
        let run = try ChainWorld.run(
            Self.world(seed: UInt64(seed), demand: BackgroundDemand(schedule: schedule)),
            for: .hours(2))
        var parent = (baseFee: EIP1559.initialBaseFee, limit: Gas(30_000_000), used: Gas(0))
        parent.used = parent.limit / 2
        var broken = 0
        for block in run.blocks {
            let expected = EIP1559.nextBaseFee(
                parentBaseFee: parent.baseFee, parentGasLimit: parent.limit,
                parentGasUsed: parent.used)
            if block.baseFeeWei != expected { broken += 1 }
            #expect(block.gasUsed <= block.gasLimit, "seed \(seed), block \(block.block)")
            parent = (block.baseFeeWei, block.gasLimit, block.gasUsed)
        }
        #expect(broken == 0, "seed \(seed): \(broken) blocks break the rule")
        #expect(run.blocks.count > 400, "seed \(seed)")
    }

    /// Conservation of every token (and the pool's books) after every block, through the
    /// producer's own check and an independent sink.
    @Test(arguments: 0..<8)
    func everyBlockConservesEveryToken(seed: Int) throws {
        let template = Self.template(
            strategy: .baseFeeMultiple(percent: 110, priorityFee: .gwei(1)),
            trigger: .interval(.exponential(meanMs: 8_000)))
        let configuration = Self.world(seed: UInt64(seed), template: template, checks: true)
        let checker = ConservationChecker()
        let world = ChainWorld(configuration, sink: checker)
        let outcome = try world.run(until: .hours(1))
        #expect(outcome != .stopped, "seed \(seed)")
        #expect(world.producer.core.invariantViolation == nil, "seed \(seed)")
        #expect(checker.failures.isEmpty, "seed \(seed): \(checker.failures.prefix(3))")
        #expect(checker.blocks == world.producer.core.blocksProduced, "seed \(seed)")
        #expect(world.senders.contains { $0.includedCount > 0 }, "seed \(seed)")
    }

    /// An agent sees block N at time(N) + its drawn delay: exactly, for a fixed delay, and
    /// within the bounds of a uniform one; never earlier.
    @Test(arguments: 0..<6)
    func agentsSeeBlocksAfterTheirObservationDelay(seed: Int) throws {
        let world = ChainWorld(Self.world(seed: UInt64(seed), senders: 2))
        let fixed = BlockWatcher(name: "watch-fixed", latency: .fixed(milliseconds: 250))
        let uniform = BlockWatcher(
            name: "watch-uniform", latency: .uniform(minimumMs: 200, maximumMs: 30_000))
        world.kernel.add(fixed)
        world.kernel.add(uniform)
        _ = try world.run(until: .hours(1))
        let produced = world.producer.core.blocksProduced
        #expect(fixed.seen.count == produced, "seed \(seed)")
        for seen in fixed.seen {
            #expect(seen.observedAt == seen.blockTime + .milliseconds(250), "seed \(seed)")
        }
        // Blocks produced in the last 30 s may still be in flight.
        #expect(uniform.seen.count >= produced - 5, "seed \(seed)")
        for seen in uniform.seen {
            let delay = seen.observedAt - seen.blockTime
            #expect(delay >= .milliseconds(200), "seed \(seed), block \(seen.block)")
            #expect(delay <= .milliseconds(30_000), "seed \(seed), block \(seen.block)")
        }
        // Long delays let blocks overtake each other; the senders' views must cope.
        let numbers = uniform.seen.map(\.block)
        #expect(numbers != numbers.sorted(), "seed \(seed): expected some reordering")
        for sender in world.senders {
            for seen in sender.observations {
                #expect(seen.observedAt >= seen.blockTime, "seed \(seed)")
            }
        }
    }

    /// A transaction sent at t reaches the producer at t + its propagation delay, and no
    /// block before that includes it.
    @Test(arguments: 0..<8)
    func transactionsAreNotIncludedBeforeTheyArrive(seed: Int) throws {
        let template = Self.template(
            propagation: .uniform(minimumMs: 500, maximumMs: 25_000),
            trigger: .interval(.exponential(meanMs: 10_000)), history: true)
        let configuration = Self.world(seed: UInt64(seed), senders: 6, template: template)
        let collector = BlockRecordCollector<Token> { "\($0)" }
        let world = ChainWorld(configuration, sink: collector)
        _ = try world.run(until: .hours(1))
        var checked = 0
        for record in collector.transactions {
            let sender = try #require(
                world.senders.first { $0.settings.address == record.sender }, "seed \(seed)")
            let versions = sender.submissions.filter {
                $0.nonce == record.nonce && $0.bid.feeCap == record.maxFeeWei
                    && $0.bid.tipCap == record.priorityFeeWei
            }
            let sent = try #require(versions.first, "seed \(seed): no submission")
            #expect(record.timeMs >= sent.arrivesAt.milliseconds, "seed \(seed)")
            #expect(sent.arrivesAt - sent.sentAt >= .milliseconds(500), "seed \(seed)")
            checked += 1
        }
        #expect(checked > 50, "seed \(seed): only \(checked) transactions")
    }

    /// A sender bidding far below the crowd is stuck, raises by more than the pool's 10%
    /// bump each time, and gets in; its raises are never refused as underpriced.
    @Test(arguments: 0..<4)
    func stuckSendersRaiseUntilIncluded(seed: Int) throws {
        let template = Self.template(
            strategy: .fixed(.eip1559(maxFee: .gwei(1), priorityFee: 1)),
            trigger: .everyObservedBlock)
        let world = ChainWorld(Self.world(seed: UInt64(seed), senders: 3, template: template))
        _ = try world.run(until: .hours(2))
        for sender in world.senders {
            #expect(sender.raisedCount > 0, "seed \(seed)")
            #expect(sender.includedCount > 0, "seed \(seed)")
        }
        #expect(
            world.producer.core.submissionsRejected == 0
                || world.senders.allSatisfy {
                    $0.rejectedCount <= $0.includedCount
                }, "seed \(seed)")
    }

    @Test func stressRaisesBackgroundDemand() throws {
        let demand = BackgroundDemand(
            schedule: DemandSchedule(constant: Self.level(0.8)), stressQuantityElasticity: 1)
        let world = ChainWorld(Self.world(seed: 3, senders: 0, demand: demand))
        world.kernel.add(StressSetter(name: "stress", at: .minutes(30), stress: 2))
        _ = try world.run(until: .hours(1))
        let calm = world.producer.chain.head.baseFee
        let quiet = ChainWorld(Self.world(seed: 3, senders: 0, demand: demand))
        _ = try quiet.run(until: .hours(1))
        #expect(world.producer.core.stress == 2)
        #expect(calm > 10 * quiet.producer.chain.head.baseFee)
    }
}

/// Checks conservation after every block, independently of the producer's own check.
final class ConservationChecker: BlockSink {
    var blocks = 0
    var failures: [String] = []

    func didProduce(_ block: BlockResult<Token.Call, Token.Event>, state: Token) {
        blocks += 1
        do {
            try state.ledger.checkInvariants()
        } catch {
            failures.append("block \(block.input.number): \(error)")
        }
    }
}

/// Subscribes to the producer (agent 0) and notes when each block reaches it.
final class BlockWatcher: Agent {
    struct Seen {
        var block: UInt64
        var blockTime: SimTime
        var observedAt: SimTime
    }

    let name: String
    let latency: LatencyModel
    var seen: [Seen] = []

    init(name: String, latency: LatencyModel) {
        self.name = name
        self.latency = latency
    }

    func start(_ context: Context<ChainOnlyMessage>) {
        let subscription = BlockSubscription(
            observer: context.agent, latency: latency, seed: context.random.next())
        context.send(.subscribe(subscription), to: AgentID(rawValue: 0))
    }

    func handle(_ message: ChainOnlyMessage, _ context: Context<ChainOnlyMessage>) {
        if case .blockObserved(let report) = message {
            seen.append(
                Seen(
                    block: report.header.number, blockTime: report.header.time,
                    observedAt: context.now))
        }
    }
}

/// Sets the producer's stress once, at a given time.
final class StressSetter: Agent {
    let name: String
    let time: SimTime
    let stress: Double

    init(name: String, at time: SimTime, stress: Double) {
        self.name = name
        self.time = time
        self.stress = stress
    }

    func start(_ context: Context<ChainOnlyMessage>) {
        context.schedule(.setStress(stress), to: AgentID(rawValue: 0), at: time)
    }

    func handle(_ message: ChainOnlyMessage, _ context: Context<ChainOnlyMessage>) {}
}
