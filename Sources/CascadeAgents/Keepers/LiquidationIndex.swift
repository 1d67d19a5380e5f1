import CascadeCore
import CascadeKernel

/// Positions ordered by how close they are to liquidation, so a keeper finds every unsafe
/// position of a market in O(log N + k) for k results, never by scanning all N.
///
/// **What it keys on.** Each position is `collateral` units against `debt` units in one
/// market (Maker: `ink` and `art` of one ilk). Within a market the order is by debt per
/// unit of collateral, `debt / collateral`, descending — the exact rational, compared by
/// cross-multiplication at 512 bits, never rounded and never `Double` — then by id
/// ascending. Positions with no collateral come first (their ratio is infinite); positions
/// with no debt are not kept (they can never be unsafe).
///
/// **Why that key.** A position is unsafe iff `collateral · v < debt · w` for the market's
/// current `v` and `w` (`SafetyThreshold`; Maker: `spot` and `rate`). That predicate is
/// monotone in `debt / collateral`: if it holds for one position it holds for every
/// position ordered before it. So the unsafe positions are always a prefix of the order,
/// and the query walks that prefix, testing each position with the contract's own rule
/// and stopping at the first safe one. Nothing market-wide is in the key, so a new `rate`
/// (stability fees), `spot`, `mat` or `par` changes no stored entry: it only moves where
/// the prefix ends.
///
/// **Order of results.** Most underwater first (largest debt per collateral, which within
/// a market is the highest liquidation price), ties broken by id ascending. Two positions
/// with different ratios but the same rounded liquidation price keep their ratio order.
///
/// ```swift
/// var index = LiquidationIndex()
/// index.update(7, market: 0, collateral: ink, debt: art)   // after each frob/grab
/// let terms = MakerIlkTerms(rate: rate, mat: mat)
/// for id in index.unsafePositions(in: 0, atPrice: osmPrice, terms: terms) { ... }
/// ```
///
/// **Structure.** One treap per market in a shared node pool indexed by position id
/// (ids are dense, so no dictionary and no allocation per update). Node priorities are a
/// fixed hash of the id (the SplitMix64 finaliser): the shape of the tree, and so every
/// result, depends only on the set of positions, never on the order of updates or on
/// the process's hash seed.
///
/// **Complexity.** `update` and `remove`: O(log N) expected (N positions in the market);
/// `unsafePositions`: O(log N + k) to enumerate k results; `position(_:)`: O(1). Memory:
/// one 80-byte node per id up to the largest id used.
public struct LiquidationIndex: Sendable {
    /// One slot of the node pool, indexed by position id.
    @usableFromInline
    struct Node: Sendable {
        @usableFromInline var debt: UInt256
        @usableFromInline var collateral: UInt256
        @usableFromInline var left: Int32
        @usableFromInline var right: Int32
        /// The market, or −1 when the id holds no position.
        @usableFromInline var market: Int32
        /// `debt / collateral` in floating point (infinite without collateral): a screen
        /// that settles most comparisons without the 512-bit products (see `precedes`).
        @usableFromInline var ratio: Double

        init(debt: UInt256, collateral: UInt256, left: Int32, right: Int32, market: Int32) {
            self.debt = debt
            self.collateral = collateral
            self.left = left
            self.right = right
            self.market = market
            ratio = debt.approximateValue / collateral.approximateValue
        }

        static let empty = Node(debt: .zero, collateral: .zero, left: -1, right: -1, market: -1)
    }

    /// A position as the index holds it.
    public struct Position: Hashable, Sendable {
        /// The market (Maker: the ilk's dense number).
        public var market: Int
        /// Collateral units (Maker: `ink`, WAD).
        public var collateral: UInt256
        /// Debt units, before any market-wide factor (Maker: normalised debt `art`, WAD).
        public var debt: UInt256

        public init(market: Int, collateral: UInt256, debt: UInt256) {
            self.market = market
            self.collateral = collateral
            self.debt = debt
        }
    }

