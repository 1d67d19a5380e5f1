import CascadeContracts
import CascadeCore

/// One `LendingBook` for every liquidator of a pool — kept once instead of once per
/// keeper — and what each keeper's own book would hold, as of the blocks it has seen.
///
/// **Why.** A keeper's book is a function of the set of blocks it has observed: each
/// account's entry is read from the state of the latest observed block whose events name
/// it (`LendingBook.refresh`). Every keeper observes every block, so after a short delay
/// all their books are the same; five keepers kept five identical books, five index
/// updates per change and five walks per bucket.
///
/// **Versions.** Keepers see a block at different times (their own observation delays,
/// which may also reorder blocks), so the shared book must answer for a keeper that is
/// behind, or that has seen a block before its predecessor:
///
/// - The book applies blocks in order, `1...version`, each as soon as any subscriber has
///   seen it; a block seen before its predecessor is read at once and applied when the
///   gap closes.
/// - A log keeps, for each block after `floor` (the last block every subscriber has seen
///   with all before it), the entries its events read, and for an applied block the
///   entries they replaced.
/// - A subscriber that has seen exactly `1...version` — every subscriber, nearly always —
///   reads the book as it is. Any other (behind, or with a gap) gets `overrides`: the
///   entries, among accounts named in the blocks where it and the book differ, that its
///   own book would hold otherwise — the latest block it has seen that names the account,
///   else what the account held before the log began. Queries merge them in
///   (`LendingBookView`), so the answer is exactly the one its own book gave.
///
/// **Shared walks.** The walk of one bucket for one block's query (`sequence`) is the
/// same for every subscriber reading the book at the same version, so it is made once
/// and kept until the version or the block changes. A keeper then leaves out the
/// accounts it rests and its overrides. Walks read keys only; the pool's verdict on each
/// account is `LendingSharedQueries.isLiquidatable`, per block.
///
/// Complexity: `receive` O(e log N) for a block naming e accounts, once per block;
/// `overrides` O(1) for a subscriber in step with the book, else O(log entries named in
/// the differing blocks × blocks logged); memory one book plus the log (blocks seen by
/// some subscriber but not all).
public final class LendingSharedBook {
    public let reader: LendingPoolReader
    public let assetCount: Int
    public let firstAccount: UInt32
    public let accountCount: Int
    /// The pool's per-block queries and verdicts.
    public let queries: LendingSharedQueries
    /// The book with blocks `1...version` applied, in order.
    @exclusivity(unchecked) public private(set) var book: LendingBook
    @exclusivity(unchecked) public private(set) var version: UInt64
    /// Every block up to `floor` has been seen by every subscriber.
    @exclusivity(unchecked) public private(set) var floor: UInt64

    /// One logged block: the ids its events name (deduplicated, in order), the entries
    /// read for them from its state, and once applied the entries they replaced.
    struct Logged {
        var received = false
        var ids: [Int] = []
        var after: [LendingBookEntry] = []
        var before: [LendingBookEntry] = []
    }

    /// Blocks `floor + 1 ...`, at index `block − floor − 1`.
    @exclusivity(unchecked) var log: [Logged] = []
    /// Per subscriber, the last block of the unbroken run it has seen from genesis.
    @exclusivity(unchecked) var progress: [UInt64] = []
    /// Per pair slot, the book's positions and nonempty buckets (copied out of the book
    /// after each change: reading them through the book copied it).
    @exclusivity(unchecked) private(set) var pairCounts: [Int] = []
    @exclusivity(unchecked) private(set) var occupied: [UInt128] = []
    /// Per market, the walk made for `walkKey` (version, block, timestamp) when its stamp
    /// is `walkGeneration`.
    @exclusivity(unchecked) var walks: [LendingLiquidationIndex.Sequence] = []
    @exclusivity(unchecked) var walkStamps: [UInt64] = []
    @exclusivity(unchecked) var walkGeneration: UInt64 = 0
    @exclusivity(unchecked) var walkKey: (UInt64, UInt64, UInt64) = (.max, .max, .max)
    /// Per pair slot, for `walkKey`: the buckets whose walk is not empty, among those from
    /// `walkedDown` up (65: none made yet), each valid when its stamp is `walkGeneration`.
    @exclusivity(unchecked) var walkMasks: [UInt128] = []
    @exclusivity(unchecked) var walkedDown: [Int] = []
    @exclusivity(unchecked) var maskStamps: [UInt64] = []
    /// Walks made, and walks read from those kept (for tests and the bench).
    @exclusivity(unchecked) public private(set) var walkCount = 0
    @exclusivity(unchecked) public private(set) var sharedWalkCount = 0

