import CascadeCore

/// Lending positions ordered so that a keeper finds, per (collateral, debt) pair, exactly
/// the accounts the pool would liquidate, in O(log N + k) — never by scanning every
/// position.
///
/// **Why Maker's index alone is not enough.** A Maker vault is unsafe iff
/// `ink · spot < art · rate`: one exact product each side, monotone in `art / ink`. Aave's
/// health factor rounds between the products (`rayMul` half up, the base-currency value
/// down, `percentMul`, `wadDiv`) and Compound truncates at every step, so two positions
/// with the same ratio can fall on different sides of the line, and a tiny position's
/// rounding can matter more than its ratio. The walk must not stop at the first safe
/// position.
///
/// **What it does instead.** Each position `(c, d)` (`LendingPoolReader` keys: scaled
/// balances) sits in two `LiquidationIndex` trees of its pair's market:
///
/// - the *band* tree, by `d / c` descending, exactly as Maker's;
/// - the *dust* tree, by `c` ascending.
///
/// With `x = c · k_c`, `y = d · k_d` and the pool's computed `C`, `D` within
/// `C ≥ x(1 − ρ) − E`, `D ≤ y(1 + ρ) + E` (`LendingPairTerms`), liquidation needs `C < D`,
/// so `x(1 − ρ) − y(1 + ρ) < 2E`. A query walks
///
/// 1. the band: every position with `x(1 − ρ) < y(1 + ρ)(1 + δ)`, a prefix of the ratio
///    order (δ = 10⁻⁶, the integers of the comparison rounded so the prefix can only be
///    longer);
/// 2. the dust: every position with `c < 8E / (δ · k_c)`, a prefix of the `c` order.
///
/// and tests each candidate with the pool's own arithmetic (`isLiquidatable`). A
/// position outside both has `x(1 − ρ) − y(1 + ρ) ≥ x(1 − ρ)δ/(1 + δ) ≥ xδ/4 ≥ 2E`, so it
/// cannot be liquidatable: the answer is exactly the pool's, and the walk visits the
/// liquidatable positions, those within a millionth of the line, and positions whose
/// collateral is worth less than about `8E / δ` (Aave: a few hundred dollars of USDC at
/// most) — a handful, not N.
///
/// Positions with no debt or no collateral are not kept: the first can never be
/// liquidated, the second has nothing left to seize (its debt is bad debt).
///
/// **Order of results.** Band candidates in ratio order (most underwater first, ties by
/// id), then dust candidates not already returned, by `c` ascending. Depends only on the
/// set of positions, never on update order or hashing.
///
/// **Complexity.** `update`, `remove`: O(log N) expected (two trees). `liquidatable`:
/// O(log N + b + s) for b positions in the band and s in the dust prefix; memory two
/// 80-byte nodes per id plus a 16-byte stamp.
public struct LendingLiquidationIndex: Sendable {
    /// δ: the band's relative width beyond the line.
    public static let bandWidth = 1e-6

    var band = LiquidationIndex()
    var dust = LiquidationIndex()
    /// Per id, the query that last returned it (to drop dust candidates the band gave).
    var seen: [Int] = []
    /// Per market, the first id of each order: −1 when the market is empty, −2 when not
    /// known since its last change. A query that finds nothing (most of them) then reads
    /// two slots instead of descending two trees.
    var bandFirst: [Int32] = []
    var dustFirst: [Int32] = []
    var query = 0
    /// Positions visited by queries so far (candidates tested), for complexity tests.
    public private(set) var visitedCount = 0

    public init() {}

    /// Positions held.
    public var count: Int { band.count }

    /// Positions held in `market`.
    public func count(in market: Int) -> Int { band.count(in: market) }

    /// The market `id` is held in, or nil. O(1).
    public func market(of id: Int) -> Int? {
        guard id >= 0, id < band.nodes.count, band.nodes[id].market >= 0 else { return nil }
        return Int(band.nodes[id].market)
    }

    /// The key held for `id`, or nil.
    public func position(_ id: Int) -> LiquidationIndex.Position? { band.position(id) }

    /// Records position `id` of `market` as `(collateral, debt)`; removes it when either is
    /// zero. O(log N) expected.
    public mutating func update(_ id: Int, market: Int, collateral: UInt256, debt: UInt256) {
        guard !collateral.isZero, !debt.isZero else {
            remove(id)
            return
        }
        if let held = self.market(of: id) { forgetFirst(held) }
        forgetFirst(market)
        band.update(id, market: market, collateral: collateral, debt: debt)
        dust.update(id, market: market, collateral: collateral, debt: .one)
        if id >= seen.count {
            seen.append(contentsOf: repeatElement(0, count: id + 1 - seen.count))
        }
    }