    @usableFromInline var nodes: [Node] = []
    /// Root node of each market's tree, −1 when the market is empty.
    @usableFromInline var roots: [Int32] = []
    /// First node of each market's tree in index order (the most underwater position), −1
    /// when the market is empty: a query that finds it safe is over in one test.
    var firsts: [Int32] = []
    /// Positions per market.
    var counts: [Int] = []
    /// Ordering tests made by updates and removals since creation: for complexity tests.
    package internal(set) var comparisonCount = 0

    /// An empty index.
    public init() {}

    /// Positions held, across all markets.
    public private(set) var count = 0

    /// Positions held in `market`.
    public func count(in market: Int) -> Int {
        market >= 0 && market < counts.count ? counts[market] : 0
    }

    /// The position with id `id`, or nil if the index holds none under that id.
    public func position(_ id: Int) -> Position? {
        guard id >= 0, id < nodes.count, nodes[id].market >= 0 else { return nil }
        let node = nodes[id]
        return Position(market: Int(node.market), collateral: node.collateral, debt: node.debt)
    }

    /// Records position `id`'s current state: call it after every change to the position
    /// (Maker: `frob`, `grab` by `bite`/`bark`, `fork`). A position with no debt is removed,
    /// since it can never be unsafe; one whose state is unchanged costs O(1).
    ///
    /// - Precondition: `0 ≤ id < 2^31` and `0 ≤ market < 2^31`. Ids should be dense (the
    ///   pool grows to the largest id).
    /// - Complexity: O(log N) expected.
    public mutating func update(_ id: Int, market: Int, collateral: UInt256, debt: UInt256) {
        precondition(id >= 0 && id < Int(Int32.max), "position id out of range")
        precondition(market >= 0 && market < Int(Int32.max), "market out of range")
        if id < nodes.count, nodes[id].market == Int32(market), nodes[id].debt == debt,
            nodes[id].collateral == collateral
        {
            return
        }
        remove(id)
        guard !debt.isZero else { return }
        if id >= nodes.count {
            nodes.append(contentsOf: repeatElement(.empty, count: id + 1 - nodes.count))
        }
        if market >= roots.count {
            roots.append(contentsOf: repeatElement(-1, count: market + 1 - roots.count))
            firsts.append(contentsOf: repeatElement(-1, count: market + 1 - firsts.count))
            counts.append(contentsOf: repeatElement(0, count: market + 1 - counts.count))
        }
        nodes[id] = Node(
            debt: debt, collateral: collateral, left: -1, right: -1,
            market: Int32(market))
        roots[market] = insert(Int32(id), into: roots[market])
        // The new first is the old one or this node: one comparison, not a walk.
        let first = firsts[market]
        if first < 0 || precedes(Int32(id), first) { firsts[market] = Int32(id) }
        counts[market] += 1
        count += 1
    }

    /// Records position `id`'s current state.
    public mutating func update(_ id: Int, _ position: Position) {
        update(
            id, market: position.market, collateral: position.collateral,
            debt: position.debt)
    }

    /// Forgets position `id` (closed, or fully liquidated); does nothing if it is absent.
    ///
    /// - Complexity: O(log N) expected.
    public mutating func remove(_ id: Int) {
        guard id >= 0, id < nodes.count, nodes[id].market >= 0 else { return }
        let market = Int(nodes[id].market)
        roots[market] = remove(Int32(id), from: roots[market])
        if firsts[market] == Int32(id) { firsts[market] = leftmost(of: roots[market]) }
        nodes[id] = .empty
        counts[market] -= 1
        count -= 1
    }

    /// Every position of `market` that is unsafe at `threshold`
    /// (`collateral · collateralValue < debt · debtValue`), most underwater first, ties
    /// by id ascending.
    ///
    /// The sequence is a snapshot: mutating the index while holding it copies the pool
    /// once, so consume it first.
    ///
    /// - Complexity: O(log N + k) to enumerate k results.
    public func unsafePositions(in market: Int, at threshold: SafetyThreshold)
        -> UnsafePositions
    {
        let root: Int32 = market >= 0 && market < roots.count ? roots[market] : -1
        return UnsafePositions(nodes: nodes, root: root, threshold: threshold)
    }

