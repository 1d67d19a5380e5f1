import CascadeCore
import CascadeKernel

/// The pool's limits.
public struct MempoolConfiguration: Hashable, Sendable {
    /// The most transactions held at once.
    public var capacity: Int
    /// How long a transaction may wait before it is dropped.
    public var lifetime: SimTime
    /// The minimum replacement bump, in percent (go-ethereum `PriceBump`).
    public var priceBumpPercent: UInt64

    public init(
        capacity: Int = 4096, lifetime: SimTime = .hours(3),
        priceBumpPercent: UInt64 = 10
    ) {
        precondition(capacity > 0, "mempool capacity must be positive")
        precondition(lifetime.milliseconds > 0, "mempool lifetime must be positive")
        self.capacity = capacity
        self.lifetime = lifetime
        self.priceBumpPercent = priceBumpPercent
    }
}

/// The pending transactions: per-sender nonce queues, bounded, with replacement and expiry.
///
/// Rules (go-ethereum's `legacypool` where it has one):
/// - **Nonces**: a sender's transactions run in nonce order from its next unused nonce.
///   A gap waits: nonce 7 is not includable until 6 has been included.
/// - **Replacement**: a transaction with the same sender and nonce replaces the pooled one
///   only if its fee cap *and* tip cap are strictly higher and at least
///   `old × (100 + priceBumpPercent) / 100` (floor; geth `PriceBump = 10`). So 1 → 1 is
///   rejected and 1 → 2 accepted; 100 → 109 rejected and 100 → 110 accepted.
/// - **Capacity**: when full, a new transaction evicts the lowest payer — the lowest
///   `(feeCap, tipCap)` among other senders' *last* queued transactions, newest arrival
///   first on ties — if it pays strictly more; otherwise it is rejected as underpriced.
///   Evicting only queue tails never opens a nonce gap.
/// - **Expiry**: a transaction leaves after `lifetime` in the pool (checked by `expire`).
///   geth's 3-hour `Lifetime` covers only queued transactions; here it covers all.
/// - A fee cap below the base fee is not rejected: the transaction waits for the base fee
///   to fall (the builder skips it).
///
/// Storage is dense: one queue per address (addresses are small integers), plus a list of
/// the senders with pending transactions in the order they became active. Nothing iterates
/// a `Dictionary` or `Set`, and nothing that decides an outcome depends on the list's
/// order: the builder's heap orders by a total key (tip, then the unique arrival), eviction
/// picks by bid and then arrival, and `expire` sorts the list first (expiry is rare).
///
/// Complexity: `submit` O(q) for a queue of q (O(s) for s active senders when evicting);
/// `expire` O(n + s log s) when anything may expire.
public struct Mempool<Call: Sendable>: Sendable {
    public typealias Configuration = MempoolConfiguration

    /// Why `submit` turned a transaction away.
    public enum Rejection: Hashable, Sendable {
        /// The nonce was already used by an included transaction.
        case nonceTooLow
        /// Same sender and nonce as a pooled transaction, without the required bump.
        case replacementUnderpriced
        /// The pool is full and the transaction pays no more than the lowest payer.
        case underpriced
        /// The gas limit does not cover the intrinsic 21,000 gas.
        case intrinsicGasTooLow
    }

    /// What `submit` did.
    public enum Outcome: Hashable, Sendable {
        case added(TransactionHash)
        /// Replaced the pooled transaction with the same nonce (its hash given).
        case replaced(TransactionHash, previous: TransactionHash)
        case rejected(Rejection)
    }

    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var transaction: Transaction<Call>
        @usableFromInline var submittedAt: SimTime

