import CascadeCore
import CascadeKernel

/// What the builder needs to know about the block it builds.
public struct BlockInput: Hashable, Sendable {
    public var number: UInt64
    public var time: SimTime
    public var gasLimit: Gas
    public var baseFee: Wei
    /// The miner, proposer or sequencer: it receives the tips.
    public var producer: Address
    public var market: FeeMarket
    /// The token gas is paid in (ETH).
    public var nativeToken: TokenID

    public init(
        number: UInt64, time: SimTime, gasLimit: Gas, baseFee: Wei, producer: Address,
        market: FeeMarket, nativeToken: TokenID
    ) {
        self.number = number
        self.time = time
        self.gasLimit = gasLimit
        self.baseFee = baseFee
        self.producer = producer
        self.market = market
        self.nativeToken = nativeToken
    }

    /// The context contracts see: the number and the timestamp in whole seconds.
    public var context: BlockContext {
        BlockContext(number: number, timestamp: UInt64(max(0, time.wholeSeconds)))
    }
}

/// A transaction that left the pool without being included.
public struct DroppedTransaction: Hashable, Sendable {
    public var hash: TransactionHash
    public var sender: Address
    public var nonce: UInt64
    public var reason: DropReason

    @inlinable
    init(hash: TransactionHash, sender: Address, nonce: UInt64, reason: DropReason) {
        self.hash = hash
        self.sender = sender
        self.nonce = nonce
        self.reason = reason
    }
}

/// Everything a built block reports. Arrays are reused between blocks when the same
/// result value is passed back to the builder.
public struct BlockResult<Call: Sendable, Event>: Sendable where Event: Sendable {
    public var input: BlockInput
    /// Agents' gas plus background gas; never above `input.gasLimit`.
    public var gasUsed: Gas = 0
    public var agentGasUsed: Gas = 0
    public var backgroundGasUsed: Gas = 0
    /// Included agents' transactions, in block order; `receipts[i]` belongs to
    /// `transactions[i]`. Empty when `keepsTransactions` is off.
    public var transactions: [Transaction<Call>] = []
    /// Whether the builder keeps the included transactions in `transactions` (on by
    /// default). A producer with nobody to read them (no sink) turns it off: the receipts
    /// say what an agent needs, and the list cost an append per transaction and a pass
    /// destroying it through the runtime's generic array destroy per block.
    public var keepsTransactions = true
    public var receipts: [Receipt] = []
    /// Events of successful transactions, in order; each receipt holds its range.
    public var events: [Event] = []
    public var dropped: [DroppedTransaction] = []
    /// Agents' fees: burned base fee and tips to the producer (these moved in the ledger).
    public var agentBurned: Wei = 0
    public var agentTips: Wei = 0
    /// Background fees: reported, not moved (background traffic has no accounts).
    public var backgroundBurned: Wei = 0
    public var backgroundTips: Wei = 0
    public var revertedCount = 0
    /// Background gas used divided by the background's typical gas per transaction
    /// (rounded down): a transaction count for `blocks.csv`, not individual objects.
    public var backgroundTransactionEstimate = 0

    public init(input: BlockInput) {
        self.input = input
    }

    /// The gas-weighted mean price of included gas (floor), 0 for an empty block.
    public var averageGasPrice: Wei {
        guard gasUsed > 0 else { return 0 }
        return (agentBurned + agentTips + backgroundBurned + backgroundTips) / Wei(gasUsed)
    }

    @inlinable
    mutating func reset(input: BlockInput) {
        self.input = input
        gasUsed = 0
        agentGasUsed = 0
        backgroundGasUsed = 0
        transactions.removeAll(keepingCapacity: true)
        receipts.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        dropped.removeAll(keepingCapacity: true)
        agentBurned = 0
        agentTips = 0
        backgroundBurned = 0
        backgroundTips = 0
        revertedCount = 0
        backgroundTransactionEstimate = 0
    }
}