    /// Appends to `found` every position of `market` unsafe at `threshold`, in the order of
    /// `unsafePositions(in:at:)`, without an iterator: the walk's path lives in `path`, a
    /// buffer the caller keeps between calls, so a query over many markets allocates
    /// nothing, and a market whose most underwater position is safe costs one test.
    ///
    /// - Complexity: O(1) when nothing is unsafe; O(log N + k) for k results.
    public func appendUnsafePositions(
        in market: Int, at threshold: SafetyThreshold, to found: inout [Int],
        path: inout [Int32]
    ) {
        guard market >= 0, market < roots.count, firsts[market] >= 0 else { return }
        let first = nodes[Int(firsts[market])]
        guard threshold.isUnsafe(collateral: first.collateral, debt: first.debt) else { return }
        path.removeAll(keepingCapacity: true)
        nodes.withUnsafeBufferPointer { nodes in
            var current = roots[market]
            while true {
                while current >= 0 {
                    path.append(current)
                    current = nodes[Int(current)].left
                }
                guard let next = path.popLast() else { return }
                let node = nodes[Int(next)]
                // Every later position is at least as safe: the walk ends here.
                guard threshold.isUnsafe(collateral: node.collateral, debt: node.debt) else {
                    return
                }
                found.append(Int(next))
                current = node.right
            }
        }
    }

    /// Appends to `found` the first `limit` positions of `market` unsafe at `threshold`
    /// (all of them by default), in the order of `unsafePositions(in:at:)` and with the
    /// same screen by ratio, without an iterator: the race ledger and the borrowers ask
    /// for hundreds of positions a block, and the iterator's generic appends and path
    /// checks cost more than the walk.
    ///
    /// - Complexity: O(log N + k) for k results.
    public func appendUnsafePositions(
        in market: Int, at threshold: SafetyThreshold, limit: Int = .max,
        to found: inout [Int]
    ) {
        guard limit > 0, market >= 0, market < roots.count, roots[market] >= 0 else { return }
        let cutoff =
            threshold.collateralValue.approximateValue / threshold.debtValue.approximateValue
        let certainlyUnsafe = cutoff * (1 + 1e-12)
        let certainlySafe = cutoff * (1 - 1e-12)
        // The results are written through a buffer into places reserved at the end of
        // `found` (the unused ones are removed after): the borrowers ask for 256 positions
        // a block, and an array's uniqueness and capacity checks on every append were most
        // of the walk. (A temporary buffer of that size was allocated on the heap, as was
        // the walk's path: two allocations a query, 8 M instructions of the world bench.)
        let capacity = min(limit, counts[market])
        guard capacity > 0 else { return }
        let start = found.count
        found.append(contentsOf: repeatElement(0, count: capacity))
        var taken = 0
        var path = WalkPath()
        defer { path.release() }
        found.withUnsafeMutableBufferPointer { results in
            nodes.withUnsafeBufferPointer { nodes in
                var current = roots[market]
                while true {
                    while current >= 0 {
                        path.push(current)
                        current = nodes[Int(current)].left
                    }
                    guard let next = path.pop() else { return }
                    let node = nodes[Int(next)]
                    let isUnsafe =
                        node.ratio > certainlyUnsafe
                        || (!(node.ratio < certainlySafe)
                            && threshold.isUnsafe(collateral: node.collateral, debt: node.debt))
                    // Every later position is at least as safe: the walk ends here.
                    guard isUnsafe else { return }
                    results[start + taken] = Int(next)
                    taken += 1
                    if taken == capacity { return }
                    current = node.right
                }
            }
        }
        found.removeLast(capacity - taken)
    }

    /// Every Maker vault of `market` the Vat would find unsafe if the ilk were poked at
    /// `price` (WAD) with `terms` — empty when `spot` would be 0 (dss's `spot > 0` guard)
    /// or `poke` would revert.
    ///
    /// - Complexity: O(log N + k).
    public func unsafePositions(in market: Int, atPrice price: UInt256, terms: MakerIlkTerms)
        -> UnsafePositions
    {
        guard let threshold = terms.threshold(atPrice: price) else {
            return UnsafePositions(
                nodes: [], root: -1,
                threshold: SafetyThreshold(collateralValue: .zero, debtValue: .zero))
        }
        return unsafePositions(in: market, at: threshold)
    }

