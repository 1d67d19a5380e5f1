import CascadeContracts
import CascadeCore

/// One `VaultBook` for every agent of a Maker world that asks which vaults are unsafe (the
/// keepers and the borrower population), kept once instead of once per agent, and each
/// agent's answer exactly as its own book would have given it.
///
/// **Why.** An agent's book is a function of the set of blocks it has observed: each vault's
/// entry is read from the state of the latest observed block whose events name it
/// (`VaultBook.refresh`). Every agent observes every block, so after a short delay all the
/// books are the same: ten keepers kept ten identical books, made ten index updates per
/// change and ten identical queries per ilk and block.
///
/// **Versions.** Agents see a block at different times (their own observation delays, which
/// may also reorder blocks), so the shared book answers for an agent that is behind it or
/// has seen a block before its predecessor:
///
/// - The book applies blocks in order, `1...version`, each as soon as any subscriber has
///   seen it; a block seen before its predecessor is read at once (its state is at hand
///   only then) and applied when the gap closes.
/// - A log keeps, for each block after `floor` (the last block every subscriber has seen
///   with all before it), the entries its events read and, once applied, the entries they
///   replaced.
/// - A subscriber that has seen exactly `1...version` — nearly always every subscriber —
///   reads the book as it is, and a query it shares with others (same ilk and threshold at
///   the same version) is walked once. Any other gets its own book back for the query: a
///   copy of the index with its differing entries (the latest block it has seen that names
///   the vault, else what the vault held before the log began) put back.
///
/// ```swift
/// let shared = MakerSharedBook(book: VaultBook(state: genesis, firstOwner: f, ownerCount: n))
/// let me = shared.subscribe()
/// // at each observed block report:
/// shared.observe(report, subscriber: me)
/// let owners = shared.unsafeOwners(ilk: ilk, at: threshold, limit: 8, subscriber: me)
/// ```
///
/// **Cost.** Per block, once: the updates for the vaults its events name (O(e log N)). Per
/// query of a subscriber in step: O(1) when an equal query was walked at this version, else
/// O(log N + k). Out of step: a copy of the index (O(N)) and its overrides — rare, when an
/// observation delay exceeds the block interval. Memory: one book and the log of blocks some
/// subscriber has not seen with all before them.
final class MakerSharedBook {
    /// The book with blocks `1...version` applied, in order.
    @exclusivity(unchecked) private(set) var book: VaultBook
    @exclusivity(unchecked) private(set) var version: UInt64 = 0
    /// Every block up to `floor` has been seen by every subscriber.
    @exclusivity(unchecked) private(set) var floor: UInt64 = 0
    /// The ids block `version`'s events name (each once, in order): `VaultBook.ids(namedBy:)`
    /// of its events, for a reader that follows the book block by block (the borrowers)
    /// without reading the events again.
    @exclusivity(unchecked) private(set) var versionIDs: [Int] = []

    /// One logged block: the ids its events name (each once, in order), the entries read
    /// for them from its state, and once applied the entries they replaced.
    struct Logged {
        var received = false
        var ids: [Int] = []
        var after: [LiquidationIndex.Position?] = []
        var before: [LiquidationIndex.Position?] = []
    }

    /// Blocks `floor + 1 ...`, at index `block − floor − 1`.
    @exclusivity(unchecked) private var log: [Logged] = []
    /// Per subscriber, the last block of the unbroken run it has seen from genesis, and the
    /// blocks it has seen beyond it (ascending).
    @exclusivity(unchecked) private var progress: [UInt64] = []
    @exclusivity(unchecked) private var ahead: [[UInt64]] = []
    /// How many subscribers' progress is `floor`.
    @exclusivity(unchecked) private var atFloor = 0
    /// Per subscriber, queries made and vaults they returned (`VaultBook`'s counters, per
    /// agent).
    @exclusivity(unchecked) private(set) var queryCounts: [Int] = []
    @exclusivity(unchecked) private(set) var returnedCounts: [Int] = []
    /// Per ilk, the last walk of the book as it is: its version and threshold and whether
    /// it found all there are (else it stopped at its limit), and the ids it found. Two
    /// arrays: the question, asked by every keeper every block, reads a plain value in
    /// place (reading a kept walk whole copied it and retained its ids, 10 M instructions
    /// of the world bench).
    @exclusivity(unchecked) private var walks: [Walk?] = []
    @exclusivity(unchecked) private var walkIDs: [[Int]] = []
    /// Walks made, and answers read from a kept walk (for tests and the bench).
    @exclusivity(unchecked) private(set) var walkCount = 0
    @exclusivity(unchecked) private(set) var sharedWalkCount = 0

