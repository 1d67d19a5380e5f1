import CascadeContracts
import CascadeCore

/// One keeper's side of a `LendingSharedBook`: which blocks it has seen, the accounts it
/// rests, and its queries — answering exactly as its own `LendingBook` would.
///
/// **What stays per keeper.** The blocks it has seen (`through`, the unbroken run from
/// genesis, and `ahead`, the blocks seen beyond a gap), which select its entries from the
/// shared book (`LendingSharedBook.overrides`); its rests (`rest`, `wake`: an account it
/// judged not worth acting on leaves its walks for a while, and comes back when it
/// changes or the rest ends — the rules of `LendingBook.rest`); its counters.
///
/// **Queries.** `liquidatable` walks the shared book's walk of each bucket
/// (`LendingSharedBook.sequence`), leaving out the accounts it rests, with its overrides
/// merged in by the index's own orders; each candidate it visits is tested with the
/// pool's verdict for the block (`LendingSharedQueries.isLiquidatable`) unless `skip`
/// names it. A private book holds the same positions less the rested ones, and its
/// walks are prefixes of orders on positions, so the result — and the candidates
/// visited — are the same (`LendingSharedBookTests` checks it against private books).
public final class LendingBookView {
    public let shared: LendingSharedBook
    let subscriber: Int
    /// Blocks seen: all of `1...through`, and `ahead` (ascending) beyond a gap.
    @exclusivity(unchecked) public private(set) var through: UInt64
    @exclusivity(unchecked) public private(set) var ahead: [UInt64] = []
    /// Per id, the block its entry was last read at as far as this keeper knows (a change
    /// seen later than that ends a rest).
    @exclusivity(unchecked) private var readAt: [UInt64]
    /// The accounts it rests (`LendingRests`, the rules of `LendingBook.rest`).
    @exclusivity(unchecked) private var rests: LendingRests
    /// Per id, the pair slot it rests in; per pair slot, how many rest there.
    @exclusivity(unchecked) private var restSlot: [Int] = []
    @exclusivity(unchecked) private var restingPerPair: [Int]
    /// Index updates (genesis included), queries, accounts returned and candidates
    /// visited, counted as a private book counts them.
    @exclusivity(unchecked) public private(set) var updateCount: Int
    @exclusivity(unchecked) public private(set) var queryCount = 0
    @exclusivity(unchecked) public private(set) var returnedCount = 0
    @exclusivity(unchecked) public private(set) var visitedCount = 0

    /// A new view of `shared`, which must not have received a block yet.
    public init(_ shared: LendingSharedBook) {
        self.shared = shared
        subscriber = shared.subscribe()
        through = shared.version
        readAt = Array(repeating: shared.version, count: shared.accountCount)
        rests = LendingRests(count: shared.accountCount)
        restingPerPair = Array(repeating: 0, count: shared.assetCount * shared.assetCount)
        updateCount = shared.book.updateCount
    }

    /// Takes in block `block` (its events, the state after it) as this keeper sees it.
    public func observe(
        _ events: [ProtocolState.Event], state: ProtocolState, block: UInt64
    ) {
        shared.receive(events, state: state, block: block)
        for event in events {
            guard let account = LendingBook.account(changedBy: event, reader: shared.reader),
                let id = shared.id(of: account), readAt[id] <= block
            else { continue }
            readAt[id] = block
            if rests.changed(id) { restingPerPair[restSlot[id]] -= 1 }
            updateCount += 1
        }
        if block == through + 1 {
            through = block
            while let next = ahead.first, next == through + 1 {
                through = next
                ahead.removeFirst()
            }
            shared.advance(subscriber, through: through)
        } else if block > through + 1, !ahead.contains(block) {
            ahead.insert(block, at: ahead.firstIndex { $0 > block } ?? ahead.count)
        }
    }

    /// The entries where this keeper's book differs from the shared one (usually none):
    /// work it out once per block it acts on, and pass it to `isActive` and
    /// `liquidatable`.
    public func overrides() -> Overrides {
        Overrides(shared.overrides(through: through, ahead: ahead), shared: shared)
    }

    /// Whether pair slot `slot` holds a position this keeper does not rest.
    public func isActive(_ slot: Int, _ overrides: Overrides) -> Bool {
        shared.count(inPair: slot) + overrides.pairDelta(slot) - restingPerPair[slot] > 0
    }

    /// The accounts of `query`'s pair the pool would liquidate, as
    /// `LendingBook.liquidatable(_:state:minimumDebtValue:limit:skipping:)` of this
    /// keeper's own book returns them.
    public func liquidatable(
        _ query: LendingPairQuery, _ overrides: Overrides, state: ProtocolState,
        minimumDebtValue: Double = 0, limit: Int = .max,
        skipping skip: (Address) -> Bool = { _ in false }
    ) -> [Address] {
        queryCount += 1
        guard let terms = query.terms, let bounds = query.bounds else { return [] }
        let slot = query.pair.collateral * shared.assetCount + query.pair.debt
        let lowest =
            minimumDebtValue > 0 && terms.debtValue > 0
            ? LendingBook.bucket(truncating: minimumDebtValue / terms.debtValue) : 0
        var found: [Address] = []
        // Buckets whose shared walk has a candidate, and those where this keeper holds an
        // overriding position.
        var remaining =
            shared.walkedBuckets(slot, from: lowest, query, bounds: bounds)
            | (overrides.buckets(inPair: slot) >> lowest) << lowest
        while remaining != 0, found.count < limit {
            let bucket = 127 - remaining.leadingZeroBitCount
            remaining &= ~(UInt128(1) << bucket)
            let market = slot * LendingBook.buckets + bucket
            // A keeper with overrides merges them into the whole walk; the others take
            // the shared walk as far as they need.
            var walk = shared.sequence(
                market, query, bounds: bounds, atLeast: overrides.isEmpty ? 0 : .max)
            if !overrides.isEmpty {
                walk = overrides.merge(walk, market: market, bounds: bounds, shared: shared)
            }
            var position = 0
            while found.count < limit {
                if position == walk.count {
                    guard !walk.complete else { break }
                    walk = shared.sequence(market, query, bounds: bounds, atLeast: position + 1)
                    continue
                }
                let id = walk[position]
                position += 1
                visit(id, query, state, skip: skip, into: &found)
            }
        }
        returnedCount += found.count
        return found
    }