    /// Forgets position `id`. O(log N) expected.
    public mutating func remove(_ id: Int) {
        if let held = market(of: id) { forgetFirst(held) }
        band.remove(id)
        dust.remove(id)
    }

    /// The positions of `market` the pool would liquidate under `terms`, as decided by
    /// `isLiquidatable` (the pool's own test) for each candidate; at most `limit`.
    public mutating func liquidatable(
        in market: Int, terms: LendingPairTerms, limit: Int = .max,
        _ isLiquidatable: (Int) -> Bool
    ) -> [Int] {
        liquidatable(in: market, bounds: Bounds(terms), limit: limit, isLiquidatable)
    }

    /// The same, with the bounds of `terms` worked out beforehand (they are the same for
    /// every bucket of a pair, and for every keeper asking about one block).
    public mutating func liquidatable(
        in market: Int, bounds: Bounds, limit: Int = .max, _ isLiquidatable: (Int) -> Bool
    ) -> [Int] {
        query += 1
        var found: [Int] = []
        guard limit > 0 else { return found }
        // Most queries find nothing: look at the first position of each order before
        // setting up a walk (which allocates its path).
        let (bandEmpty, dustEmpty) = emptiness(in: market, bounds: bounds)
        if bandEmpty && dustEmpty { return found }
        for id in band.unsafePositions(in: market, at: bounds.band) {
            visitedCount += 1
            seen[id] = query
            if isLiquidatable(id) {
                found.append(id)
                if found.count >= limit { return found }
            }
        }
        guard let cap = bounds.dustCap, !dustEmpty else { return found }
        let threshold = SafetyThreshold(collateralValue: .one, debtValue: cap)
        for id in dust.unsafePositions(in: market, at: threshold) where seen[id] != query {
            visitedCount += 1
            if isLiquidatable(id) {
                found.append(id)
                if found.count >= limit { return found }
            }
        }
        return found
    }

    /// The first `cap` candidates a query of `market` under `bounds` visits, untested, in
    /// the order it visits them: the band prefix, then the dust prefix less the band's.
    /// A query that tests each in turn and stops at its limit returns what
    /// `liquidatable(in:bounds:limit:_:)` returns; leaving some ids out of the index
    /// leaves them out of the walk and changes nothing else (both prefixes are sets of
    /// positions, ordered by their keys). O(log N + min(cap, b + s)).
    public mutating func sequence(in market: Int, bounds: Bounds, cap: Int = .max) -> Sequence {
        query += 1
        var result = Sequence()
        let (bandEmpty, dustEmpty) = emptiness(in: market, bounds: bounds)
        if !bandEmpty {
            for id in band.unsafePositions(in: market, at: bounds.band) {
                if result.count >= cap { return result }
                seen[id] = query
                result.band.append(id)
            }
        }
        if let dustCap = bounds.dustCap, !dustEmpty {
            let threshold = SafetyThreshold(collateralValue: .one, debtValue: dustCap)
            for id in dust.unsafePositions(in: market, at: threshold) where seen[id] != query {
                if result.count >= cap { return result }
                result.dust.append(id)
            }
        }
        result.complete = true
        return result
    }

    /// The candidates of one bucket (`sequence(in:bounds:cap:)`): band ids in ratio
    /// order, then dust ids by collateral ascending; `complete` when nothing follows.
    public struct Sequence: Sendable {
        public var band: [Int] = []
        public var dust: [Int] = []
        public var complete = false

        public var count: Int { band.count + dust.count }

        /// The `position`th candidate, band first.
        public subscript(position: Int) -> Int {
            position < band.count ? band[position] : dust[position - band.count]
        }
    }