    /// A shared book starting from `book`, the book as of block `version`.
    public init(book: LendingBook, queries: LendingSharedQueries, version: UInt64 = 0) {
        precondition(queries.reader == book.reader, "queries of another pool")
        reader = book.reader
        assetCount = book.assetCount
        firstAccount = book.firstAccount
        accountCount = book.accountCount
        self.queries = queries
        self.book = book
        self.version = version
        floor = version
        let markets = assetCount * assetCount * LendingBook.buckets
        walks = Array(repeating: LendingLiquidationIndex.Sequence(), count: markets)
        walkStamps = Array(repeating: 0, count: markets)
        walkMasks = Array(repeating: 0, count: assetCount * assetCount)
        walkedDown = Array(repeating: LendingBook.buckets, count: assetCount * assetCount)
        maskStamps = Array(repeating: 0, count: assetCount * assetCount)
        notePairs()
    }

    /// Copies the book's per-pair counts and buckets out.
    private func notePairs() {
        let slots = assetCount * assetCount
        pairCounts = (0..<slots).map { book.count(inPair: $0) }
        occupied = (0..<slots).map { book.buckets(inPair: $0) }
    }

    // Reads of the book in place: a copy of `book` held across a change to it would copy
    // its arrays.

    /// The id of `account`, if the book tracks it.
    func id(of account: Address) -> Int? {
        guard account.rawValue >= firstAccount else { return nil }
        let offset = Int(account.rawValue - firstAccount)
        return offset < accountCount ? offset : nil
    }

    /// The account of id `id`.
    func account(_ id: Int) -> Address { Address(firstAccount + UInt32(id)) }

    /// Positions the book holds in pair slot `slot`, and its nonempty buckets there.
    func count(inPair slot: Int) -> Int { pairCounts[slot] }
    func buckets(inPair slot: Int) -> UInt128 { occupied[slot] }

    /// The book's entry for `id`, and its index position.
    func entry(_ id: Int) -> LendingBookEntry { book.entry(id) }
    func position(_ id: Int) -> LiquidationIndex.Position? { book.index.position(id) }

    /// A new subscriber's number; it has seen the blocks up to `version`.
    func subscribe() -> Int {
        precondition(log.isEmpty, "subscribers join before the first block")
        progress.append(version)
        return progress.count - 1
    }

    /// Block `block`'s events and the state after it, as a subscriber sees it: read once
    /// (later calls for the same block do nothing), applied in order.
    public func receive(_ events: [ProtocolState.Event], state: ProtocolState, block: UInt64) {
        guard block > version else { return }
        let slot = Int(block - floor - 1)
        if slot < log.count, log[slot].received { return }
        var entry = Logged(received: true)
        for event in events {
            guard let account = LendingBook.account(changedBy: event, reader: reader),
                let id = book.id(of: account), !entry.ids.contains(id)
            else { continue }
            entry.ids.append(id)
            entry.after.append(book.read(account, in: state))
        }
        while log.count <= slot { log.append(Logged()) }
        log[slot] = entry
        applyReceived()
    }

    /// Applies the received blocks that follow `version`.
    private func applyReceived() {
        while Int(version - floor) < log.count, log[Int(version - floor)].received {
            let slot = Int(version - floor)
            let block = version + 1
            var before: [LendingBookEntry] = []
            before.reserveCapacity(log[slot].ids.count)
            for (index, id) in log[slot].ids.enumerated() {
                before.append(book.entry(id))
                book.set(id, log[slot].after[index], block: block)
            }
            log[slot].before = before
            version = block
            if !before.isEmpty { notePairs() }
        }
    }

    /// Subscriber `subscriber` has seen every block up to `block`; the log keeps only
    /// blocks some subscriber has not.
    func advance(_ subscriber: Int, through block: UInt64) {
        progress[subscriber] = block
        guard let least = progress.min(), least > floor else { return }
        log.removeFirst(min(log.count, Int(least - floor)))
        floor = least
    }

