import CascadeContracts
import CascadeCore

/// The margin coverage of a perpetuals exchange's open book at given prices: the summed
/// equity of every account holding a position, and the summed maintenance margin of those
/// positions (`blocks.csv`'s `collateral_value` and `debt` in a perpetuals world,
/// docs/outputs.md). Their ratio below 1 means the open accounts, taken together, are under
/// maintenance.
///
/// Both are the exact sums of the exchange's formulas, with no rounding, in units where they
/// are whole: `equity` in 1e-18 USD (a quantum × 1e-12: `s·p/1e9` and `s·(I − σ)/1e12` are
/// whole there), `maintenanceMargin` in 1e-21 USD (a quantum × 1e-15: `|s|·p·m/1e15` is).
/// The exchange's own per-account numbers round against the account: below the exact equity
/// by less than 2 quantums a position, above the exact requirement by less than 1.
public struct PerpMarginCoverage: Hashable, Sendable {
    /// Σ equity, 1e-18 USD, signed: an account in deficit subtracts.
    public internal(set) var equity = WideSignedInteger.zero
    /// Σ maintenance margin, 1e-21 USD, never negative.
    public internal(set) var maintenanceMargin = WideSignedInteger.zero

    /// The decimals of `equity` and `maintenanceMargin` as USD amounts.
    public static let equityScale = 18
    public static let maintenanceScale = 21

    public init() {}
}

/// One side's running sums (`PerpAccountIndex.sideSums`) over the summed positions there:
/// their number, `Σ s` and `Σ s·σ` (size, funding snapshot).
struct PerpSideSums: Hashable, Sendable {
    var positions = 0
    var size = WideSignedInteger.zero
    var sizeTimesSnapshot = WideSignedInteger.zero
}

/// What one position added to its side's sums.
struct PerpPositionTerms: Hashable, Sendable {
    var side: Int32
    var size: Int128
    var snapshot: Int128
}

/// What one account added to the sums, to take it out when it is re-read: its quote
/// balance and its positions' terms (the first inline, so a one-position account, nearly
/// every account, allocates nothing).
struct PerpFiledTerms: Hashable, Sendable {
    var summed = false
    var quote: Int128 = 0
    var first = PerpPositionTerms(side: 0, size: 0, snapshot: 0)
    var others: [PerpPositionTerms] = []
}

// The margin coverage without a scan (docs/model/perpetuals.md, "Margin coverage").
//
// An account's exact equity and requirement, scaled to whole numbers, are
//
//     equity·1e12 = Q·1e12 + Σ [s·(p·1e3 − I) + s·σ]        MMR·1e15 = Σ |s|·p·m
//
// over its positions. Both are linear, so over the whole book, with the positions grouped
// by side (one market, longs or shorts: one `I`, one sign of `s`),
//
//     Σ equity·1e12 = 1e12·ΣQ + Σ_sides [(p·1e3 − I)·Σs + Σ s·σ]     Σ MMR·1e15 = Σ_sides p·m·|Σs|
//
// and the running sums, kept wherever `update` re-reads an account, give the book in
// O(markets) at any prices, exactly, whatever markets each account holds.
//
// Bounds (why 256 bits never wrap): an account is summed only when `Q·1e15` and every
// `s·σ·1e3` fit `Int128` (the index key's own bounds), so |Q| < 2^78 and |s·σ| < 2^118, and
// |s| < 2^127; with 32-bit ids and 16-bit markets there are fewer than 2^48 positions, so
// |ΣQ| < 2^110, |Σ s·σ| < 2^166 and |Σs| < 2^175, inside ±2^255. Per block each side's two
// products are checked below 2^200; the accounts too wide to sum (`unsummed`) are asked
// one by one with the exchange's own `maintenanceStanding(of:atPrices:)`, whose numbers are
// below 2^127·1e15 < 2^177; at most 2^17 sides and 2^32 accounts add up to less than 2^220.
// If a product passes its bound, that block's coverage is summed account by account with
// the exchange's rule instead (`coverageFallbacks`; no world comes near).
extension PerpAccountIndex {
    /// The bound of a side's per-block products (see above).
    static let coverageLimit = UInt256.one << 200