    /// Whether `market` has no band candidate and no dust candidate under `bounds`: the
    /// first position of each order decides, O(1) when the market has not changed since
    /// the last query, else O(log N); no walk.
    public mutating func emptiness(in market: Int, bounds: Bounds) -> (band: Bool, dust: Bool) {
        guard market >= 0 else { return (true, true) }
        if market >= bandFirst.count {
            bandFirst.append(contentsOf: repeatElement(-2, count: market + 1 - bandFirst.count))
            dustFirst.append(contentsOf: repeatElement(-2, count: market + 1 - dustFirst.count))
        }
        if bandFirst[market] == -2 { bandFirst[market] = band.firstID(in: market) }
        let bandEmpty: Bool
        if bandFirst[market] >= 0 {
            let node = band.nodes[Int(bandFirst[market])]
            bandEmpty = !bounds.band.isUnsafe(collateral: node.collateral, debt: node.debt)
        } else {
            bandEmpty = true
        }
        guard let cap = bounds.dustCap else { return (bandEmpty, true) }
        if dustFirst[market] == -2 { dustFirst[market] = dust.firstID(in: market) }
        let first = dustFirst[market]
        return (bandEmpty, first < 0 || dust.nodes[Int(first)].collateral >= cap)
    }

    /// Marks `market`'s first positions as not known (after a change in it).
    private mutating func forgetFirst(_ market: Int) {
        guard market < bandFirst.count else { return }
        bandFirst[market] = -2
        dustFirst[market] = -2
    }

    /// What a query needs of `LendingPairTerms`, worked out once per terms: the band's
    /// threshold and the dust prefix's cap (`bandThreshold`, `dustCap`). Two `Double` to
    /// 256-bit conversions, which cost more than the rest of a query that finds nothing.
    public struct Bounds: Hashable, Sendable {
        public var band: SafetyThreshold
        public var dustCap: UInt256?

        public init(_ terms: LendingPairTerms) {
            band = LendingLiquidationIndex.bandThreshold(terms)
            dustCap = LendingLiquidationIndex.dustCap(terms)
        }
    }

    /// The band as a `SafetyThreshold` (`c · V < d · W`): `V / W` at most
    /// `k_c(1 − ρ) / (k_d(1 + ρ)(1 + δ))`, rounded so the prefix can only grow. With no
    /// collateral value (no threshold, or a pair that cannot be bounded) every position
    /// is in the band.
    static func bandThreshold(_ terms: LendingPairTerms) -> SafetyThreshold {
        let collateral = terms.collateralValue * (1 - terms.relativeError)
        let debt =
            terms.debtValue * (1 + terms.relativeError) * (1 + bandWidth) * (1 + 1e-12)
        let ratio = collateral / debt
        guard ratio.isFinite, ratio > 0, debt > 0 else {
            return SafetyThreshold(collateralValue: .zero, debtValue: .one)
        }
        // V/W ≈ ratio with 60 significant bits, V rounded down.
        let exponent = 60 - Int(DeterministicLog2.floor(ratio))
        if exponent <= 0 {
            let value = UInt256(truncating: ratio) ?? .max
            return SafetyThreshold(collateralValue: value, debtValue: .one)
        }
        guard exponent < 190 else {
            return SafetyThreshold(collateralValue: .zero, debtValue: .one)
        }
        let scaled = ratio * DeterministicLog2.power(exponent)
        let value = UInt256(truncating: scaled) ?? .zero
        return SafetyThreshold(collateralValue: value, debtValue: .one << exponent)
    }

    /// The dust prefix's bound on `c`, rounded up: `8E / (δ · k_c)`; nil when the band
    /// already holds every position (no collateral value).
    static func dustCap(_ terms: LendingPairTerms) -> UInt256? {
        guard terms.collateralValue > 0, terms.collateralValue.isFinite else { return nil }
        let cap = 8 * (terms.absoluteError + 1) / (bandWidth * terms.collateralValue)
        guard cap.isFinite, let value = UInt256(truncating: (cap * (1 + 1e-9)).rounded(.up))
        else { return .max }
        return value + .one
    }
}

extension LiquidationIndex {
    /// The id of the first position of `market` in index order (its most underwater), or
    /// −1 when the market is empty, without setting up a walk. O(log N).
    func firstID(in market: Int) -> Int32 {
        guard market >= 0, market < roots.count else { return -1 }
        var current = roots[market]
        guard current >= 0 else { return -1 }
        while nodes[Int(current)].left >= 0 { current = nodes[Int(current)].left }
        return current
    }
}

/// Exact powers of two and floor(log2) for positive finite doubles, by the exponent
/// field (no libm, so the same on every platform).
enum DeterministicLog2 {
    /// ⌊log2 x⌋ for x > 0.
    static func floor(_ x: Double) -> Int {
        Int(x.exponent)
    }

    /// 2^n.
    static func power(_ n: Int) -> Double {
        Double(sign: .plus, exponent: n, significand: 1)
    }
}