/// Builds and executes blocks: orders the pool, fills to the gas limit against the
/// background demand curve, runs each transaction atomically and settles its gas.
///
/// **Ordering.** By effective tip, highest first, ties by arrival (earliest first); under a
/// sequencer, by arrival alone. A sender's transactions stay in nonce order: only each
/// sender's next nonce competes (go-ethereum's `TransactionsByPriceAndNonce`), so a
/// high-tip child follows its parent. The senders' first transactions are sorted once and
/// later nonces wait in a heap until their parent is in; each step takes the better head
/// of the two, which is the order of a heap of all heads (the order is total: arrivals are
/// unique).
///
/// **Filling.** The background curve and the agents share the block. An agent's
/// transaction with effective tip `t` fits when agents' gas so far, plus the background
/// gas tipping strictly more than `t`, plus its gas limit, stay within the block's gas
/// limit (ties go to the agent). One that does not fit stops its sender for this block
/// (later nonces wait), as go-ethereum does. Afterwards the background fills what is left
/// from its highest tier down. Under a sequencer the agents come first and the background
/// fills the rest. A child nonce that tips more than its parent is placed after the parent
/// and checked against the background at its own tip; in that rare case it may displace
/// background gas that bid more than the parent (go-ethereum orders the same way).
///
/// **Execution.** The sender must hold `gasLimit × feeCap` of the native token, or the
/// transaction is dropped. Gas is prepaid (`gasLimit × price` burned from the sender), the
/// calls run atomically (on a copy, or in place with the state's own rollback, as
/// `LedgerState.isolation` says) and are kept only if all succeed, then the unused
/// gas is refunded and the tip minted to the producer: net, `gasUsed × base
/// fee` is burned and `gasUsed × tip` moves to the producer. On a revert the copy is
/// thrown away (or, for an `.inPlace` state, the state rolls the transaction back) and
/// only the same fee settlement applies, so contract state is exactly as before except
/// for the fee.
///
/// Complexity: O(n log n + k log k) for n pooled transactions and k tiers, plus execution.
public enum BlockBuilder {
    /// Builds block `input` from `pool` and `background`, executing against `state`.
    /// `result` is overwritten (its storage reused).
    @inlinable
    public static func build<State: LedgerState>(
        _ input: BlockInput, pool: inout Mempool<State.Call>, state: inout State,
        background: BackgroundBlock, into result: inout BlockResult<State.Call, State.Event>
    ) where State.Event: Sendable {
        result.reset(input: input)
        var curve = BackgroundCurve(background, input: input)
        // Borrow the pool's scratch arrays (swapped out, so `pool` stays free to mutate).
        // The senders' first transactions are sorted once; a sender's later nonces, which
        // can only compete once its earlier one is in, wait in a heap. Each step takes the
        // better of the two heads: the order of a heap of all candidates (a total order:
        // arrivals are unique), for a sort of a nearly sorted list (senders activate about
        // in arrival order) instead of a heap pop per transaction, 4% of the chain benchmark.
        let byArrival = input.market.ordersByArrival
        var firsts = pool.takeScratchCandidates()
        var heap = CandidateHeap(byArrival: byArrival, storage: pool.takeScratchFollowers())
        defer {
            pool.scratchCandidates = firsts
            pool.scratchFollowers = heap.releaseStorage()
        }
        // Transactions taken out of the pool for good (included or dropped).
        var taken = 0
        let activeSenders = pool.activeSenders
        // Through a buffer pointer: indexing the array copied each account (a retain and a
        // release). A transaction competing for the block is moved out of its sender's
        // queue (always the queue's first: a sender's transactions compete in nonce order)
        // and, when included, on into `result.transactions`: no copy of it, no retain of its
        // calls, nothing to destroy in the pool afterwards. One that does not fit goes back.
        pool.accounts.withUnsafeMutableBufferPointer { accounts in
            /// A sender is done for this block: its nonce moves past the `included`. Returns
            /// how many of its transactions left the pool for good. (It returns the count
            /// rather than adding to `taken`: a local captured by a nested function was
            /// guarded by the runtime's exclusivity checks, six calls a block.)
            @inline(__always) func finish(_ slot: Int, included: Int, dropped: Bool) -> Int {
                guard included > 0 || dropped else { return 0 }
                let nextNonce = accounts[slot].nextNonce + UInt64(included)
                accounts[slot].nextNonce = nextNonce
                var left = included + (dropped ? 1 : 0)
                // Transactions left behind with a now-used nonce can never run.
                if let first = accounts[slot].queue.first, first.transaction.nonce < nextNonce {
                    let stale = accounts[slot].queue.prefix { $0.transaction.nonce < nextNonce }
                        .count
                    accounts[slot].queue.removeFirst(stale)
                    left += stale
                }
                return left
            }
            for sender in activeSenders {
                let slot = Int(sender)
                if let candidate = candidate(
                    queue: accounts[slot].queue, slot: slot, taken: 0,
                    nonce: accounts[slot].nextNonce, baseFee: input.baseFee)
                {
                    firsts.append(candidate)
                }
            }
            firsts.sort { CandidateHeap.precedes($0, $1, byArrival: byArrival) }
            var nextFirst = 0
            while true {
                let next: Candidate
                if let follower = heap.top,
                    nextFirst == firsts.count
                        || CandidateHeap.precedes(follower, firsts[nextFirst], byArrival: byArrival)
                {
                    next = follower
                    heap.removeTop()
                } else if nextFirst < firsts.count {
                    next = firsts[nextFirst]
                    nextFirst += 1
                } else {
                    break
                }
                let submittedAt = accounts[next.slot].queue[0].submittedAt
                let transaction = Mempool<State.Call>.takeFirst(from: &accounts[next.slot].queue)
                let outcome = include(
                    transaction, tip: next.tip, curve: &curve, state: &state, result: &result)
                switch outcome {
                case .included:
                    let nonce = transaction.nonce
                    if result.keepsTransactions {
                        result.transactions.append(consume transaction)
                    } else {
                        _ = consume transaction
                    }
                    let following = next.taken + 1
                    if let candidate = candidate(
                        queue: accounts[next.slot].queue, slot: next.slot, taken: following,
                        nonce: nonce + 1, baseFee: input.baseFee)
                    {
                        heap.push(candidate)
                    } else {
                        taken += finish(next.slot, included: following, dropped: false)
                    }
                case .doesNotFit:
                    accounts[next.slot].queue.insert(
                        Mempool.Entry(transaction: consume transaction, submittedAt: submittedAt),
                        at: 0)
                    taken += finish(next.slot, included: next.taken, dropped: false)
                case .dropped(let reason):
                    result.dropped.append(
                        DroppedTransaction(
                            hash: transaction.hash, sender: transaction.sender,
                            nonce: transaction.nonce, reason: reason))
                    taken += finish(next.slot, included: next.taken, dropped: true)
                }
            }
        }
        pool.storedCount -= taken
        pool.removeEmptySenders()
        curve.fillRest(agentGas: result.agentGasUsed, into: &result)
        result.gasUsed = result.agentGasUsed + result.backgroundGasUsed
        precondition(result.gasUsed <= input.gasLimit, "block over its gas limit")
    }