    /// Whether account `id`'s numbers are in the running sums (it holds a position and
    /// they fit; for tests).
    public func isSummed(_ id: PerpAccountID) -> Bool {
        let raw = Int(id.rawValue)
        return raw < filedTerms.count && filedTerms[raw].summed
    }

    /// The margin coverage of `state`'s open accounts with market `i` at `prices[i]` (0 or
    /// missing: the exchange's mark), as `PerpMarginCoverage` defines it. The index must
    /// have been fed every event up to `state`.
    ///
    /// - Complexity: O(markets + u) for u accounts too wide to sum (none in any world).
    public mutating func marginCoverage(in state: PerpExchange, atPrices prices: [Int128])
        -> PerpMarginCoverage
    {
        var coverage = PerpMarginCoverage()
        guard let quote = quoteSum.multiplied(by: .init(Self.quoteScale), below: Self.coverageLimit)
        else { return fallbackCoverage(in: state, atPrices: prices) }
        coverage.equity = quote
        for slot in state.markets.indices {
            var price = state.markets[slot].price
            if slot < prices.count, prices[slot] > 0 { price = prices[slot] }
            let fraction = state.markets[slot].terms.maintenanceMarginPpm
            for short in [false, true] {
                let side = 2 * slot + (short ? 1 : 0)
                guard side < sideSums.count, sideSums[side].positions > 0 else { continue }
                let fundingIndex =
                    short
                    ? state.markets[slot].shortFundingIndex : state.markets[slot].longFundingIndex
                guard
                    let totals = Self.sideCoverage(
                        sideSums[side], price: price, fundingIndex: fundingIndex,
                        fraction: fraction)
                else { return fallbackCoverage(in: state, atPrices: prices) }
                coverage.equity += totals.equity
                coverage.maintenanceMargin += totals.maintenanceMargin
            }
        }
        for raw in unsummed {
            Self.addStanding(of: raw, state: state, prices: prices, to: &coverage)
        }
        return coverage
    }

    /// Every account holding a position by the exchange's rule: the fallback.
    mutating func fallbackCoverage(in state: PerpExchange, atPrices prices: [Int128])
        -> PerpMarginCoverage
    {
        coverageFallbacks += 1
        var coverage = PerpMarginCoverage()
        for raw in 0..<state.accountCount {
            Self.addStanding(of: raw, state: state, prices: prices, to: &coverage)
        }
        return coverage
    }

    /// One side's `(Σ (p·1e3 − I)·s + s·σ, Σ |s|·p·m)` from its sums, or nil when a product
    /// reaches `coverageLimit`.
    static func sideCoverage(
        _ sums: PerpSideSums, price: Int128, fundingIndex: Int128, fraction: Int128
    ) -> PerpMarginCoverage? {
        // p·1e3 − I and p·m: products of two Int128 (exact), and a difference far from 2^255.
        let perUnit =
            WideSignedInteger.product(price, PerpMath.fundingIndexScale)
            - WideSignedInteger(fundingIndex)
        let requirementPerUnit = WideSignedInteger.product(price, fraction)
        let sizeMagnitude = WideSignedInteger(negative: false, magnitude: sums.size.magnitude)
        guard let value = perUnit.multiplied(by: sums.size, below: coverageLimit),
            let requirement = requirementPerUnit.multiplied(by: sizeMagnitude, below: coverageLimit)
        else { return nil }
        var coverage = PerpMarginCoverage()
        coverage.equity = value + sums.sizeTimesSnapshot
        coverage.maintenanceMargin = requirement
        return coverage
    }

    /// Quantums to the coverage's units: 1e12 for equity, 1e15 for the requirement.
    static let quoteScale: Int128 = PerpMath.sizeScale * PerpMath.fundingIndexScale
    static let requirementScale: Int128 = PerpMath.sizeScale * PerpMath.ppm

