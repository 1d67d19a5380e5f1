// The treap behind `LiquidationIndex`: a binary search tree in index order that is also a
// max-heap on a fixed hash of each node's id. Insertion splits the subtree where the new
// node's priority belongs; removal merges the node's two children in its place. Both walk
// one root-to-leaf path, so they cost the tree's height: O(log N) expected, and the same
// tree for the same set of positions whatever the order of updates.

extension LiquidationIndex {
    /// The node's heap priority: the SplitMix64 finaliser of its id, a bijection, so no
    /// two nodes tie.
    static func priority(_ id: Int32) -> UInt64 {
        var z = UInt64(UInt32(bitPattern: id)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Whether node `a` comes before node `b` in index order: larger `debt / collateral`
    /// first (`a.debt · b.collateral > b.debt · a.collateral`), then smaller id.
    ///
    /// The exact comparison multiplies 256-bit numbers, and an insertion makes a dozen of
    /// them; the nodes' floating-point ratios decide first whenever they are far enough
    /// apart to be sure. Each ratio is within about 10 · 2^-53 (relative, ~10^-15) of the
    /// true one — two conversions of three roundings each (`approximateValue`) and a
    /// division — so ratios more than 10^-12 apart (relative) are in the exact order;
    /// closer ones, infinite ones (no collateral) and equal ones are compared exactly. The
    /// order, and so the tree, is the exact one either way.
    mutating func precedes(_ a: Int32, _ b: Int32) -> Bool {
        comparisonCount += 1
        return nodes.withUnsafeBufferPointer { Self.precedes(a, b, in: $0) }
    }

    /// `precedes` on the nodes' storage (the caller counts the comparison).
    @inline(__always)
    static func precedes(_ a: Int32, _ b: Int32, in nodes: UnsafeBufferPointer<Node>) -> Bool {
        let ratioA = nodes[Int(a)].ratio
        let ratioB = nodes[Int(b)].ratio
        let margin = 1e-12 * max(ratioA, ratioB)
        if ratioA - ratioB > margin { return true }
        if ratioB - ratioA > margin { return false }
        let sign = compareProducts(
            nodes[Int(a)].debt, nodes[Int(b)].collateral, nodes[Int(b)].debt,
            nodes[Int(a)].collateral)
        return sign != 0 ? sign > 0 : a < b
    }

    // The tree's operations walk one path each, as loops over the nodes' storage: the
    // recursive forms they replace checked the array's uniqueness and bounds at every
    // level, and an update of the world bench's shared vault book cost about 4,400
    // instructions. Each loop builds the tree its recursive form (in the comments) built.

    /// Inserts detached node `id` into the subtree at `root`; returns the new root.
    ///
    /// Recursively: at a root of lower priority than `id`, split it around `id` and hang
    /// the halves under `id`; otherwise insert into the side `id` belongs to.
    mutating func insert(_ id: Int32, into root: Int32) -> Int32 {
        var comparisons = 0
        let newRoot = nodes.withUnsafeMutableBufferPointer { nodes -> Int32 in
            let priority = Self.priority(id)
            // Down to where `id`'s priority belongs, remembering the link to it.
            var parent: Int32 = -1
            var onLeft = false
            var current = root
            while current >= 0, Self.priority(current) > priority {
                parent = current
                comparisons += 1
                onLeft = Self.precedes(id, current, in: UnsafeBufferPointer(nodes))
                current = onLeft ? nodes[Int(current)].left : nodes[Int(current)].right
            }
            let (before, after) = Self.split(
                current, around: id, in: nodes, comparisons: &comparisons)
            nodes[Int(id)].left = before
            nodes[Int(id)].right = after
            return Self.hang(id, under: parent, onLeft: onLeft, root: root, in: nodes)
        }
        comparisonCount += comparisons
        return newRoot
    }

    /// Hangs `subtree` where a descent from `root` stopped, on the `onLeft` side of
    /// `parent` (−1: at the top, so `subtree` is the new root); returns the root.
    @inline(__always)
    static func hang(
        _ subtree: Int32, under parent: Int32, onLeft: Bool, root: Int32,
        in nodes: UnsafeMutableBufferPointer<Node>
    ) -> Int32 {
        guard parent >= 0 else { return subtree }
        if onLeft { nodes[Int(parent)].left = subtree } else { nodes[Int(parent)].right = subtree }
        return root
    }

    /// Splits the subtree at `root` into the nodes before `pivot` and those after it.
    ///
    /// Recursively: a root before `pivot` keeps its left subtree and takes the first half
    /// of splitting its right one; a root after it, the mirror. The loop keeps the two
    /// halves' open ends: the right link of the last node taken before, the left link of
    /// the last node taken after.
    static func split(
        _ root: Int32, around pivot: Int32, in nodes: UnsafeMutableBufferPointer<Node>,
        comparisons: inout Int
    ) -> (Int32, Int32) {
        var before: Int32 = -1
        var after: Int32 = -1
        var lastBefore: Int32 = -1
        var lastAfter: Int32 = -1
        var current = root
        while current >= 0 {
            comparisons += 1
            if precedes(current, pivot, in: UnsafeBufferPointer(nodes)) {
                if lastBefore < 0 {
                    before = current
                } else {
                    nodes[Int(lastBefore)].right = current
                }
                lastBefore = current
                current = nodes[Int(current)].right
            } else {
                if lastAfter < 0 { after = current } else { nodes[Int(lastAfter)].left = current }
                lastAfter = current
                current = nodes[Int(current)].left
            }
        }
        if lastBefore >= 0 { nodes[Int(lastBefore)].right = -1 }
        if lastAfter >= 0 { nodes[Int(lastAfter)].left = -1 }
        return (before, after)
    }

    /// The first node in index order of the subtree at `root` (−1 for an empty one).
    func leftmost(of root: Int32) -> Int32 {
        nodes.withUnsafeBufferPointer { nodes in
            var current = root
            while current >= 0, nodes[Int(current)].left >= 0 {
                current = nodes[Int(current)].left
            }
            return current
        }
    }

    /// Joins two subtrees where every node of `first` precedes every node of `second`.
    ///
    /// Recursively: the root of higher priority stays on top, its inner side (the right
    /// one of `first`'s root, the left one of `second`'s) joined with the other subtree.
    static func merge(
        _ first: Int32, _ second: Int32, in nodes: UnsafeMutableBufferPointer<Node>
    ) -> Int32 {
        var result: Int32 = -1
        var parent: Int32 = -1
        var onRight = false
        var first = first
        var second = second
        func link(_ node: Int32) {
            if parent < 0 {
                result = node
            } else if onRight {
                nodes[Int(parent)].right = node
            } else {
                nodes[Int(parent)].left = node
            }
        }
        while first >= 0, second >= 0 {
            if priority(first) > priority(second) {
                link(first)
                parent = first
                onRight = true
                first = nodes[Int(first)].right
            } else {
                link(second)
                parent = second
                onRight = false
                second = nodes[Int(second)].left
            }
        }
        link(first >= 0 ? first : second)
        return result
    }

    /// Removes node `id` from the subtree at `root`, where it must be; returns the new root.
    ///
    /// Recursively: at `id`, join its two subtrees in its place; otherwise remove it from
    /// the side it belongs to.
    mutating func remove(_ id: Int32, from root: Int32) -> Int32 {
        var comparisons = 0
        let newRoot = nodes.withUnsafeMutableBufferPointer { nodes -> Int32 in
            var parent: Int32 = -1
            var onLeft = false
            var current = root
            while current != id {
                precondition(
                    current >= 0, "LiquidationIndex: position missing from its market's tree")
                parent = current
                comparisons += 1
                onLeft = Self.precedes(id, current, in: UnsafeBufferPointer(nodes))
                current = onLeft ? nodes[Int(current)].left : nodes[Int(current)].right
            }
            let joined = Self.merge(nodes[Int(id)].left, nodes[Int(id)].right, in: nodes)
            return Self.hang(joined, under: parent, onLeft: onLeft, root: root, in: nodes)
        }
        comparisonCount += comparisons
        return newRoot
    }
}

// MARK: - Checks for tests

extension LiquidationIndex {
    /// Height of `market`'s tree (0 when empty).
    package func height(in market: Int) -> Int {
        guard market >= 0, market < roots.count else { return 0 }
        var deepest = 0
        var stack: [(Int32, Int)] = roots[market] >= 0 ? [(roots[market], 1)] : []
        while let (node, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            for child in [nodes[Int(node)].left, nodes[Int(node)].right] where child >= 0 {
                stack.append((child, depth + 1))
            }
        }
        return deepest
    }

    /// Every id of `market` in index order (an unconditional in-order walk).
    package func orderedIDs(in market: Int) -> [Int] {
        let always = SafetyThreshold(collateralValue: .zero, debtValue: .max)
        return Array(unsafePositions(in: market, at: always))
    }

    /// Traps unless every tree is in order, heap-ordered, holds exactly the positions of
    /// its market, and the counts agree. O(N): for tests.
    package func checkInvariants() {
        var seen = [Bool](repeating: false, count: nodes.count)
        var total = 0
        for market in roots.indices {
            let ids = orderedIDs(in: market)
            precondition(ids.count == counts[market], "market \(market): count mismatch")
            precondition(firsts[market] == (ids.first.map(Int32.init) ?? -1), "first mismatch")
            for (offset, id) in ids.enumerated() {
                precondition(!seen[id], "position \(id) reachable twice")
                seen[id] = true
                precondition(nodes[id].market == Int32(market), "position \(id) in wrong tree")
                precondition(!nodes[id].debt.isZero, "position \(id) has no debt")
                for child in [nodes[id].left, nodes[id].right] where child >= 0 {
                    precondition(
                        Self.priority(child) < Self.priority(Int32(id)), "heap order broken")
                }
                if offset > 0 {
                    let previous = nodes[ids[offset - 1]]
                    let sign = compareProducts(
                        previous.debt, nodes[id].collateral, nodes[id].debt,
                        previous.collateral)
                    precondition(sign > 0 || (sign == 0 && ids[offset - 1] < id), "order broken")
                }
            }
            total += ids.count
        }
        precondition(total == count, "total count mismatch")
        for id in nodes.indices where !seen[id] {
            precondition(nodes[id].market < 0, "position \(id) unreachable")
        }
    }
}
