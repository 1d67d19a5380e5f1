import CascadeContracts
import CascadeCore

/// The per-block query terms and verdicts of one lending pool, worked out once and shared
/// by every liquidator of the pool.
///
/// **Why.** Each new block, every keeper asks its book, per (collateral, debt) pair, for
/// the accounts the pool would liquidate on that block's state. What such a query needs of
/// the pool — the reserves' compounded interest and prices as `LendingPairTerms`, and the
/// index bounds they give (`LendingLiquidationIndex.Bounds`: two `Double` to 256-bit
/// conversions) — is a pure function of the block's state and time, the same for every
/// keeper, and cost more than the rest of a query that finds nothing. So is the pool's
/// verdict on one account (`isLiquidatable`, its `accountData` with every reserve's
/// compounded interest), which every keeper whose walk reaches the account asked for.
/// Five keepers computed each five times.
///
/// **Versions.** Keepers see a block at different times (their own observation delays),
/// so an answer is kept per block: the first keeper to ask about block N's pair computes
/// it, the others read it. The last `capacity` blocks are kept (the oldest replaced
/// first); a keeper asking about a block no longer kept computes it again — the same
/// value, since it is a function of the block alone — so how long answers are kept can
/// change the cost, never an outcome. Keepers only ask about the newest block they have
/// seen, so with observation delays below the block interval two entries are enough.
///
/// **Identity.** A block is named by its number and timestamp: the producer makes one
/// state per block number, and every keeper of the pool reads the same pool
/// (`reader`).
///
/// Complexity: `query` and `isLiquidatable` O(1) for the block asked about last, else
/// O(capacity) to find it; one computation each when not kept; memory `capacity × pairs`
/// queries and the verdicts given for those blocks.
public final class LendingSharedQueries {
    public let reader: LendingPoolReader
    public let assetCount: Int
    /// Blocks kept.
    public let capacity: Int

    /// One block's answers (a class, so reading one copies nothing).
    final class Entry {
        let block: UInt64
        let timestamp: UInt64
        /// Per pair (`collateral · assetCount + debt`), the query once computed.
        @exclusivity(unchecked) var queries: [LendingPairQuery?]
        /// The pool's verdicts on accounts tested so far, by `account << 32 | pair slot`
        /// (looked up only, never iterated).
        @exclusivity(unchecked) var verdicts: [UInt64: Bool] = [:]

        init(block: UInt64, timestamp: UInt64, pairs: Int) {
            self.block = block
            self.timestamp = timestamp
            queries = Array(repeating: nil, count: pairs)
        }
    }

    @exclusivity(unchecked) private var entries: [Entry] = []
    /// The entry replaced next when all `capacity` are in use, and the one used last
    /// (looked at first: keepers ask about one block in turn).
    @exclusivity(unchecked) private var oldest = 0
    @exclusivity(unchecked) private var recent: Entry?
    /// Queries computed, and queries answered from a kept entry (for tests and the bench).
    @exclusivity(unchecked) public private(set) var computedCount = 0
    @exclusivity(unchecked) public private(set) var sharedCount = 0
    /// Accounts tested with the pool's arithmetic, and verdicts read from a kept entry.
    @exclusivity(unchecked) public private(set) var testedCount = 0
    @exclusivity(unchecked) public private(set) var sharedVerdictCount = 0

    public init(reader: LendingPoolReader, assetCount: Int, capacity: Int = 4) {
        precondition(capacity > 0, "a shared query table keeps at least one block")
        self.reader = reader
        self.assetCount = assetCount
        self.capacity = capacity
    }

    /// The query of `pair` on `state`, the state after block `block` at `timestamp`
    /// (seconds): the one computed for that block if it is kept, else computed now.
    public func query(
        _ pair: LendingPair, _ state: ProtocolState, block: UInt64, at timestamp: UInt64
    ) -> LendingPairQuery {
        let slot = pair.collateral * assetCount + pair.debt
        let entry = self.entry(block: block, timestamp: timestamp)
        if let kept = entry.queries[slot] {
            sharedCount += 1
            return kept
        }
        let query = LendingPairQuery(
            reader: reader, pair: pair, state: state, at: timestamp, shared: self, block: block)
        entry.queries[slot] = query
        computedCount += 1
        return query
    }

    /// The pool's own test (`LendingPoolReader.isLiquidatable`) of `account` in `query`'s
    /// pair on `state`, the state of `query`'s block: the verdict given for that block if
    /// kept, else tested now. The same pure function of the block as the query, so shared
    /// by every keeper whose walk reaches the account.
    public func isLiquidatable(
        _ account: Address, _ query: LendingPairQuery, _ state: ProtocolState
    ) -> Bool {
        precondition(query.shared === self, "a query of another table")
        let entry = self.entry(block: query.block, timestamp: query.timestamp)
        let key =
            UInt64(account.rawValue) << 32
            | UInt64(query.pair.collateral * assetCount + query.pair.debt)
        if let verdict = entry.verdicts[key] {
            sharedVerdictCount += 1
            return verdict
        }
        let verdict = reader.isLiquidatable(
            account, query.pair, state, at: query.timestamp)
        entry.verdicts[key] = verdict
        testedCount += 1
        return verdict
    }

    /// Block `block`'s entry: the last one used, or any kept, or a new one.
    private func entry(block: UInt64, timestamp: UInt64) -> Entry {
        if let recent, recent.block == block, recent.timestamp == timestamp {
            return recent
        }
        let found = entries[make(block: block, timestamp: timestamp)]
        recent = found
        return found
    }

    /// The index of block `block`'s entry among all kept, made (replacing the oldest) if
    /// not kept.
    private func make(block: UInt64, timestamp: UInt64) -> Int {
        if let found = entries.firstIndex(where: {
            $0.block == block && $0.timestamp == timestamp
        }) {
            return found
        }
        let fresh = Entry(block: block, timestamp: timestamp, pairs: assetCount * assetCount)
        if entries.count < capacity {
            entries.append(fresh)
            return entries.count - 1
        }
        let replaced = oldest
        entries[replaced] = fresh
        oldest = (oldest + 1) % capacity
        return replaced
    }
}
