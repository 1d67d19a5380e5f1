import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Closes a TWAP oracle's window as soon as it has passed: on each new block it observes,
/// if the block's time is at least `periodSeconds` after the oracle's last reading, it
/// sends `twapUpdate` (v2-periphery's `update`, which anyone may call). One transaction
/// in flight. Without it an `ExampleOracleSimple` computes no average, and a pool priced
/// from it cannot read a price. Its settings are the OSM poker's (name, address, gas,
/// latencies).
public final class TWAPPoker: Agent {
    public let settings: OSMPokerSettings
    public var name: String { settings.name }
    let twap: Int
    @exclusivity(unchecked) var outbox: Outbox<Void>
    @exclusivity(unchecked) var lastBlock: UInt64 = 0
    @exclusivity(unchecked) public private(set) var updatesIncluded = 0
    @exclusivity(unchecked) public private(set) var updatesReverted = 0

    init(settings: OSMPokerSettings, twap: Int, producer: AgentID) {
        self.settings = settings
        self.twap = twap
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: LatencySampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            outbox.settle(report, succeeded: &updatesIncluded, reverted: &updatesReverted)
            guard report.header.number > lastBlock else { return }
            lastBlock = report.header.number
            poke(report, context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func poke(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        guard outbox.isEmpty else { return }
        let oracle = report.state.twaps[twap]
        // The next block is at least as late as this one: the window has passed for it
        // when it has for this one (uint32 seconds wrap as on chain).
        let now = UInt32(truncatingIfNeeded: max(0, report.header.time.wholeSeconds))
        guard now &- oracle.blockTimestampLast >= oracle.periodSeconds,
            let bid = settings.gas.bid(
                nextBaseFee: report.nextBaseFee, marketPrice: report.averageGasPrice)
        else { return }
        outbox.send(
            [.twapUpdate(twap: twap)], gasLimit: 200_000, bid: bid, purpose: (), context)
    }
}
