import CascadeChain
import CascadeContracts
import CascadeCore

/// The options accounts below maintenance margin after each block, computed once per block
/// for every agent that asks (the liquidators), like `PerpSharedIndex`.
///
/// **Index.** It keeps the set of accounts holding positions, updated from each block's
/// events (a trade names both accounts, a liquidation both, a settlement rescans), so an
/// account without positions — most of a world's accounts once series settle — is never
/// looked at. Each block it builds one `OptionRiskTable` at the block's timestamp: every
/// series' value now and in every grid scenario, computed once (series × scenarios
/// Black-Scholes prices) however many accounts hold it; each holder's margin is then sums
/// over that table, with the exchange's own functions, so the answer is exactly the set the
/// contract would accept at that state. A block with no event of the exchange keeps the
/// previous answer (only time passed).
///
/// **Cost per block.** O(series · scenarios) pricing plus O(holders · positions ·
/// scenarios) additions; O(1) per agent lookup. Answers are kept until every subscriber has
/// seen a later block.
public final class OptionsSharedIndex: BlockSink {
    public typealias State = ProtocolState

    public let exchange: Int
    /// The accounts holding a position.
    private(set) var holders = OptionHolders()
    private var answers: [[OptionAccountID]] = []
    private var firstBlock: UInt64 = 1
    private var newest: [UInt64] = []
    public private(set) var producedBlock: UInt64 = 0

    public init(exchange: Int, state: OptionsExchange) {
        self.exchange = exchange
        holders.rescan(state)
    }

    public func subscribe() -> Int {
        newest.append(0)
        return newest.count - 1
    }

    public func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState
    ) {
        record(
            block.input.number, timestamp: block.input.context.timestamp, events: block.events,
            state: state)
    }

    /// Applies block `number`'s events and computes its answer from `state`, the state after
    /// it, at the block's `timestamp` (seconds).
    public func record(
        _ number: UInt64, timestamp: UInt64, events: [ProtocolState.Event], state: ProtocolState
    ) {
        precondition(number == producedBlock + 1, "OptionsSharedIndex: block out of order")
        guard exchange < state.optionsExchanges.count else {
            append(number, [])
            return
        }
        let books = state.optionsExchanges[exchange]
        let changed = holders.apply(events, exchange: exchange, books: books)
        // A block without an event of the exchange changed no price, mark or position:
        // only time passed, so the last answer stands (a liquidation it would newly allow
        // waits for the next price post; one it no longer allows reverts harmlessly).
        if !changed, let last = answers.last {
            append(number, last)
            return
        }
        var answer: [OptionAccountID] = []
        if !holders.ids.isEmpty {
            var table = OptionRiskTable(exchange: books, now: timestamp)
            for id in holders.ids where books.margin(of: id, table: &table).isLiquidatable {
                answer.append(id)
            }
        }
        append(number, answer)
    }

    private func append(_ number: UInt64, _ answer: [OptionAccountID]) {
        producedBlock = number
        if answers.isEmpty { firstBlock = number }
        answers.append(answer)
        dropSeen()
    }

    public func observe(_ number: UInt64, subscriber: Int) {
        guard number > newest[subscriber] else { return }
        newest[subscriber] = number
        dropSeen()
    }

    /// The accounts liquidatable in the state after block `number`.
    public func liquidatableAccounts(at number: UInt64) -> [OptionAccountID] {
        if number == 0 || answers.isEmpty { return [] }
        guard number >= firstBlock, number < firstBlock + UInt64(answers.count) else { return [] }
        return answers[Int(number - firstBlock)]
    }

    /// The newest answer (for the outputs' `positions_at_risk`).
    public var latestAnswer: [OptionAccountID] { answers.last ?? [] }

    private func dropSeen() {
        let seen = newest.min() ?? producedBlock
        guard answers.count > 1, seen > firstBlock else { return }
        let stale = Int(min(seen - firstBlock, UInt64(answers.count - 1)))
        answers.removeFirst(stale)
        firstBlock += UInt64(stale)
    }
}