    struct Walk {
        var version: UInt64
        var threshold: SafetyThreshold
        var complete: Bool
        var count: Int
    }

    /// A shared book starting from `book`, the book as of genesis.
    init(book: VaultBook) {
        self.book = book
        walks = Array(repeating: nil, count: book.ilkCount)
        walkIDs = Array(repeating: [], count: book.ilkCount)
    }

    /// Index updates applied to the one book, genesis included.
    var updateCount: Int { book.updateCount }

    /// Blocks logged (for tests of the retention rule).
    var loggedBlocks: Int { log.count }

    /// A new subscriber's number; it has seen genesis.
    func subscribe() -> Int {
        precondition(version == 0 && log.isEmpty, "subscribers join before the first block")
        progress.append(0)
        ahead.append([])
        atFloor += 1
        queryCounts.append(0)
        returnedCounts.append(0)
        return progress.count - 1
    }

    /// `subscriber` has observed the block of `report`. The block is read once (later calls
    /// for it do nothing) and applied in order; its state is read only then (passing a
    /// report's state to a function copies it to the stack, and most observers of a block
    /// find it read already).
    func observe(_ report: BlockReport<ProtocolState>, subscriber: Int) {
        let block = report.header.number
        if needsRead(block) {
            read(report.events, state: report.state, block: block)
        }
        note(block, seenBy: subscriber)
    }

    /// Reads block `block`'s entries of the vaults its events name, from the state after it.
    private func read(_ events: [ProtocolState.Event], state: ProtocolState, block: UInt64) {
        // A loop rather than a closure over `state`: capturing it copied the state.
        var entries: [(id: Int, entry: LiquidationIndex.Position?)] = []
        for named in book.ids(namedBy: events) {
            entries.append(
                (named.id, VaultBook.read(ilk: named.ilk, owner: named.owner, in: state)))
        }
        receive(block, entries)
    }

    /// `subscriber` has observed block `block`, whose events name the vaults `read` returns
    /// (each once, in order) with their entries in the state after it: called only when the
    /// block has not been read before.
    func observe(
        _ block: UInt64, subscriber: Int,
        read: () -> [(id: Int, entry: LiquidationIndex.Position?)]
    ) {
        if needsRead(block) { receive(block, read()) }
        note(block, seenBy: subscriber)
    }

    /// Whether `subscriber` has seen exactly blocks `1...version`: its own book is the book
    /// as it is.
    func isInStep(_ subscriber: Int) -> Bool {
        progress[subscriber] == version && ahead[subscriber].isEmpty
    }

    /// Whether block `block` is neither applied nor logged yet.
    private func needsRead(_ block: UInt64) -> Bool {
        guard block > version else { return false }
        let slot = Int(block - floor - 1)
        return slot >= log.count || !log[slot].received
    }

    private func receive(
        _ block: UInt64, _ entries: [(id: Int, entry: LiquidationIndex.Position?)]
    ) {
        let slot = Int(block - floor - 1)
        var entry = Logged(received: true)
        for (id, after) in entries {
            entry.ids.append(id)
            entry.after.append(after)
        }
        while log.count <= slot { log.append(Logged()) }
        log[slot] = entry
        while Int(version - floor) < log.count, log[Int(version - floor)].received {
            let slot = Int(version - floor)
            log[slot].before = log[slot].ids.map { book.index.position($0) }
            for (index, id) in log[slot].ids.enumerated() { book.set(id, log[slot].after[index]) }
            versionIDs = log[slot].ids
            version += 1
        }
    }