    @usableFromInline
    enum InclusionOutcome {
        case included
        case doesNotFit
        case dropped(DropReason)
    }

    /// The first transaction of a sender's queue as a candidate, if it carries `nonce` and
    /// its fee cap reaches the base fee; `taken` of the sender's transactions were taken
    /// for the block before it.
    @inlinable
    static func candidate<Call>(
        queue: [Mempool<Call>.Entry], slot: Int, taken: Int, nonce: UInt64, baseFee: Wei
    ) -> Candidate? {
        guard let first = queue.first, first.transaction.nonce == nonce,
            let tip = first.transaction.bid.effectiveTip(baseFee: baseFee)
        else { return nil }
        return Candidate(tip: tip, arrival: first.transaction.arrival, slot: slot, taken: taken)
    }

    @inlinable @inline(__always)
    static func include<State: LedgerState>(
        _ transaction: Transaction<State.Call>, tip: Wei, curve: inout BackgroundCurve,
        state: inout State, result: inout BlockResult<State.Call, State.Event>
    ) -> InclusionOutcome {
        let input = result.input
        guard transaction.gasLimit <= input.gasLimit else {
            return .dropped(.gasLimitAboveBlockLimit)
        }
        let ahead = curve.gasTippingAbove(tip)
        guard result.agentGasUsed + ahead + transaction.gasLimit <= input.gasLimit else {
            return .doesNotFit
        }
        let (maximumCost, overflow) = Wei(transaction.gasLimit).multipliedReportingOverflow(
            by: transaction.bid.feeCap)
        guard !overflow,
            state.ledger.balance(of: input.nativeToken, transaction.sender) >= maximumCost
        else {
            return .dropped(.insufficientFunds)
        }
        let index = result.receipts.count
        let execution = run(
            transaction, tip: tip, input: input, state: &state, events: &result.events)
        result.agentGasUsed += execution.outcome.gasUsed
        result.agentBurned += execution.fee.burned
        result.agentTips += execution.fee.tip
        if execution.outcome.failure != nil {
            result.revertedCount += 1
        }
        // Built in place in the array: a receipt made first and appended was copied and
        // destroyed through its value witnesses (the revert reason makes it non-trivial).
        result.receipts.append(
            Receipt(
                transaction, index: index, execution: execution, events: result.events.count))
        return .included
    }