        @inlinable
        init(transaction: Transaction<Call>, submittedAt: SimTime) {
            self.transaction = transaction
            self.submittedAt = submittedAt
        }
    }

    @usableFromInline
    struct Account: Sendable {
        /// The next nonce an included transaction of this sender must carry.
        @usableFromInline var nextNonce: UInt64 = 0
        /// Pooled transactions, sorted by nonce, unique nonces.
        @usableFromInline var queue: [Entry] = []
        /// Whether the address is in `activeSenders`.
        @usableFromInline var isActive = false

        @inlinable
        init(nextNonce: UInt64 = 0, queue: [Entry] = []) {
            self.nextNonce = nextNonce
            self.queue = queue
        }
    }

    public let configuration: Configuration
    @usableFromInline var accounts: [Account] = []
    /// Addresses (raw) with a non-empty queue, in the order they became active (sorted
    /// ascending by `expire`). Kept unsorted because a sorted insertion (a binary search and
    /// an array shift per newly active sender) was 3% of the chain benchmark.
    @usableFromInline var activeSenders: [UInt32] = []
    public var count: Int { storedCount }
    @usableFromInline var storedCount = 0
    /// No transaction expires before this time (a cache so `expire` is O(1) most blocks).
    @usableFromInline var earliestExpiry = SimTime(milliseconds: .max)
    /// The builder's working storage, kept here so a block allocates nothing new.
    @usableFromInline var scratchCandidates: [Candidate] = []
    @usableFromInline var scratchFollowers: [Candidate] = []
    /// The next arrival number `submit` hands out.
    public var nextArrival: UInt64 { storedNextArrival }
    @usableFromInline var storedNextArrival: UInt64 = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The next nonce `sender` must use (one past its last included transaction).
    public func nextNonce(of sender: Address) -> UInt64 {
        let index = Int(sender.rawValue)
        return index < accounts.count ? accounts[index].nextNonce : 0
    }

    /// The next nonce `sender` should sign: past its included and its pooled
    /// transactions, if these are contiguous.
    public func pendingNonce(of sender: Address) -> UInt64 {
        let index = Int(sender.rawValue)
        guard index < accounts.count else { return 0 }
        var nonce = accounts[index].nextNonce
        for entry in accounts[index].queue where entry.transaction.nonce == nonce {
            nonce += 1
        }
        return nonce
    }

    /// The pooled transactions of `sender`, by nonce.
    public func transactions(from sender: Address) -> [Transaction<Call>] {
        let index = Int(sender.rawValue)
        guard index < accounts.count else { return [] }
        return accounts[index].queue.map(\.transaction)
    }

    /// Whether a transaction with this hash is pooled. O(n).
    public func contains(_ hash: TransactionHash) -> Bool {
        for sender in activeSenders {
            for entry in accounts[Int(sender)].queue where entry.transaction.hash == hash {
                return true
            }
        }
        return false
    }

    /// Builds a transaction with the next arrival number and submits it at `now`.
    @inlinable
    public mutating func submit(
        sender: Address, nonce: UInt64, gasLimit: Gas, bid: GasBid, calls: consuming [Call],
        now: SimTime
    ) -> Outcome {
        let transaction = Transaction(
            sender: sender, nonce: nonce, gasLimit: gasLimit, bid: bid, calls: consume calls,
            arrival: nextArrival)
        storedNextArrival += 1
        return submit(consume transaction, now: now)
    }

    /// Adds `transaction`, replacing or evicting as the rules above say.
    ///
    /// The transaction's `arrival` must be unique in the run; `nextArrival` is raised past
    /// it so both ways of submitting can be mixed.
    @inlinable
    public mutating func submit(_ transaction: consuming Transaction<Call>, now: SimTime)
        -> Outcome
    {
        storedNextArrival = max(storedNextArrival, transaction.arrival + 1)
        guard transaction.gasLimit >= intrinsicGasPerTransaction else {
            return .rejected(.intrinsicGasTooLow)
        }
        let slot = Int(transaction.sender.rawValue)
        growAccounts(through: slot)
        guard transaction.nonce >= accounts[slot].nextNonce else {
            return .rejected(.nonceTooLow)
        }
        // What the checks read, so the transaction itself can move into the pool (a copy
        // retained its calls, and dropping the parameter released them again).
        let hash = transaction.hash
        if accounts[slot].queue.isEmpty && storedCount < configuration.capacity {
            // The usual case, a sender with nothing pooled and room in the pool: what the
            // general path below does then (nothing to replace or evict), without its
            // search of the queue.
            activate(UInt32(slot))
            accounts[slot].queue.append(Entry(transaction: consume transaction, submittedAt: now))
            storedCount += 1
            noteSubmission(at: now)
            return .added(hash)
        }
        let bid = transaction.bid
        let position = insertionIndex(in: accounts[slot].queue, nonce: transaction.nonce)
        if position < accounts[slot].queue.count,
            accounts[slot].queue[position].transaction.nonce == transaction.nonce
        {
            let old = accounts[slot].queue[position].transaction
            guard isSufficientBump(old: old.bid, new: bid) else {
                return .rejected(.replacementUnderpriced)
            }
            accounts[slot].queue[position] = Entry(
                transaction: consume transaction, submittedAt: now)
            noteSubmission(at: now)
            return .replaced(hash, previous: old.hash)
        }
        if storedCount >= configuration.capacity {
            guard let victim = lowestPayer(excluding: transaction.sender),
                isHigher(bid, than: victim.bid)
            else {
                return .rejected(.underpriced)
            }
            removeLast(of: Int(victim.sender.rawValue))
        }
        if accounts[slot].queue.isEmpty {
            activate(UInt32(slot))
        }
        let entry = Entry(transaction: consume transaction, submittedAt: now)
        if position == accounts[slot].queue.count {
            // The usual case (the next nonce); `insert` went through a generic range
            // replacement.
            accounts[slot].queue.append(entry)
        } else {
            accounts[slot].queue.insert(entry, at: position)
        }
        storedCount += 1
        noteSubmission(at: now)
        return .added(hash)
    }

    /// Drops every transaction submitted at or before `now − lifetime`; returns their
    /// hashes in (sender, nonce) order.
    @discardableResult
    @inlinable
    public mutating func expire(now: SimTime) -> [TransactionHash] {
        guard now >= earliestExpiry else { return [] }
        // In (sender, nonce) order, as documented.
        activeSenders.sort()
        var expired: [TransactionHash] = []
        var nextExpiry = SimTime(milliseconds: .max)
        var index = 0
        while index < activeSenders.count {
            let slot = Int(activeSenders[index])
            let lifetime = configuration.lifetime
            accounts[slot].queue.removeAll { entry in
                if entry.submittedAt + lifetime <= now {
                    expired.append(entry.transaction.hash)
                    return true
                }
                nextExpiry = min(nextExpiry, entry.submittedAt + lifetime)
                return false
            }
            if accounts[slot].queue.isEmpty {
                accounts[slot].isActive = false
                activeSenders.remove(at: index)
            } else {
                index += 1
            }
        }
        storedCount -= expired.count
        earliestExpiry = nextExpiry
        return expired
    }

    /// geth's replacement rule: both caps strictly higher and at least `old × 110 / 100`.
    @inlinable
    func isSufficientBump(old: GasBid, new: GasBid) -> Bool {
        let percent = Wei(100 + configuration.priceBumpPercent)
        let feeThreshold = old.feeCap * percent / 100
        let tipThreshold = old.tipCap * percent / 100
        return new.feeCap > old.feeCap && new.tipCap > old.tipCap
            && new.feeCap >= feeThreshold && new.tipCap >= tipThreshold
    }

    /// Whether `bid` pays strictly more than `other`, by fee cap and then tip cap.
    @inlinable
    func isHigher(_ bid: GasBid, than other: GasBid) -> Bool {
        (bid.feeCap, bid.tipCap) > (other.feeCap, other.tipCap)
    }

    /// The cheapest queue tail of any sender but `excluded`; newest arrival on ties.
    @inlinable
    func lowestPayer(excluding excluded: Address) -> Transaction<Call>? {
        var lowest: Transaction<Call>?
        for sender in activeSenders where sender != excluded.rawValue {
            guard let tail = accounts[Int(sender)].queue.last?.transaction else { continue }
            if let current = lowest {
                let tailKey = (tail.bid.feeCap, tail.bid.tipCap)
                let currentKey = (current.bid.feeCap, current.bid.tipCap)
                if tailKey < currentKey || (tailKey == currentKey && tail.arrival > current.arrival)
                {
                    lowest = tail
                }
            } else {
                lowest = tail
            }
        }
        return lowest
    }

    @inlinable
    mutating func removeLast(of slot: Int) {
        accounts[slot].queue.removeLast()
        storedCount -= 1
        if accounts[slot].queue.isEmpty {
            deactivate(UInt32(slot))
        }
    }

    /// Moves the first transaction out of `queue` (the builder takes it for the block);
    /// the builder keeps the pool's books.
    @inlinable
    static func takeFirst(from queue: inout [Entry]) -> Transaction<Call> {
        // `removeLast()` for the usual single entry: no shifting.
        queue.count == 1 ? queue.removeLast().transaction : queue.removeFirst().transaction
    }

    /// Drops the senders whose queues are empty from `activeSenders`, in one pass: the
    /// builder empties most queues of a block and deactivating each one (a binary search
    /// and an array removal) was a few percent of the chain benchmark.
    @inlinable
    mutating func removeEmptySenders() {
        var kept = 0
        for index in activeSenders.indices {
            let sender = activeSenders[index]
            if !accounts[Int(sender)].queue.isEmpty {
                activeSenders[kept] = sender
                kept += 1
            } else {
                accounts[Int(sender)].isActive = false
            }
        }
        activeSenders.removeLast(activeSenders.count - kept)
    }

    @inlinable
    mutating func takeScratchCandidates() -> [Candidate] {
        var taken: [Candidate] = []
        swap(&taken, &scratchCandidates)
        taken.removeAll(keepingCapacity: true)
        return taken
    }

    @inlinable
    mutating func takeScratchFollowers() -> [Candidate] {
        var taken: [Candidate] = []
        swap(&taken, &scratchFollowers)
        return taken
    }

    @inlinable
    mutating func noteSubmission(at now: SimTime) {
        earliestExpiry = min(earliestExpiry, now + configuration.lifetime)
    }

    @inlinable
    mutating func growAccounts(through slot: Int) {
        if slot >= accounts.count {
            accounts.append(
                contentsOf: repeatElement(Account(), count: slot + 1 - accounts.count))
        }
    }

    @inlinable
    func insertionIndex(in queue: [Entry], nonce: UInt64) -> Int {
        var low = 0
        var high = queue.count
        while low < high {
            let middle = (low + high) / 2
            if queue[middle].transaction.nonce < nonce {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    @inlinable @inline(__always)
    mutating func activate(_ sender: UInt32) {
        if !accounts[Int(sender)].isActive {
            accounts[Int(sender)].isActive = true
            activeSenders.append(sender)
        }
    }

    /// O(s): only evictions and drops empty a queue outside the builder's batch removal.
    @inlinable
    mutating func deactivate(_ sender: UInt32) {
        guard accounts[Int(sender)].isActive,
            let position = activeSenders.firstIndex(of: sender)
        else { return }
        accounts[Int(sender)].isActive = false
        activeSenders.remove(at: position)
    }

    /// Verifies the pool's bookkeeping; for tests. O(n).
    public func checkInvariants() throws(InvariantViolation) {
        var total = 0
        var listed = Array(repeating: false, count: accounts.count)
        for sender in activeSenders {
            if listed[Int(sender)] {
                throw InvariantViolation("mempool: sender \(sender) listed twice as active")
            }
            listed[Int(sender)] = true
            if !accounts[Int(sender)].isActive {
                throw InvariantViolation("mempool: listed sender \(sender) not marked active")
            }
            let queue = accounts[Int(sender)].queue
            if queue.isEmpty { throw InvariantViolation("mempool: active sender with no queue") }
            for index in queue.indices.dropFirst()
            where queue[index - 1].transaction.nonce >= queue[index].transaction.nonce {
                throw InvariantViolation("mempool: queue not in strict nonce order")
            }
            if let first = queue.first, first.transaction.nonce < accounts[Int(sender)].nextNonce {
                throw InvariantViolation("mempool: pooled nonce already used")
            }
            total += queue.count
        }
        for (slot, account) in accounts.enumerated() where account.isActive != listed[slot] {
            throw InvariantViolation("mempool: sender \(slot) marked active but not listed")
        }
        for (slot, account) in accounts.enumerated() where !account.queue.isEmpty {
            if !listed[slot] {
                throw InvariantViolation("mempool: sender \(slot) has a queue but is not active")
            }
        }
        if total != count { throw InvariantViolation("mempool: count \(count) != \(total)") }
        if count > configuration.capacity { throw InvariantViolation("mempool: over capacity") }
    }
}
