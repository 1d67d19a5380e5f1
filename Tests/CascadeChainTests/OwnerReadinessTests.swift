import CascadeKernel
import Testing

@testable import CascadeAgents

/// The borrowers' readiness bits against the table of cooldown ends they replaced: over
/// random runs of warnings and clock steps (cooldowns of zero included), an owner asked
/// after a release is ready exactly when it is reactive and the clock has reached the end
/// of its last cooldown.
@Suite("Borrowers: readiness bits")
struct OwnerReadinessTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func bitsMatchTheTableOfEnds(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "owner-readiness")
        let owners = Int(1 + random.uniformInt(below: 300))
        let reactive = (0..<owners).map { _ in random.uniform() < 0.6 }
        let cooldown = Int64(random.uniformInt(below: 3)) * 5_000
        var readiness = OwnerReadiness(ready: reactive)
        var ends = reactive.map { $0 ? Int64(0) : .max }
        var now: Int64 = 0
        var warned = 0
        for _ in 0..<2_000 {
            now += Int64(random.uniformInt(below: 3_000))
            readiness.release(upTo: now)
            // As `warn` asks: each owner at most once between releases (one walk per ilk,
            // and a vault id per owner in it).
            var asked: Set<Int> = []
            for _ in 0..<random.uniformInt(below: 8) {
                let owner = Int(random.uniformInt(below: UInt64(owners)))
                guard asked.insert(owner).inserted else { continue }
                #expect(
                    readiness.isReady(owner) == (now >= ends[owner]), "seed \(seed) owner \(owner)")
                guard readiness.isReady(owner) else { continue }
                readiness.coolDown(owner, until: now + cooldown)
                ends[owner] = now + cooldown
                warned += 1
            }
        }
        #expect(warned > 100, "seed \(seed): only \(warned) warnings")
    }
}
