import CascadeKernel
import Testing

@testable import CascadeAgents

extension Int: TableTarget {
    public var hashBits: UInt64 { UInt64(bitPattern: Int64(self)) }
}

/// A target whose hash bits collide in groups of `spread`: long probe runs, for the table's
/// removal to shift entries back across.
struct CollidingTarget: TableTarget {
    var value: Int
    static let spread = 5
    var hashBits: UInt64 { UInt64(value / Self.spread) }
}

/// The keepers' holds against the dictionary of hold ends they replaced: over random runs
/// of reverts and questions on a moving clock, a target is held exactly when the
/// dictionary says so, and the holds that ended are let go.
@Suite("Keepers: hold-offs after a revert")
struct HoldOffsTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func holdsMatchTheDictionary(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "hold-offs")
        let targets = Int(1 + random.uniformInt(below: 60))
        // Odd seeds hold for a fixed delay (as every keeper does); even ones for any
        // delay, so holds also end out of the order they are made.
        let fixedDelay = seed % 2 == 1
        var holds = HoldOffs<Int>()
        var ends: [Int: SimTime] = [:]
        var now = SimTime.zero
        var held = 0
        for _ in 0..<3_000 {
            now = now + .milliseconds(Int64(random.uniformInt(below: 4_000)))
            for _ in 0..<random.uniformInt(below: 3) {
                let target = Int(random.uniformInt(below: UInt64(targets)))
                let delay =
                    fixedDelay ? 30_000 : Int64(random.uniformInt(below: 60)) * 1_000
                holds.hold(target, until: now + .milliseconds(delay))
                ends[target] = now + .milliseconds(delay)
            }
            for _ in 0..<random.uniformInt(below: 6) {
                let target = Int(random.uniformInt(below: UInt64(targets)))
                let expected = ends[target].map { now < $0 } ?? false
                #expect(holds.isHeld(target, now: now) == expected, "seed \(seed) target \(target)")
                if expected { held += 1 }
            }
        }
        #expect(held > 50, "seed \(seed): only \(held) held answers")
        // Far past every end, one question lets all of them go.
        _ = holds.isHeld(0, now: now + .seconds(3_600))
        #expect(holds.isEmpty, "seed \(seed): ended holds kept")
    }

    /// The table against a dictionary: random stores, replacements, removals and lookups,
    /// with targets whose bits collide (long probe runs) and with plain ones, across growth.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func tableMatchesTheDictionary(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "hold-table")
        let universe = Int(8 + random.uniformInt(below: 400))
        var colliding = TargetTable<CollidingTarget, SimTime>()
        var plain = TargetTable<Int, SimTime>()
        var model: [Int: SimTime] = [:]
        var removals = 0
        for step in 0..<6_000 {
            let value = Int(random.uniformInt(below: UInt64(universe)))
            switch random.uniformInt(below: 3) {
            case 0:
                let end = SimTime(milliseconds: Int64(step))
                colliding.set(CollidingTarget(value: value), end)
                plain.set(value, end)
                model[value] = end
            case 1:
                if model[value] != nil { removals += 1 }
                colliding.remove(CollidingTarget(value: value))
                plain.remove(value)
                model[value] = nil
            default:
                break
            }
            let probe = Int(random.uniformInt(below: UInt64(universe)))
            #expect(colliding.value(of: CollidingTarget(value: probe)) == model[probe])
            #expect(plain.value(of: probe) == model[probe])
            #expect(colliding.count == model.count && plain.count == model.count)
        }
        // Every target, once more, after all the shifting.
        for value in 0..<universe {
            #expect(colliding.value(of: CollidingTarget(value: value)) == model[value])
            #expect(plain.value(of: value) == model[value])
        }
        #expect(removals > 100, "seed \(seed): only \(removals) removals")
    }
}