    private func note(_ block: UInt64, seenBy subscriber: Int) {
        defer {
            assert(progress.min() == floor, "MakerSharedBook: floor is not the least progress")
            assert(progress.count { $0 == floor } == atFloor, "MakerSharedBook: atFloor")
        }
        guard block > progress[subscriber], !ahead[subscriber].contains(block) else { return }
        guard block == progress[subscriber] + 1 else {
            let position = ahead[subscriber].firstIndex { $0 > block } ?? ahead[subscriber].count
            ahead[subscriber].insert(block, at: position)
            return
        }
        let wasAtFloor = progress[subscriber] == floor
        progress[subscriber] = block
        while let next = ahead[subscriber].first, next == progress[subscriber] + 1 {
            progress[subscriber] = next
            ahead[subscriber].removeFirst()
        }
        // `floor` is the least progress after every call: it rises once the last
        // subscriber at it moves on (the minimum over all of them was 1% of the world
        // bench when taken on every call).
        if wasAtFloor { atFloor -= 1 }
        guard atFloor == 0, let least = progress.min() else { return }
        log.removeFirst(min(log.count, Int(least - floor)))
        floor = least
        atFloor = progress.count { $0 == least }
    }

    /// The owners of `ilk`'s vaults unsafe at `threshold` in `subscriber`'s own book (the
    /// blocks it has seen), most underwater first, at most `limit` of them. `shared`: other
    /// subscribers ask at the same threshold (the keepers' on-chain `spot`), so the walk is
    /// kept for them; a threshold of the subscriber's own (the borrowers' margin below the
    /// market) is walked without keeping it.
    func unsafeOwners(
        ilk: MakerSystem.IlkID, at threshold: SafetyThreshold, limit: Int, subscriber: Int,
        shared: Bool = true
    ) -> [Address] {
        var ids: [Int] = []
        unsafeIDs(
            ilk: ilk, at: threshold, limit: limit, subscriber: subscriber, shared: shared,
            into: &ids)
        return ids.map { book.owner(of: $0) }
    }

    /// `unsafeOwners`, as the vaults' ids (`VaultBook`: an owner's offset times the ilk
    /// count, plus the ilk) written into `ids` (emptied first, its capacity kept): a
    /// caller that keeps its own per-owner tables indexes them with `id / ilkCount`
    /// without building addresses or looking them up again.
    func unsafeIDs(
        ilk: MakerSystem.IlkID, at threshold: SafetyThreshold, limit: Int, subscriber: Int,
        shared: Bool = true, into ids: inout [Int]
    ) {
        queryCounts[subscriber] += 1
        ids.removeAll(keepingCapacity: true)
        let market = Int(ilk.rawValue)
        let inStep = isInStep(subscriber)
        if inStep && shared {
            // Most blocks find nothing unsafe at the keepers' `spot`: the walk's count says
            // so without touching its ids (handing the array out retained and released it
            // for every keeper and block).
            if walk(market, at: threshold, limit: limit) > 0 {
                ids.append(contentsOf: walkIDs[market].prefix(limit))
            }
        } else if inStep {
            // Its own threshold on the book as it is: no copy of the index.
            // (At least one, as the walk appended before it checked the limit.)
            book.index.appendUnsafePositions(
                in: market, at: threshold, limit: max(limit, 1), to: &ids)
        } else {
            // Out of step: its own book, a copy of the index (shared storage until an
            // override is put back into it).
            var own = book.index
            for (id, entry) in overrides(subscriber) {
                if let entry { own.update(id, entry) } else { own.remove(id) }
            }
            own.appendUnsafePositions(in: market, at: threshold, limit: max(limit, 1), to: &ids)
        }
        returnedCounts[subscriber] += ids.count
    }

