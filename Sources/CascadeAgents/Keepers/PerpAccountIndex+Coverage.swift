import CascadeContracts
import CascadeCore

/// The margin coverage of a perpetuals exchange's open book at given prices: the summed
/// equity of every account holding a position, and the summed maintenance margin of those
/// positions (`blocks.csv`'s `collateral_value` and `debt` in a perpetuals world,
/// docs/outputs.md). Their ratio below 1 means the open accounts, taken together, are under
/// maintenance.
///
/// Both are exact integers in fine units, so no rounding is added on top of the exchange's
/// own: `equity` is in 1e-18 USD (a quantum × 1e-12: `s·p/1e9` and `s·(I − σ)/1e12` are
/// whole there), `maintenanceMargin` in 1e-21 USD (a quantum × 1e-15: `|s|·p·m/1e15` is).
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

/// One side's running sums (`PerpAccountIndex.sideSums`): over the one-position accounts
/// filed there, `Σ s`, `Σ Q` and `Σ s·σ` (size, quote balance, funding snapshot).
struct PerpSideSums: Hashable, Sendable {
    var accounts = 0
    var size = WideSignedInteger.zero
    var quote = WideSignedInteger.zero
    var sizeTimesSnapshot = WideSignedInteger.zero
}

/// What one filed account added to its side's sums, to take it out when it is re-read.
struct PerpFiledTerms: Hashable, Sendable {
    var quote: Int128 = 0
    var size: Int128 = 0
    var snapshot: Int128 = 0
}

// The margin coverage without a scan (docs/model/perpetuals.md, "Margin coverage").
//
// A one-position account's exact equity and requirement, scaled to whole numbers, are
//
//     equity·1e12 = Q·1e12 + s·(p·1e3 − I) + s·σ        MMR·1e15 = |s|·p·m
//
// so over a side (one market, longs or shorts: one `I`, one sign of `s`)
//
//     Σ equity·1e12 = 1e12·ΣQ + (p·1e3 − I)·Σs + Σ s·σ        Σ MMR·1e15 = p·m·|Σs|
//
// and the three running sums, kept wherever `update` re-reads an account, give each side in
// O(1) at any price. The watched accounts (several markets, or a key that overflows) are
// asked one by one with the exchange's own `maintenanceStanding(of:atPrices:)`, whose
// numbers round against the account: below the exact equity by less than 2 quantums a
// position, above the exact requirement by less than 1.
//
// Bounds (why 256 bits never wrap): an account is filed only when its key fits `Int128`,
// so |Q| < 2^78 and |s·σ| < 2^118, and |s| < 2^127; ids are 32-bit, so |ΣQ| < 2^110,
// |Σ s·σ| < 2^150, |Σs| < 2^159, inside ±2^255. Per block the two products are checked
// below 2^200 (otherwise that side is summed account by account with the exchange's rule:
// `coverageFallbacks`), a watched account's numbers are below 2^127·1e15 < 2^177, and at most
// 2^17 sides and 2^32 accounts add up to less than 2^220.
extension PerpAccountIndex {
    /// The bound of a side's per-block products (see above).
    static let coverageLimit = UInt256.one << 200

    /// Whether account `id` is watched (for tests of the coverage sums).
    public func isWatched(_ id: PerpAccountID) -> Bool {
        let raw = Int(id.rawValue)
        return raw < slots.count && slots[raw] == Self.watchedSlot
    }

    /// The margin coverage of `state`'s open accounts with market `i` at `prices[i]` (0 or
    /// missing: the exchange's mark), as `PerpMarginCoverage` defines it. The index must
    /// have been fed every event up to `state`.
    ///
    /// - Complexity: O(markets + w) for w watched accounts (O(side) for a side that falls
    ///   back, which no world does).
    public mutating func marginCoverage(in state: PerpExchange, atPrices prices: [Int128])
        -> PerpMarginCoverage
    {
        var coverage = PerpMarginCoverage()
        for slot in state.markets.indices {
            var price = state.markets[slot].price
            if slot < prices.count, prices[slot] > 0 { price = prices[slot] }
            let fraction = state.markets[slot].terms.maintenanceMarginPpm
            for short in [false, true] {
                let side = 2 * slot + (short ? 1 : 0)
                guard side < sideSums.count, sideSums[side].accounts > 0 else { continue }
                let fundingIndex =
                    short
                    ? state.markets[slot].shortFundingIndex : state.markets[slot].longFundingIndex
                if let totals = Self.sideCoverage(
                    sideSums[side], price: price, fundingIndex: fundingIndex, fraction: fraction)
                {
                    coverage.equity += totals.equity
                    coverage.maintenanceMargin += totals.maintenanceMargin
                } else {
                    coverageFallbacks += 1
                    for raw in slots.indices where slots[raw] == Int32(side) {
                        Self.addStanding(of: raw, state: state, prices: prices, to: &coverage)
                    }
                }
            }
        }
        for raw in watched {
            Self.addStanding(of: raw, state: state, prices: prices, to: &coverage)
        }
        return coverage
    }

    /// One side's `(Σ equity·1e12, Σ MMR·1e15)` from its sums, or nil when a product
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
        guard
            let quote = sums.quote.multiplied(
                by: WideSignedInteger(quoteScale), below: coverageLimit),
            let value = perUnit.multiplied(by: sums.size, below: coverageLimit),
            let requirement = requirementPerUnit.multiplied(by: sizeMagnitude, below: coverageLimit)
        else { return nil }
        var coverage = PerpMarginCoverage()
        coverage.equity = quote + value + sums.sizeTimesSnapshot
        coverage.maintenanceMargin = requirement
        return coverage
    }

    /// Quantums to the coverage's units: 1e12 for equity, 1e15 for the requirement.
    static let quoteScale: Int128 = PerpMath.sizeScale * PerpMath.fundingIndexScale
    static let requirementScale: Int128 = PerpMath.sizeScale * PerpMath.ppm

    /// Adds account `raw`'s equity and maintenance margin by the exchange's own rule at
    /// `prices`; an account whose numbers overflow the exchange's arithmetic is left out
    /// (its every call would revert).
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

    /// Takes account `raw`'s numbers out of side `side`'s sums.
    mutating func removeTerms(of raw: Int, side: Int) {
        let terms = filedTerms[raw]
        sideSums[side].accounts -= 1
        sideSums[side].size -= WideSignedInteger(terms.size)
        sideSums[side].quote -= WideSignedInteger(terms.quote)
        sideSums[side].sizeTimesSnapshot -= .product(terms.size, terms.snapshot)
    }

    /// Files `account`'s numbers (it holds one position) under side `side`.
    mutating func addTerms(of raw: Int, account: PerpAccount, side: Int) {
        let position = account.positions[0]
        let terms = PerpFiledTerms(
            quote: account.quoteBalance, size: position.size, snapshot: position.fundingSnapshot)
        if raw >= filedTerms.count {
            filedTerms.append(
                contentsOf: repeatElement(PerpFiledTerms(), count: raw + 1 - filedTerms.count))
        }
        if side >= sideSums.count {
            sideSums.append(
                contentsOf: repeatElement(PerpSideSums(), count: side + 1 - sideSums.count))
        }
        filedTerms[raw] = terms
        sideSums[side].accounts += 1
        sideSums[side].size += WideSignedInteger(terms.size)
        sideSums[side].quote += WideSignedInteger(terms.quote)
        sideSums[side].sizeTimesSnapshot += .product(terms.size, terms.snapshot)
    }
}
