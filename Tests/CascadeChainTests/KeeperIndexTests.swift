import CascadeCore
import CascadeKernel
import CascadeTestSupport
import Testing

@testable import CascadeAgents

/// The keeper's liquidation-price index against brute force (the Vat's own integer rule
/// over every vault) and against a real `MakerSystem`. Each failure names its seed.
@Suite("Keeper liquidation index")
struct KeeperIndexTests {
    static let markets = 4

    static func randomTerms(_ random: inout RandomStream) -> MakerIlkTerms {
        MakerIlkTerms(
            rate: random.ray(from: 1000, below: 3000),
            mat: random.ray(from: 1000, below: 3000),
            par: random.bernoulli(numerator: 1, denominator: 2)
                ? .ray : random.ray(from: 900, below: 1100))
    }

    /// A price near where vaults of `market` turn unsafe: sometimes a random vault's exact
    /// liquidation price ±1 wei, otherwise a random price over the book's range.
    static func randomPrice(
        _ random: inout RandomStream, book: KeeperIndexBook, market: Int
    ) -> UInt256 {
        if random.bernoulli(numerator: 1, denominator: 2) {
            let id = Int(random.uniformInt(below: UInt64(book.vaults.count)))
            if let vault = book.vaults[id], vault.market == market, !vault.ink.isZero {
                let price = book.terms[market].liquidationPrice(
                    collateral: vault.ink, debt: vault.art)
                let offset = UInt256(random.uniformInt(below: 3))
                if price > .one, price < UInt256.wad * 1_000_000 {
                    return price + offset - .one
                }
            }
        }
        return random.amount(wholeBelow: 20)
    }