    /// `unsafeIDs` at oracle price `price` (WAD) with the ilk's current terms in `state`,
    /// a threshold of the subscriber's own (not kept for others).
    func unsafeIDs(
        ilk: MakerSystem.IlkID, atPrice price: UInt256, state: ProtocolState, limit: Int,
        subscriber: Int, into ids: inout [Int]
    ) {
        guard let threshold = Self.threshold(ilk: ilk, atPrice: price, in: state) else {
            queryCounts[subscriber] += 1
            ids.removeAll(keepingCapacity: true)
            return
        }
        unsafeIDs(
            ilk: ilk, at: threshold, limit: limit, subscriber: subscriber, shared: false,
            into: &ids)
    }

    /// The threshold of `ilk`'s vaults at oracle price `price` (WAD) with its terms in
    /// `state`; nil when `spot` would be 0 or `poke` would revert (nothing is unsafe).
    static func threshold(
        ilk: MakerSystem.IlkID, atPrice price: UInt256, in state: ProtocolState
    ) -> SafetyThreshold? {
        let current = state.maker.ilk(ilk)
        let terms = MakerIlkTerms(
            rate: current.rate, mat: current.mat, par: state.maker.configuration.par)
        return terms.threshold(atPrice: price)
    }

    /// The ids unsafe at `threshold` in `market` of the book as it is, at least the first
    /// `limit` (or all there are), left in `walkIDs[market]`; returns how many. Walked once
    /// per version and threshold, taken further when a subscriber needs more.
    private func walk(_ market: Int, at threshold: SafetyThreshold, limit: Int) -> Int {
        if let kept = walks[market], kept.version == version, kept.threshold == threshold,
            kept.complete || kept.count >= limit
        {
            sharedWalkCount += 1
            return kept.count
        }
        var ids: [Int] = []
        var complete = true
        for id in book.index.unsafePositions(in: market, at: threshold) {
            if ids.count >= limit {
                complete = false
                break
            }
            ids.append(id)
        }
        walkCount += 1
        walks[market] = Walk(
            version: version, threshold: threshold, complete: complete, count: ids.count)
        let count = ids.count
        walkIDs[market] = ids
        return count
    }

    /// The entries `subscriber`'s own book holds where they differ from the book's.
    private func overrides(_ subscriber: Int) -> [(id: Int, entry: LiquidationIndex.Position?)] {
        let through = progress[subscriber]
        let seenAhead = ahead[subscriber]
        precondition(through >= floor, "MakerSharedBook: a subscriber behind the log")
        func seen(_ block: UInt64) -> Bool { block <= through || seenAhead.contains(block) }
        var named: [Int] = []
        for slot in log.indices {
            let block = floor + 1 + UInt64(slot)
            if seen(block) != (block <= version) { named += log[slot].ids }
        }
        var result: [(id: Int, entry: LiquidationIndex.Position?)] = []
        var previous = -1
        for id in named.sorted() where id != previous {
            previous = id
            let own = entry(of: id, seen: seen)
            if own != book.index.position(id) { result.append((id, own)) }
        }
        return result
    }

    /// What a book that has seen the blocks `seen` names holds for `id`: the entry read by
    /// the latest such logged block naming it, else the entry it had before the first
    /// applied logged block naming it, else the book's.
    private func entry(of id: Int, seen: (UInt64) -> Bool) -> LiquidationIndex.Position? {
        for slot in log.indices.reversed() where seen(floor + 1 + UInt64(slot)) {
            if let index = log[slot].ids.firstIndex(of: id) { return log[slot].after[index] }
        }
        for slot in log.indices where floor + 1 + UInt64(slot) <= version {
            if let index = log[slot].ids.firstIndex(of: id) { return log[slot].before[index] }
        }
        return book.index.position(id)
    }
}