    /// The entries a subscriber that has seen blocks `1...through` and `ahead` (ascending,
    /// each beyond `through + 1`) would hold where they differ from the book's, by id
    /// ascending. Empty, at once, for a subscriber in step with the book.
    func overrides(through: UInt64, ahead: [UInt64]) -> [(id: Int, entry: LendingBookEntry)] {
        if through == version && ahead.isEmpty { return [] }
        precondition(through >= floor, "a subscriber behind the log")
        func seen(_ block: UInt64) -> Bool { block <= through || ahead.contains(block) }
        var named: [Int] = []
        for slot in log.indices {
            let block = floor + 1 + UInt64(slot)
            if seen(block) != (block <= version) { named += log[slot].ids }
        }
        var result: [(id: Int, entry: LendingBookEntry)] = []
        var previous = -1
        for id in named.sorted() where id != previous {
            previous = id
            let own = entry(of: id, seen: seen)
            if own != book.entry(id) { result.append((id, own)) }
        }
        return result
    }

    /// What a book that has seen the blocks `seen` names holds for `id`: the entry read
    /// by the latest such logged block naming it, else the entry it had before the first
    /// logged block that names it (applied), else the book's.
    private func entry(of id: Int, seen: (UInt64) -> Bool) -> LendingBookEntry {
        for slot in log.indices.reversed() where seen(floor + 1 + UInt64(slot)) {
            if let index = log[slot].ids.firstIndex(of: id) { return log[slot].after[index] }
        }
        for slot in log.indices where floor + 1 + UInt64(slot) <= version {
            if let index = log[slot].ids.firstIndex(of: id) { return log[slot].before[index] }
        }
        return book.entry(id)
    }

    /// The buckets of `query`'s pair (slot `slot`), from `lowest` up, whose walk on the
    /// book as it is is not empty — walks made once per version and block, from the
    /// highest bucket down as far as any subscriber has asked, then shared. Most buckets
    /// hold no candidate, and a subscriber then does not look at them at all.
    func walkedBuckets(
        _ slot: Int, from lowest: Int, _ query: LendingPairQuery,
        bounds: LendingLiquidationIndex.Bounds
    ) -> UInt128 {
        renewWalks(query)
        if maskStamps[slot] != walkGeneration {
            maskStamps[slot] = walkGeneration
            walkMasks[slot] = 0
            walkedDown[slot] = LendingBook.buckets
        }
        if lowest < walkedDown[slot] {
            let pending = (occupied[slot] >> lowest) << lowest
            var remaining = pending & ~(UInt128.max << walkedDown[slot])
            while remaining != 0 {
                let bucket = 127 - remaining.leadingZeroBitCount
                remaining &= ~(UInt128(1) << bucket)
                let market = slot * LendingBook.buckets + bucket
                let made = book.sequence(in: market, bounds: bounds, cap: Self.firstWalk)
                walks[market] = made
                walkStamps[market] = walkGeneration
                walkCount += 1
                if !made.band.isEmpty || !made.dust.isEmpty {
                    walkMasks[slot] |= UInt128(1) << bucket
                }
            }
            walkedDown[slot] = lowest
        }
        return (walkMasks[slot] >> lowest) << lowest
    }

    /// Candidates a walk first takes: a keeper stops at its limit (four times what it may
    /// send), so most walks need no more; a longer one is taken again twice as far.
    static let firstWalk = 32

    /// The walk of bucket `market` for `query` on the book as it is, at least its first
    /// `count` candidates (or all there are): made once per version and block, taken
    /// further when a subscriber needs more, and shared.
    func sequence(
        _ market: Int, _ query: LendingPairQuery, bounds: LendingLiquidationIndex.Bounds,
        atLeast count: Int = 0
    ) -> LendingLiquidationIndex.Sequence {
        renewWalks(query)
        if walkStamps[market] == walkGeneration,
            walks[market].complete || walks[market].count >= count
        {
            sharedWalkCount += 1
            return walks[market]
        }
        let cap =
            walkStamps[market] == walkGeneration
            ? max(count, 2 * walks[market].count) : max(count, Self.firstWalk)
        let made = book.sequence(in: market, bounds: bounds, cap: cap)
        walks[market] = made
        walkStamps[market] = walkGeneration
        walkCount += 1
        return made
    }

    /// Forgets the walks made for another version or block than `query`'s.
    private func renewWalks(_ query: LendingPairQuery) {
        let key = (version, query.block, query.timestamp)
        if key != walkKey {
            walkGeneration += 1
            walkKey = key
        }
    }
}