    /// Model-based: random books in several ilks, random prices (many on a vault's exact
    /// boundary), random rate/mat/par changes that touch no entry, and random updates,
    /// moves and removals; every query equals brute force, in order.
    @Test("matches brute force over random books and price paths", arguments: 0..<16)
    func matchesBruteForce(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "keeper-index")
        let size = 1000 + Int(random.uniformInt(below: 1500))
        var book = KeeperIndexBook(
            vaults: Array(repeating: nil, count: size),
            terms: (0..<Self.markets).map { _ in Self.randomTerms(&random) })
        var index = LiquidationIndex()
        func set(_ id: Int, _ vault: KeeperIndexBook.Vault?) {
            book.vaults[id] = vault.flatMap { $0.art.isZero ? nil : $0 }
            if let vault {
                index.update(id, market: vault.market, collateral: vault.ink, debt: vault.art)
            } else {
                index.remove(id)
            }
        }
        for id in 0..<size where random.bernoulli(numerator: 4, denominator: 5) {
            set(id, random.vault(markets: Self.markets))
        }
        for step in 0..<24 {
            for _ in 0..<Int(random.uniformInt(below: 200)) {
                let id = Int(random.uniformInt(below: UInt64(size)))
                set(
                    id,
                    random.bernoulli(numerator: 1, denominator: 5)
                        ? nil : random.vault(markets: Self.markets))
            }
            if random.bernoulli(numerator: 1, denominator: 3) {
                // Fees accrue, governance moves mat or par: no entry is touched.
                let market = Int(random.uniformInt(below: UInt64(Self.markets)))
                book.terms[market] = Self.randomTerms(&random)
            }
            for market in 0..<Self.markets {
                for _ in 0..<2 {
                    let price = Self.randomPrice(&random, book: book, market: market)
                    let terms = book.terms[market]
                    let spot = KeeperIndexBook.spot(price: price, terms: terms)
                    if spot > .zero, random.bernoulli(numerator: 1, denominator: 2) {
                        // A vault exactly on the line at this price: safe, not unsafe.
                        let (ink, art) = KeeperIndexBook.vaultOnBoundary(
                            spot: spot, rate: terms.rate,
                            multiple: UInt256(1 + random.uniformInt(below: 3)))
                        set(
                            Int(random.uniformInt(below: UInt64(size))),
                            KeeperIndexBook.Vault(market: market, ink: ink, art: art))
                    }
                    let found = Array(
                        index.unsafePositions(
                            in: market, atPrice: price, terms: book.terms[market]))
                    let matches = book.isExpected(found, in: market, atPrice: price)
                    #expect(matches, "seed \(seed) step \(step) market \(market) price \(price)")
                    if !matches { return }
                    // The walk without an iterator gives the same positions, and its limit
                    // the same first ones.
                    if let threshold = book.terms[market].threshold(atPrice: price) {
                        var appended = [-1]
                        index.appendUnsafePositions(in: market, at: threshold, to: &appended)
                        #expect(appended == [-1] + found, "seed \(seed) step \(step)")
                        let limit = Int(random.uniformInt(below: 8))
                        var first: [Int] = []
                        index.appendUnsafePositions(
                            in: market, at: threshold, limit: limit, to: &first)
                        #expect(first == Array(found.prefix(limit)), "seed \(seed) step \(step)")
                    } else {
                        #expect(found.isEmpty)
                    }
                }
            }
            if step % 8 == 7 { index.checkInvariants() }
        }
        #expect(index.count == book.vaults.compactMap { $0 }.count, "seed \(seed)")
    }

    /// The boundary by hand: mat = par = rate = 1 RAY, so spot = price·1e9 and a vault of
    /// 1 WAD ink is exactly at its threshold when art (in wei) equals the price (in wei).
    @Test("a vault exactly at its threshold is safe; one wei lower it is unsafe")
    func exactBoundary() {
        let terms = MakerIlkTerms(rate: .ray, mat: .ray)
        var index = LiquidationIndex()
        let price = UInt256.wad * 1234 + 5678
        index.update(0, market: 0, collateral: .wad, debt: price)
        #expect(terms.liquidationPrice(collateral: .wad, debt: price) == price)
        #expect(Array(index.unsafePositions(in: 0, atPrice: price, terms: terms)) == [])
        #expect(Array(index.unsafePositions(in: 0, atPrice: price - 1, terms: terms)) == [0])
        #expect(Array(index.unsafePositions(in: 0, atPrice: price + 1, terms: terms)) == [])
        // Fees: rate up by one part in 1e27 makes the same vault unsafe at the same price.
        let accrued = MakerIlkTerms(rate: .ray + .one, mat: .ray)
        #expect(Array(index.unsafePositions(in: 0, atPrice: price, terms: accrued)) == [0])
        #expect(accrued.liquidationPrice(collateral: .wad, debt: price) == price + 1)
        // spot = 0 (unpoked ilk): nothing is unsafe, as in the Vat.
        #expect(Array(index.unsafePositions(in: 0, atPrice: .zero, terms: terms)) == [])
    }

    /// Every vault's liquidation price P: the Vat finds it unsafe at P − 1 and safe at P
    /// and P + 1, and the index agrees, under random rate, mat and par.
    @Test("liquidation price is exact to the wei", arguments: 0..<8)
    func liquidationPriceBoundary(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "keeper-index-boundary")
        for _ in 0..<400 {
            let terms = Self.randomTerms(&random)
            var vault = random.vault(markets: 1)
            if vault.art.isZero { vault.art = .one }
            if vault.ink.isZero { vault.ink = .wad }
            if random.bernoulli(numerator: 1, denominator: 2) {
                // Exactly on the line at a random price's spot.
                let spot = KeeperIndexBook.spot(price: random.amount(wholeBelow: 20), terms: terms)
                if spot > .zero {
                    (vault.ink, vault.art) = KeeperIndexBook.vaultOnBoundary(
                        spot: spot, rate: terms.rate, multiple: .one)
                }
            }
            var index = LiquidationIndex()
            index.update(9, market: 0, collateral: vault.ink, debt: vault.art)
            let price = terms.liquidationPrice(collateral: vault.ink, debt: vault.art)
            for (candidate, unsafe) in [(price - 1, true), (price, false), (price + 1, false)]
            where price > .zero {
                let spot = KeeperIndexBook.spot(price: candidate, terms: terms)
                let vat = KeeperIndexBook.vatUnsafe(
                    ink: vault.ink, art: vault.art, spot: spot, rate: terms.rate)
                #expect(vat == (unsafe && spot > .zero), "seed \(seed) \(vault) \(terms)")
                let found = Array(index.unsafePositions(in: 0, atPrice: candidate, terms: terms))
                #expect(found == (vat ? [9] : []), "seed \(seed) \(vault) \(terms)")
            }
        }
    }

    /// Extreme terms (tiny `mat`, huge `par`, small amounts) where every one of the three
    /// roundings in the liquidation price moves the answer: still exact to the wei.
    @Test("liquidation price is exact under extreme terms", arguments: 0..<8)
    func liquidationPriceExtremeTerms(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "keeper-index-extreme")
        func scale(_ digits: UInt64) -> UInt256 {
            var value = UInt256(1 + random.uniformInt(below: 999))
            for _ in 0..<random.uniformInt(below: digits) { value *= 10 }
            return value
        }
        for _ in 0..<2000 {
            let terms = MakerIlkTerms(rate: scale(30), mat: scale(30), par: scale(42))
            let ink = scale(20)
            let art = scale(20)
            let price = terms.liquidationPrice(collateral: ink, debt: art)
            guard price > .zero, price < UInt256.wad * 1_000_000_000 else { continue }
            for (candidate, unsafe) in [(price - 1, true), (price, false)] {
                let (scaled, overflow) = (candidate * 1_000_000_000)
                    .multipliedReportingOverflow(by: .ray)
                guard !overflow, let spot = terms.spot(atPrice: candidate) else { continue }
                // The Spotter written out: ⌊⌊price·1e36 / par⌋ · 1e27 / mat⌋.
                let (upper, overflow2) = (scaled / terms.par).multipliedReportingOverflow(
                    by: .ray)
                guard !overflow2 else { continue }
                #expect(spot == upper / terms.mat)
                let vat = KeeperIndexBook.vatUnsafe(
                    ink: ink, art: art, spot: spot,
                    rate: terms.rate)
                #expect(
                    vat == (unsafe && spot > .zero),
                    "seed \(seed) ink \(ink) art \(art) \(terms) at \(candidate)")
            }
        }
    }

    /// A vault with debt and no collateral is unsafe at every price with a positive spot.
    @Test("debt without collateral comes first and is always unsafe")
    func noCollateral() {
        let terms = MakerIlkTerms(rate: .ray, mat: .ray * 3 / 2)
        var index = LiquidationIndex()
        index.update(3, market: 0, collateral: .wad, debt: .wad)
        index.update(5, market: 0, collateral: .zero, debt: .one)
        index.update(4, market: 0, collateral: .zero, debt: .wad)
        #expect(terms.liquidationPrice(collateral: .zero, debt: .one) == .max)
        let high = UInt256.wad * 1_000_000
        #expect(Array(index.unsafePositions(in: 0, atPrice: high, terms: terms)) == [4, 5])
        #expect(Array(index.unsafePositions(in: 0, atPrice: .wad, terms: terms)) == [4, 5, 3])
        index.update(4, market: 0, collateral: .wad, debt: .zero)
        #expect(index.position(4) == nil)
        #expect(index.count == 2)
    }

    /// Against the contract itself: a real `MakerSystem` opens the vaults (each frob passes
    /// the Vat's checks), fees accrue through `drip`, the Spotter is poked, and the Vat's
    /// `isUnsafe` must name exactly the vaults the index returns.
    @Test("agrees with a real MakerSystem's isUnsafe", arguments: 0..<4)
    func agreesWithMakerSystem(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "keeper-index-vat")
        let mat = random.ray(from: 1000, below: 3000)
        let par =
            random.bernoulli(numerator: 1, denominator: 2)
            ? UInt256.ray : random.ray(from: 900, below: 1100)
        // Between 0% and about 10% a year per second.
        let duty = UInt256.ray + UInt256(random.uniformInt(below: 3_000_000_000_000_000_000))
        // Some vaults exactly on the line at `plannedPrice` before any fee accrues.
        let plannedPrice = random.amount(wholeBelow: 20) + .wad
        let plannedTerms = MakerIlkTerms(rate: .ray, mat: mat, par: par)
        let plannedSpot = KeeperIndexBook.spot(price: plannedPrice, terms: plannedTerms)
        var vaults: [(ink: UInt256, art: UInt256)] = (1...5).map {
            KeeperIndexBook.vaultOnBoundary(
                spot: plannedSpot, rate: .ray, multiple: UInt256($0))
        }
        for _ in 0..<250 {
            var vault = random.vault(markets: 1)
            if vault.ink.isZero { vault.ink = .one }
            vaults.append((vault.ink, vault.art))
        }
        var oracle = KeeperIndexMakerOracle(mat: mat, par: par, duty: duty, vaults: vaults)
        var index = LiquidationIndex()
        for (id, vault) in vaults.enumerated() {
            index.update(id, market: 0, collateral: vault.ink, debt: vault.art)
        }
        for round in 0..<6 {
            if round > 0 { oracle.drip(after: random.uniformInt(below: 400 * 86_400)) }
            let terms = MakerIlkTerms(rate: oracle.rate, mat: mat, par: par)
            for attempt in 0..<10 {
                var price =
                    round == 0 && attempt == 0 ? plannedPrice : random.amount(wholeBelow: 20)
                let id = Int(random.uniformInt(below: UInt64(vaults.count)))
                let boundary = index.liquidationPrice(of: id, terms: terms) ?? .zero
                if attempt > 0, random.bernoulli(numerator: 1, denominator: 2), boundary > .one,
                    boundary < UInt256.wad * 1_000_000
                {
                    price = boundary + UInt256(random.uniformInt(below: 3)) - .one
                }
                guard oracle.poke(price: price) else { continue }
                let found = Array(index.unsafePositions(in: 0, atPrice: price, terms: terms))
                #expect(
                    found.sorted() == oracle.unsafeVaults,
                    "seed \(seed) round \(round) price \(price)")
            }
        }
    }

    /// The shape depends only on the set of positions: inserting in two orders gives the
    /// same tree and the same results.
    @Test("the same positions in any update order give the same index")
    func orderIndependent() {
        var random = RandomStream(seed: 7, name: "keeper-index-order")
        let vaults = (0..<500).map { _ in random.vault(markets: 2) }
        var forward = LiquidationIndex()
        var backward = LiquidationIndex()
        for id in vaults.indices {
            forward.update(
                id, market: vaults[id].market, collateral: vaults[id].ink,
                debt: vaults[id].art)
        }
        for id in vaults.indices.reversed() {
            backward.update(
                id, market: vaults[id].market, collateral: vaults[id].ink,
                debt: vaults[id].art)
        }
        for market in 0..<2 {
            #expect(forward.orderedIDs(in: market) == backward.orderedIDs(in: market))
            #expect(forward.height(in: market) == backward.height(in: market))
        }
    }
}
