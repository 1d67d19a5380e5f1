import CascadeAgents
import CascadeCore
import CascadeKernel

/// `keepers index_updates_per_second=<X> unsafe_queries_per_second=<Y>`: the keepers'
/// liquidation index (`LiquidationIndex`) holding 1,000,000 vaults in 4 ilks.
///
/// Updates: 1,000,000 vault changes (a random vault gets new random `ink` and `art`, so
/// each is a removal and an insertion in a tree of ~250,000). Queries: one ilk per query
/// at a price that leaves about 7 of its vaults unsafe, enumerating them all, as a
/// keeper does once per block. Building the book is not timed.
func runKeeperIndexBench() {
    let vaults = 1_000_000
    let ilks = 4
    var random = RandomStream(seed: 1, name: "keeper-index-bench")
    func randomVault() -> (ilk: Int, ink: UInt256, art: UInt256) {
        let ilk = Int(random.uniformInt(below: UInt64(ilks)))
        let ink = UInt256(1 + random.uniformInt(below: 1_000_000_000)) * 1_000_000_000
        let art = UInt256(1 + random.uniformInt(below: 1_000_000_000)) * 1_000_000_000
        return (ilk, ink, art)
    }
    var index = LiquidationIndex()
    for id in 0..<vaults {
        let vault = randomVault()
        index.update(id, market: vault.ilk, collateral: vault.ink, debt: vault.art)
    }
    let changes = (0..<vaults).map { _ in
        (id: Int(random.uniformInt(below: UInt64(vaults))), vault: randomVault())
    }
    let clock = ContinuousClock()
    let updateTime = clock.measure {
        for change in changes {
            index.update(
                change.id, market: change.vault.ilk, collateral: change.vault.ink,
                debt: change.vault.art)
        }
    }
    // Debt per collateral is art/ink in (1e-9, 1e9); with rate = mat = par = 1 RAY a vault
    // is unsafe below price art/ink WAD. A handful (about 7) of 250,000 vaults per ilk
    // exceed a ratio of 25,000 (art/ink is a ratio of two uniforms: P(ratio > r) ≈ 1/(2r)).
    let terms = MakerIlkTerms(rate: .ray, mat: .ray)
    let price = UInt256.wad * 25_000
    let queries = 200_000
    var found = 0
    let queryTime = clock.measure {
        for query in 0..<queries {
            for _ in index.unsafePositions(in: query % ilks, atPrice: price, terms: terms) {
                found += 1
            }
        }
    }
    func perSecond(_ count: Int, _ elapsed: Duration) -> Int {
        let seconds =
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Int(Double(count) / seconds)
    }
    precondition(found > 0 && index.count > 0, "keeper index bench found nothing")
    print(
        "keepers index_updates_per_second=\(perSecond(changes.count, updateTime)) "
            + "unsafe_queries_per_second=\(perSecond(queries, queryTime))")
}