    /// Runs `transaction`'s calls atomically and settles its gas; the sender is known to
    /// hold `gasLimit × feeCap` of the native token.
    ///
    /// `@inlinable` so that it is specialised for the concrete state in the module that
    /// runs the chain: unspecialised, every call goes through witness tables and generic
    /// metadata, which cost a fifth of a take.
    ///
    /// Phases: prepay, execute (on a copy or in place, as `State.isolation` says), the
    /// state's end-of-transaction check, keep or undo, settle the fee. A revert — a call's,
    /// running out of gas, or the end-of-transaction check's (reported with `failedCall`
    /// nil) — leaves the contract state as before and only the fee is paid.
    @inlinable
    public static func execute<State: LedgerState>(
        _ transaction: Transaction<State.Call>, tip: Wei, index: Int, input: BlockInput,
        state: inout State, events: inout [State.Event]
    ) -> Receipt {
        precondition(
            transaction.bid.effectiveTip(baseFee: input.baseFee) == tip,
            "tip is not the bid's effective tip at this base fee")
        let execution = run(transaction, tip: tip, input: input, state: &state, events: &events)
        return Receipt(transaction, index: index, execution: execution, events: events.count)
    }

    /// What `run` did: the calls' outcome, the fee, the price and where the transaction's
    /// events start.
    @usableFromInline
    struct Execution {
        @usableFromInline var outcome: CallsOutcome
        @usableFromInline var fee: FeeSplit
        @usableFromInline var price: Wei
        @usableFromInline var eventsBefore: Int

        @inlinable
        init(outcome: CallsOutcome, fee: FeeSplit, price: Wei, eventsBefore: Int) {
            self.outcome = outcome
            self.fee = fee
            self.price = price
            self.eventsBefore = eventsBefore
        }
    }

    /// `execute` without the receipt (see there), for a `tip` known to be the bid's
    /// effective tip at the base fee (`execute` checks it; the builder computed it so).
    @inlinable @inline(__always)
    static func run<State: LedgerState>(
        _ transaction: Transaction<State.Call>, tip: Wei, input: BlockInput,
        state: inout State, events: inout [State.Event]
    ) -> Execution {
        let price = input.baseFee + tip
        let prepaid = Wei(transaction.gasLimit) * price
        let sender = transaction.sender
        let native = input.nativeToken
        let eventsBefore = events.count
        // Prepay on the kept state (unique, so written in place), outside the transaction:
        // a revert must not undo it.
        do {
            try state.ledger.burn(native, from: sender, amount: prepaid)
        } catch {
            preconditionFailure("prepaying gas failed after the balance check: \(error)")
        }
        let outcome: CallsOutcome
        switch State.isolation {
        case .inPlace:
            state.beginTransaction(transaction.calls)
            outcome = runCalls(transaction, context: input.context, state: &state, events: &events)
            if outcome.failure == nil {
                state.commitTransaction()
            } else {
                state.rollBackTransaction()
            }
        case .copy:
            // The copy shares storage until a call writes; the first write to a collection
            // duplicates that collection.
            var copy = state
            outcome = runCalls(transaction, context: input.context, state: &copy, events: &events)
            if outcome.failure == nil {
                state = copy
            }
        }
        if outcome.failure != nil {
            events.removeSubrange(eventsBefore...)
        }
        let fee = FeeSplit(gasUsed: outcome.gasUsed, baseFee: input.baseFee, effectiveTip: tip)
        // Refund the unused gas and pay the tip: net, `gasUsed × baseFee` stays burned.
        state.ledger.mint(native, prepaid - fee.paid, to: sender, fee.tip, to: input.producer)
        return Execution(outcome: outcome, fee: fee, price: price, eventsBefore: eventsBefore)
    }

    /// What running a transaction's calls came to: the gas and the first failure, if any.
    @usableFromInline
    struct CallsOutcome {
        @usableFromInline var gasUsed: Gas
        /// The failing call's index (nil for the end-of-transaction check) and its reason.
        @usableFromInline var failure: (call: Int?, revert: Revert)?

