import CascadeChain
import CascadeContracts
import CascadeCore

/// One `PerpAccountIndex` for every agent of a world that asks which accounts of an exchange
/// are liquidatable (the liquidators and the backstop agent), and each block's answer
/// computed once for all of them.
///
/// **Why.** Each agent kept its own index, fed from the blocks it observed, and queried it
/// at every new block: a world with three liquidators and the backstop agent asked the same
/// question four times a block, and the query was three quarters of the perpetuals bench.
/// The answer for block N is a pure function of the state after block N — exactly the
/// contract's set, in the index's order (by market, longs before shorts, most endangered
/// first, then the watched accounts) — so one answer serves every agent.
///
/// **Versions.** Agents see a block at different times (each after its own observation
/// delay, sometimes after a later block), so the answer is kept per block. The producer
/// hands this index every block as it is made (it is the producer's `BlockSink`, before any
/// agent observes the block): the block's events are applied in block order and the
/// block's answer is computed at once, because the state after the block is at hand only
/// then (holding it for later would make the producer's next write copy the books). Each
/// subscriber says which block it observed (`observe(_:subscriber:)`); it asks only about
/// a block newer than every block it saw before, so an answer is dropped once every
/// subscriber has seen that block or a later one.
///
/// ```swift
/// let shared = PerpSharedIndex(exchange: 0, state: genesis.perpExchanges[0])
/// let me = shared.subscribe()
/// // at each observed block report:
/// shared.observe(report.header.number, subscriber: me)
/// if isNewest { for account in shared.liquidatableAccounts(at: report.header.number) { … } }
/// ```
///
/// **Cost.** Per block: the index's updates for the accounts the block's events name, and
/// one query (O(markets · log N + k + w), `PerpAccountIndex`), however many agents ask.
/// An agent's lookup is O(1). Memory: the answers of the blocks some subscriber has yet to
/// see (a few with sub-second observation delays).
public final class PerpSharedIndex: BlockSink {
    public typealias State = ProtocolState

    /// The index, fed in block order; its counters count each block's one query.
    public private(set) var index: PerpAccountIndex
    /// Answers of blocks `firstBlock, firstBlock + 1, …`, oldest first.
    private var answers: [[PerpAccountID]] = []
    private var firstBlock: UInt64 = 1
    /// Per subscriber, the newest block it has observed.
    private var newest: [UInt64] = []
    /// The newest block produced (0: genesis).
    public private(set) var producedBlock: UInt64 = 0

    /// Starts from the genesis state of exchange `exchange` (its position in
    /// `ProtocolState.perpExchanges`): one pass over its accounts.
    public init(exchange: Int, state: PerpExchange) {
        index = PerpAccountIndex(exchange: exchange, state: state)
    }

    /// Answers still kept (for tests of the retention rule).
    public var keptAnswers: Int { answers.count }

    /// Adds a subscriber (an agent that will read answers); returns its number.
    public func subscribe() -> Int {
        newest.append(0)
        return newest.count - 1
    }

    /// Applies block `block`'s events to the index and computes its answer from `state`,
    /// the state after it. Blocks must come in order, one number after another.
    public func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState
    ) {
        record(block.input.number, events: block.events, state: state)
    }

    /// `didProduce` without a builder's result: block `number`'s `events` and the state
    /// after it.
    public func record(_ number: UInt64, events: [ProtocolState.Event], state: ProtocolState) {
        precondition(number == producedBlock + 1, "PerpSharedIndex: block \(number) out of order")
        let exchange = index.exchange
        guard exchange < state.perpExchanges.count else {
            append(number, answer: [])
            return
        }
        index.apply(events, state: state)
        append(number, answer: index.liquidatableAccounts(in: state.perpExchanges[exchange]))
    }

    /// `record` for an exchange used on its own (tests, tools): block `number`'s events of
    /// the exchange and the exchange after it.
    public func record(_ number: UInt64, events: [PerpExchange.Event], exchange: PerpExchange) {
        precondition(number == producedBlock + 1, "PerpSharedIndex: block \(number) out of order")
        index.apply(events, exchange: exchange)
        append(number, answer: index.liquidatableAccounts(in: exchange))
    }

    private func append(_ number: UInt64, answer: [PerpAccountID]) {
        producedBlock = number
        if answers.isEmpty { firstBlock = number }
        answers.append(answer)
        dropSeen()
    }

    /// Notes that `subscriber` observed block `number` (in whatever order blocks reach it).
    public func observe(_ number: UInt64, subscriber: Int) {
        guard number > newest[subscriber] else { return }
        newest[subscriber] = number
        dropSeen()
    }

    /// The accounts of the exchange liquidatable in the state after block `number`
    /// (`PerpAccountIndex.liquidatableAccounts(in:)` of that state). The block must have
    /// been produced, and some subscriber must not have observed a later one before.
    public func liquidatableAccounts(at number: UInt64) -> [PerpAccountID] {
        if number == 0 { return [] }
        precondition(
            number >= firstBlock && number < firstBlock + UInt64(answers.count),
            "PerpSharedIndex: no answer kept for block \(number)")
        return answers[Int(number - firstBlock)]
    }

    /// Drops the answers of blocks every subscriber has seen a later block than: none of
    /// them asks about those again. The newest answer is kept whatever they saw.
    private func dropSeen() {
        let seen = newest.min() ?? producedBlock
        guard answers.count > 1, seen > firstBlock else { return }
        let stale = Int(min(seen - firstBlock, UInt64(answers.count - 1)))
        answers.removeFirst(stale)
        firstBlock += UInt64(stale)
    }
}

/// Hands each block to several sinks in turn (a world's shared perpetuals index, then the
/// run's relay to the race ledger).
final class ProtocolBlockSinks: BlockSink {
    typealias State = ProtocolState
    let sinks: [any BlockSink<ProtocolState>]

    init(_ sinks: [any BlockSink<ProtocolState>]) {
        self.sinks = sinks
    }

    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState
    ) {
        for sink in sinks { sink.didProduce(block, state: state) }
    }
}