    /// Visits candidate `id` unless it rests: appends it when the pool would liquidate it
    /// and `skip` does not name it.
    private func visit(
        _ id: Int, _ query: LendingPairQuery, _ state: ProtocolState,
        skip: (Address) -> Bool, into found: inout [Address]
    ) {
        guard !rests.isResting(id) else { return }
        visitedCount += 1
        let account = shared.account(id)
        if !skip(account), shared.queries.isLiquidatable(account, query, state) {
            found.append(account)
        }
    }

    /// Rests `account`, found in pair slot `slot`, for `interval` (ms) from `now`, doubled
    /// for each rest since it last changed (at most 32 times): `LendingBook.rest`.
    public func rest(_ account: Address, slot: Int, now: Int64, interval: Int64) {
        guard let id = shared.id(of: account), rests.start(id, now: now, interval: interval)
        else { return }
        if restSlot.isEmpty { restSlot = Array(repeating: 0, count: shared.accountCount) }
        restSlot[id] = slot
        restingPerPair[slot] += 1
    }

    /// Ends the rests due at or before `now` (ms): `LendingBook.wake`.
    public func wake(now: Int64) {
        rests.wake(now: now) { id in restingPerPair[restSlot[id]] -= 1 }
    }
}

extension LendingBookView {
    /// A keeper's entries that differ from the shared book's, for one block it acts on:
    /// each with the shared book's own, to move the account between buckets and pairs.
    public struct Overrides {
        /// By id ascending: the keeper's entry.
        let entries: [(id: Int, entry: LendingBookEntry)]
        /// The same ids' positions in the shared book (nil: not in its index).
        let held: [LiquidationIndex.Position?]

        init(_ entries: [(id: Int, entry: LendingBookEntry)], shared: LendingSharedBook) {
            self.entries = entries
            held = entries.map { shared.position($0.id) }
        }

        public var isEmpty: Bool { entries.isEmpty }

        /// Positions the keeper holds in pair slot `slot` beyond the shared book's.
        func pairDelta(_ slot: Int) -> Int {
            var delta = 0
            for (index, override) in entries.enumerated() {
                if let own = override.entry.position, own.market / LendingBook.buckets == slot {
                    delta += 1
                }
                if let theirs = held[index], theirs.market / LendingBook.buckets == slot {
                    delta -= 1
                }
            }
            return delta
        }

        /// The buckets of pair slot `slot` where the keeper holds an overriding position.
        func buckets(inPair slot: Int) -> UInt128 {
            var bits: UInt128 = 0
            for override in entries {
                if let own = override.entry.position, own.market / LendingBook.buckets == slot {
                    bits |= UInt128(1) << (own.market % LendingBook.buckets)
                }
            }
            return bits
        }

        /// `walk` of bucket `market` on the shared book, as the keeper's own book walks
        /// it: overridden ids out, their own positions in where `bounds` takes them, in
        /// the index's orders (band: debt per collateral descending; dust: collateral
        /// ascending; ties by id).
        func merge(
            _ walk: LendingLiquidationIndex.Sequence, market: Int,
            bounds: LendingLiquidationIndex.Bounds, shared: LendingSharedBook
        ) -> LendingLiquidationIndex.Sequence {
            let ids = entries.map(\.id)
            precondition(walk.complete, "overrides merge into a whole walk")
            var result = LendingLiquidationIndex.Sequence(
                band: walk.band.filter { !ids.contains($0) },
                dust: walk.dust.filter { !ids.contains($0) }, complete: true)
            func position(_ id: Int) -> LiquidationIndex.Position? {
                if let found = entries.first(where: { $0.id == id }) {
                    return found.entry.position
                }
                return shared.position(id)
            }
            for override in entries {
                guard let own = override.entry.position, own.market == market else { continue }
                let id = override.id
                if bounds.band.isUnsafe(collateral: own.collateral, debt: own.debt) {
                    let at =
                        result.band.firstIndex { other in
                            guard let theirs = position(other) else { return false }
                            let sign = compareProducts(
                                own.debt, theirs.collateral, theirs.debt, own.collateral)
                            return sign > 0 || (sign == 0 && id < other)
                        } ?? result.band.count
                    result.band.insert(id, at: at)
                } else if let cap = bounds.dustCap, own.collateral < cap {
                    let at =
                        result.dust.firstIndex { other in
                            guard let theirs = position(other) else { return false }
                            return own.collateral < theirs.collateral
                                || (own.collateral == theirs.collateral && id < other)
                        } ?? result.dust.count
                    result.dust.insert(id, at: at)
                }
            }
            return result
        }
    }
}