        @inlinable
        init(gasUsed: Gas, failure: (call: Int?, revert: Revert)?) {
            self.gasUsed = gasUsed
            self.failure = failure
        }
    }

    /// Applies the calls in order, metering gas, stopping at the first revert; if all
    /// succeed, runs the state's end-of-transaction check. Writes only through `state`.
    @inlinable @inline(__always)
    static func runCalls<State: LedgerState>(
        _ transaction: Transaction<State.Call>, context: BlockContext, state: inout State,
        events: inout [State.Event]
    ) -> CallsOutcome {
        var gasUsed = intrinsicGasPerTransaction
        // Each call borrowed through the array's buffer: binding `calls[index]` copied the
        // call (its enum's outlined copy and destroy).
        let failed = transaction.calls.withUnsafeBufferPointer { calls -> CallsOutcome? in
            for callIndex in calls.indices {
                gasUsed += calls[callIndex].gasCost
                if gasUsed > transaction.gasLimit {
                    return CallsOutcome(
                        gasUsed: transaction.gasLimit, failure: (callIndex, Revert("out of gas")))
                }
                do throws(Revert) {
                    try state.apply(
                        calls[callIndex], caller: transaction.sender, block: context,
                        events: &events)
                } catch {
                    return CallsOutcome(gasUsed: gasUsed, failure: (callIndex, error))
                }
            }
            return nil
        }
        if let failed { return failed }
        do {
            try state.finishTransaction()
        } catch {
            return CallsOutcome(gasUsed: gasUsed, failure: (nil, error))
        }
        return CallsOutcome(gasUsed: gasUsed, failure: nil)
    }
}

/// One sender's next transaction, competing for the next place in the block.
@usableFromInline
struct Candidate: Sendable {
    @usableFromInline var tip: Wei
    @usableFromInline var arrival: UInt64
    @usableFromInline var slot: Int
    /// How many of the sender's transactions were taken for the block before this one.
    @usableFromInline var taken: Int

    @inlinable
    init(tip: Wei, arrival: UInt64, slot: Int, taken: Int) {
        self.tip = tip
        self.arrival = arrival
        self.slot = slot
        self.taken = taken
    }
}

/// A binary max-heap of candidates: by tip then earliest arrival, or by arrival alone.
@usableFromInline
struct CandidateHeap {
    @usableFromInline var storage: [Candidate]
    @usableFromInline let byArrival: Bool

    /// A heap over `storage`'s capacity; its contents are discarded.
    @inlinable
    init(byArrival: Bool, storage: [Candidate] = []) {
        self.byArrival = byArrival
        self.storage = storage
        self.storage.removeAll(keepingCapacity: true)
    }

    /// The first candidate, if any.
    @inlinable
    var top: Candidate? { storage.first }

    /// Removes the first candidate; the heap must not be empty.
    @inlinable
    mutating func removeTop() {
        _ = pop()
    }

    /// Hands back the storage for reuse.
    @inlinable
    mutating func releaseStorage() -> [Candidate] {
        var released: [Candidate] = []
        swap(&released, &storage)
        return released
    }

    @inlinable @inline(__always)
    static func precedes(_ a: Candidate, _ b: Candidate, byArrival: Bool) -> Bool {
        if byArrival || a.tip == b.tip {
            return a.arrival < b.arrival
        }
        return a.tip > b.tip
    }

    /// Sifts through a buffer pointer: array indexing checked uniqueness and bounds at
    /// every step, which made the heap 5% of the chain benchmark.
    @inlinable
    mutating func push(_ candidate: Candidate) {
        storage.append(candidate)
        let byArrival = self.byArrival
        storage.withUnsafeMutableBufferPointer { heap in
            var child = heap.count - 1
            let moving = heap[child]
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.precedes(moving, heap[parent], byArrival: byArrival) else { break }
                heap[child] = heap[parent]
                child = parent
            }
            heap[child] = moving
        }
    }

    @inlinable
    mutating func pop() -> Candidate? {
        guard let top = storage.first else { return nil }
        let last = storage.removeLast()
        guard !storage.isEmpty else { return top }
        let byArrival = self.byArrival
        storage.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                var best = left
                if left + 1 < count
                    && Self.precedes(heap[left + 1], heap[left], byArrival: byArrival)
                {
                    best = left + 1
                }
                guard Self.precedes(heap[best], last, byArrival: byArrival) else { break }
                heap[parent] = heap[best]
                parent = best
            }
            heap[parent] = last
        }
        return top
    }
}

