import CascadeCore
import CascadeKernel
import CascadeTestSupport

@testable import CascadeAgents

/// A Maker-shaped book of vaults for keeper-index tests, with the brute-force answer the
/// index must match: every vault checked with the Vat's own integer rule.
struct KeeperIndexBook {
    struct Vault: Equatable {
        var market: Int
        var ink: UInt256
        var art: UInt256
    }

    /// Vault by dense id; nil for ids with no vault.
    var vaults: [Vault?]
    /// Per market: `rate`, `mat`, `par`.
    var terms: [MakerIlkTerms]

    /// The Spotter's `spot`, written out independently of `MakerIlkTerms.spot(atPrice:)`:
    /// `rdiv(rdiv(price · 1e9, par), mat)`.
    static func spot(price: UInt256, terms: MakerIlkTerms) -> UInt256 {
        rdiv(rdiv(price * 1_000_000_000, terms.par), terms.mat)
    }

    /// dss `vat`'s liquidation check: `spot > 0 && ink · spot < art · rate`.
    static func vatUnsafe(ink: UInt256, art: UInt256, spot: UInt256, rate: UInt256) -> Bool {
        guard spot > .zero else { return false }
        let collateral = ink.multipliedFullWidth(by: spot)
        let owed = art.multipliedFullWidth(by: rate)
        return (collateral.high, collateral.low) < (owed.high, owed.low)
    }

    /// A vault exactly on the line at `spot`: `ink · spot == art · rate`, the smallest such
    /// pair times `multiple`. Safe at `spot`, unsafe one wei of spot lower.
    static func vaultOnBoundary(spot: UInt256, rate: UInt256, multiple: UInt256)
        -> (ink: UInt256, art: UInt256)
    {
        var (a, b) = (spot, rate)
        while !b.isZero { (a, b) = (b, a % b) }
        return (rate / a * multiple, spot / a * multiple)
    }

    /// Whether vault `a` is more underwater than `b`: `a.art/a.ink > b.art/b.ink`, then id.
    func isBefore(_ a: Int, _ b: Int) -> Bool {
        guard let x = vaults[a], let y = vaults[b] else { return a < b }
        let left = x.art.multipliedFullWidth(by: y.ink)
        let right = y.art.multipliedFullWidth(by: x.ink)
        if left != right { return (left.high, left.low) > (right.high, right.low) }
        return a < b
    }

    /// Brute force: every vault of `market` unsafe at `price`, by id.
    func unsafe(in market: Int, atPrice price: UInt256) -> [Int] {
        let terms = terms[market]
        let spot = Self.spot(price: price, terms: terms)
        let ids = vaults.indices.filter { id in
            guard let vault = vaults[id], vault.market == market else { return false }
            return Self.vatUnsafe(ink: vault.ink, art: vault.art, spot: spot, rate: terms.rate)
        }
        return ids
    }

    /// Whether `ids` lists exactly the vaults of `unsafe(in:atPrice:)` in the index's
    /// documented order. The order is strict and total, so "the same set, each neighbour
    /// in order" is "the sorted list", at k − 1 comparisons instead of a sort.
    func isExpected(_ ids: [Int], in market: Int, atPrice price: UInt256) -> Bool {
        guard ids.sorted() == unsafe(in: market, atPrice: price) else { return false }
        return zip(ids, ids.dropFirst()).allSatisfy { isBefore($0, $1) }
    }
}

/// Random WAD/RAY amounts with many magnitudes and ragged low digits, so ties, exact
/// boundaries and rounding all occur.
extension RandomStream {
    mutating func amount(wholeBelow: UInt64) -> UInt256 {
        let whole = UInt256(uniformInt(below: wholeBelow))
        let fraction = UInt256(uniformInt(below: 1_000_000_000_000_000_000))
        switch uniformInt(below: 4) {
        case 0: return whole * .wad
        case 1: return UInt256(uniformInt(below: 1000))
        default: return whole * .wad + fraction
        }
    }

    mutating func ray(from lower: UInt64, below upper: UInt64) -> UInt256 {
        let whole = UInt256(lower + uniformInt(below: upper - lower))
        let fraction = UInt256(uniformInt(below: 1_000_000_000_000_000_000))
        return whole * .ray / 1000 + fraction * UInt256(uniformInt(below: 1000))
    }

    mutating func vault(markets: Int) -> KeeperIndexBook.Vault {
        let market = Int(uniformInt(below: UInt64(markets)))
        var ink = amount(wholeBelow: 1000)
        var art = amount(wholeBelow: 1000)
        switch uniformInt(below: 10) {
        case 0: ink = .zero
        case 1: art = .zero
        case 2:
            // An exact round ratio, shared by many vaults: ties in the key.
            let k = UInt256(1 + uniformInt(below: 4))
            art = ink * k / 2
        default: break
        }
        return KeeperIndexBook.Vault(market: market, ink: ink, art: art)
    }
}