    /// Adds account `raw`'s equity and maintenance margin by the exchange's own rule at
    /// `prices`; an account without positions adds nothing, and one whose numbers overflow
    /// the exchange's arithmetic is left out (its every call would revert).
    static func addStanding(
        of raw: Int, state: PerpExchange, prices: [Int128], to coverage: inout PerpMarginCoverage
    ) {
        let id = PerpAccountID(UInt32(raw))
        guard !state.account(id).positions.isEmpty,
            let standing = try? state.maintenanceStanding(of: id, atPrices: prices)
        else { return }
        coverage.equity += .product(standing.equity, quoteScale)
        coverage.maintenanceMargin += .product(standing.maintenanceMargin, requirementScale)
    }

    /// Replaces what account `raw` added to the sums by what `account` (its new state) adds.
    mutating func refileTerms(of raw: Int, account: PerpAccount) {
        if raw >= filedTerms.count {
            filedTerms.append(
                contentsOf: repeatElement(PerpFiledTerms(), count: raw + 1 - filedTerms.count))
        }
        if filedTerms[raw].summed {
            let old = filedTerms[raw]
            quoteSum -= WideSignedInteger(old.quote)
            remove(old.first)
            for terms in old.others { remove(terms) }
            filedTerms[raw].summed = false
            filedTerms[raw].others = []
        }
        let wasUnsummed = Self.contains(unsummed, raw)
        guard !account.positions.isEmpty else {
            if wasUnsummed { Self.remove(raw, from: &unsummed) }
            return
        }
        guard let terms = Self.terms(of: account) else {
            if !wasUnsummed { Self.insert(raw, into: &unsummed) }
            return
        }
        if wasUnsummed { Self.remove(raw, from: &unsummed) }
        quoteSum += WideSignedInteger(terms.quote)
        add(terms.first)
        for position in terms.others { add(position) }
        filedTerms[raw] = terms
    }

    /// `account`'s terms (it holds a position), or nil when they are too wide to sum.
    static func terms(of account: PerpAccount) -> PerpFiledTerms? {
        guard !account.quoteBalance.multipliedReportingOverflow(by: quoteBound).overflow
        else { return nil }
        var terms = PerpFiledTerms(summed: true, quote: account.quoteBalance)
        for (offset, position) in account.positions.enumerated() {
            let (product, overflow) = position.size.multipliedReportingOverflow(
                by: position.fundingSnapshot)
            guard !overflow, !product.multipliedReportingOverflow(by: 1_000).overflow,
                position.size != .min
            else { return nil }
            let side = Int32(2 * Int(position.market.rawValue) + (position.size < 0 ? 1 : 0))
            let entry = PerpPositionTerms(
                side: side, size: position.size, snapshot: position.fundingSnapshot)
            if offset == 0 { terms.first = entry } else { terms.others.append(entry) }
        }
        return terms
    }

    /// `Q` must fit `Int128` times this (the key's `Q·1e15`).
    static let quoteBound: Int128 = PerpMath.sizeScale * PerpMath.ppm

    private mutating func add(_ terms: PerpPositionTerms) {
        let side = Int(terms.side)
        if side >= sideSums.count {
            sideSums.append(
                contentsOf: repeatElement(PerpSideSums(), count: side + 1 - sideSums.count))
        }
        sideSums[side].positions += 1
        sideSums[side].size += WideSignedInteger(terms.size)
        sideSums[side].sizeTimesSnapshot += .product(terms.size, terms.snapshot)
    }

    private mutating func remove(_ terms: PerpPositionTerms) {
        let side = Int(terms.side)
        sideSums[side].positions -= 1
        sideSums[side].size -= WideSignedInteger(terms.size)
        sideSums[side].sizeTimesSnapshot -= .product(terms.size, terms.snapshot)
    }

    private static func position(of raw: Int, in list: [Int]) -> Int {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle] < raw { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private static func contains(_ list: [Int], _ raw: Int) -> Bool {
        let at = position(of: raw, in: list)
        return at < list.count && list[at] == raw
    }

    private static func insert(_ raw: Int, into list: inout [Int]) {
        list.insert(raw, at: position(of: raw, in: list))
    }

    private static func remove(_ raw: Int, from list: inout [Int]) {
        let at = position(of: raw, in: list)
        if at < list.count && list[at] == raw { list.remove(at: at) }
    }
}