/// The background tiers that show up at this block's base fee, with their tips.
@usableFromInline
struct BackgroundCurve {
    @usableFromInline let background: BackgroundBlock
    @usableFromInline let baseFee: Wei
    @usableFromInline let agentsFirst: Bool
    /// Tiers `0..<eligible` have a price at or above the base fee.
    @usableFromInline let eligible: Int
    @usableFromInline let legacyTips: Bool
    /// The last `gasTippingAbove` question and answer: agents' transactions often tip
    /// alike, and the binary search was 3% of the chain benchmark.
    @usableFromInline var lastTip: Wei?
    @usableFromInline var lastGasAbove: Gas = 0

    @inlinable
    init(_ background: BackgroundBlock, input: BlockInput) {
        self.background = background
        baseFee = input.baseFee
        agentsFirst = input.market.ordersByArrival
        legacyTips = input.market == .legacy
        var count = 0
        while count < background.tierPrices.count && background.tierPrices[count] >= baseFee {
            count += 1
        }
        eligible = count
    }

    /// Tier `index`'s effective tip: its price under a legacy market, else
    /// `min(priorityFee, price − baseFee)`. Non-increasing in `index`.
    @inlinable @inline(__always)
    func tip(_ index: Int) -> Wei {
        let headroom = background.tierPrices[index] - baseFee
        return legacyTips ? headroom : min(background.priorityFee, headroom)
    }

    /// Background gas tipping strictly more than `tip` (binary search over tiers, or the
    /// last answer when asked about the same tip again).
    @inlinable
    mutating func gasTippingAbove(_ tip: Wei) -> Gas {
        if agentsFirst { return 0 }
        if lastTip == tip { return lastGasAbove }
        let gas = searchGasTippingAbove(tip)
        lastTip = tip
        lastGasAbove = gas
        return gas
    }

    @inlinable
    func searchGasTippingAbove(_ tip: Wei) -> Gas {
        let count = leadingTiers { $0 > tip }
        return count == 0 ? 0 : background.cumulativeGas[count - 1]
    }

    /// How many of the eligible tiers, from the first, have a tip of which `holds` is true,
    /// for a `holds` true of a prefix of them (tips do not rise down the tiers): by halves.
    @inlinable
    func leadingTiers(where holds: (Wei) -> Bool) -> Int {
        var low = 0
        var high = eligible
        while low < high {
            let middle = (low + high) / 2
            if holds(tip(middle)) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    /// Fills the gas the agents left, from the highest tier down, and books its fees.
    ///
    /// The same sums as booking each tier's `FeeSplit` in turn, by groups: every tier burns
    /// the base fee, so the burn is the filled gas times it; under EIP-1559 the tiers whose
    /// headroom over the base fee reaches the priority fee (a prefix: tips do not rise down
    /// the tiers) tip exactly it, so only the tiers after them are booked one by one. A
    /// block filled to its limit by 32 tiers took 64 wide products; it now takes a few.
    /// (Integer sums of products: the same wei. `BackgroundFillTests` checks it against
    /// the tier-by-tier booking.)
    @inlinable
    func fillRest<Call, Event>(agentGas: Gas, into result: inout BlockResult<Call, Event>) {
        let room = result.input.gasLimit - agentGas
        if eligible > 0 && room > 0 {
            let filled = min(room, background.cumulativeGas[eligible - 1])
            // Tiers `0..<flat` tip the priority fee itself (their headroom reaches it).
            let fee = background.priorityFee
            let flat = legacyTips ? 0 : leadingTiers { $0 == fee }
            let flatGas = flat == 0 ? 0 : min(filled, background.cumulativeGas[flat - 1])
            var tips = Wei(flatGas) * fee
            var rest = filled - flatGas
            var index = flat
            while rest > 0 {
                let gas = min(rest, background.tierGas[index])
                rest -= gas
                tips += Wei(gas) * tip(index)
                index += 1
            }
            result.backgroundGasUsed += filled
            result.backgroundBurned += Wei(filled) * baseFee
            result.backgroundTips += tips
        }
        result.backgroundTransactionEstimate = Int(
            result.backgroundGasUsed / max(1, background.gasPerTransaction))
    }
}