    /// Position `id`'s Maker liquidation price under `terms` (WAD): the vault is unsafe at
    /// price `p` iff `p < liquidationPrice` (and `spot(p) > 0`). Nil if `id` is absent.
    public func liquidationPrice(of id: Int, terms: MakerIlkTerms) -> UInt256? {
        guard let position = position(id) else { return nil }
        return terms.liquidationPrice(collateral: position.collateral, debt: position.debt)
    }
}

extension LiquidationIndex {
    /// The unsafe positions of one market, lazily, in index order (see
    /// `LiquidationIndex.unsafePositions(in:at:)`).
    public struct UnsafePositions: Sequence, Sendable {
        let nodes: [Node]
        let root: Int32
        let threshold: SafetyThreshold

        public func makeIterator() -> Iterator {
            Iterator(nodes: nodes, root: root, threshold: threshold)
        }
    }

    /// An in-order walk of one tree that stops at the first safe position.
    ///
    /// It holds the path from the root to the next position (at most the tree's height):
    /// each node is pushed once, so enumerating k results touches at most
    /// `k + 1 + height` nodes.
    public struct Iterator: IteratorProtocol, Sendable {
        let nodes: [Node]
        let threshold: SafetyThreshold
        /// A position is unsafe iff its `debt / collateral` exceeds
        /// `collateralValue / debtValue`. Node ratios above `certainlyUnsafe` or below
        /// `certainlySafe` (that cutoff's approximation ± 10^-12, relative: both sides are
        /// within ~10^-15 of exact, see `precedes`) are decided without the 512-bit test;
        /// the rest, and infinite or undefined cutoffs, take the exact one.
        let certainlyUnsafe: Double
        let certainlySafe: Double
        var path: [Int32] = []
        /// Nodes touched so far: for complexity tests.
        package private(set) var visitedNodeCount = 0

        init(nodes: [Node], root: Int32, threshold: SafetyThreshold) {
            self.nodes = nodes
            self.threshold = threshold
            let cutoff =
                threshold.collateralValue.approximateValue / threshold.debtValue.approximateValue
            certainlyUnsafe = cutoff * (1 + 1e-12)
            certainlySafe = cutoff * (1 - 1e-12)
            path.reserveCapacity(64)
            descendLeft(from: root)
        }

        /// `threshold.isUnsafe` for the node, screened by its ratio first.
        private func isUnsafe(_ index: Int32) -> Bool {
            let ratio = nodes[Int(index)].ratio
            if ratio > certainlyUnsafe { return true }
            if ratio < certainlySafe { return false }
            return threshold.isUnsafe(
                collateral: nodes[Int(index)].collateral, debt: nodes[Int(index)].debt)
        }

        private mutating func descendLeft(from start: Int32) {
            var current = start
            while current >= 0 {
                path.append(current)
                visitedNodeCount += 1
                current = nodes[Int(current)].left
            }
        }

        public mutating func next() -> Int? {
            guard let current = path.popLast() else { return nil }
            guard isUnsafe(current) else {
                // Every later position is at least as safe: the walk ends here.
                path.removeAll()
                return nil
            }
            descendLeft(from: nodes[Int(current)].right)
            return Int(current)
        }
    }
}

/// The stack of an in-order walk of the treap: node numbers in 64 places of its own (a
/// treap's depth is about 2 ln N, so they nearly always suffice), then in a heap buffer that
/// doubles when full. Released by its owner (`release`).
struct WalkPath {
    private var places = InlineArray<64, Int32>(repeating: -1)
    private var spilled: UnsafeMutablePointer<Int32>?
    private var capacity = 64
    private var count = 0

    mutating func push(_ node: Int32) {
        if var buffer = spilled {
            if count == capacity {
                buffer = buffer.reallocated(count: count, capacity: 2 * capacity)
                spilled = buffer
                capacity *= 2
            }
            buffer[count] = node
        } else if count < 64 {
            places[count] = node
        } else {
            let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * capacity)
            for index in 0..<count { buffer[index] = places[index] }
            buffer[count] = node
            spilled = buffer
            capacity *= 2
        }
        count += 1
    }

    mutating func pop() -> Int32? {
        guard count > 0 else { return nil }
        count -= 1
        if let spilled { return spilled[count] }
        return places[count]
    }

    func release() {
        spilled?.deallocate()
    }
}
