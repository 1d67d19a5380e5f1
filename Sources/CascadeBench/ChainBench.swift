import CascadeAgents
import CascadeChain
import CascadeCore
import CascadeKernel

/// `chain blocks_per_second=<X>`: one day of 12 s proof-of-stake blocks (7,200) under
/// background congestion (demand 20% above the gas target), with 100 transfer senders
/// that each observe every block and send one token transfer for the next, through the
/// kernel and the mempool. Only `run(until:)` is timed, not the wiring.
func runChainBench() {
    let demand = BackgroundDemand(
        schedule: DemandSchedule(
            constant: DemandLevel(gasPerSecond: 1_500_000, medianPriceGwei: 30, spread: 0.5)))
    let template = TransferSenderSettings(
        name: "", address: .zero, token: TokenID(rawValue: 0), recipient: .zero,
        strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(3)),
        trigger: .everyObservedBlock,
        propagation: .logNormal(medianMs: 100, sigma: 0.5),
        observation: .logNormal(medianMs: 300, sigma: 0.5))
    let configuration = ChainWorldConfiguration.demo(
        seed: 1, senderCount: 100, production: .ethereumProofOfStake(),
        demand: demand, ethEach: 1_000 * .weiPerEther, template: template)
    let world = ChainWorld(configuration)
    let clock = ContinuousClock()
    var outcome = RunOutcome.idle
    let elapsed = clock.measure {
        do {
            outcome = try world.run(until: .days(1))
        } catch {
            print("chain bench failed: \(error)")
        }
    }
    let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let blocks = world.producer.core.blocksProduced
    let agentTransactions = world.senders.reduce(0) { $0 + $1.includedCount }
    precondition(outcome != .stopped, "the chain bench stopped early")
    print(
        "chain blocks_per_second=\(Int(Double(blocks) / seconds)) blocks=\(blocks) "
            + "agent_txs_per_block=\(agentTransactions / max(1, blocks)) "
            + "events=\(world.kernel.processedEvents) "
            + "base_fee_wei=\(world.producer.core.chain.head.baseFee)")
}
