import Testing

@testable import CascadeCore

/// `ChunkedArray` is an `Array` with a different storage: a model-based test drives both
/// with the same random operations (appends, writes, removals, snapshots) and compares them
/// after every step.
@Suite("ChunkedArray")
struct ChunkedArrayTests {
    @Test("matches Array under random appends, writes, removals and snapshots", arguments: 1...12)
    func matchesArray(seed: UInt64) {
        var random = SplitMix(state: seed)
        var model: [Int] = []
        var chunked = ChunkedArray<Int>()
        var snapshots: [([Int], ChunkedArray<Int>)] = []
        for step in 0..<3_000 {
            let choice = random.uniform()
            if choice < 0.45 || model.isEmpty {
                model.append(step)
                chunked.append(step)
            } else if choice < 0.85 {
                let index = Int(random.uniform() * Double(model.count))
                model[index] = -step
                chunked[index] = -step
            } else if choice < 0.95 {
                let k = Int(random.uniform() * Double(min(model.count, 150) + 1))
                model.removeLast(k)
                chunked.removeLast(k)
            } else {
                snapshots.append((model, chunked))
            }
            #expect(chunked.count == model.count)
        }
        #expect(Array(chunked) == model)
        // A write after a snapshot never shows through it.
        for (kept, snapshot) in snapshots {
            #expect(Array(snapshot) == kept)
            #expect(snapshot.count == kept.count)
        }
    }

    @Test("equality and hashing follow the elements, not the chunk layout")
    func equalityAndHashing() {
        var grown = ChunkedArray<Int>()
        for value in 0..<200 { grown.append(value) }
        grown.removeLast(70)
        let built = ChunkedArray(Array(0..<130))
        #expect(grown == built)
        #expect(grown.hashValue == built.hashValue)
        var changed = built
        changed[129] = -1
        #expect(changed != built)
        #expect(ChunkedArray<Int>() == [])
        #expect(ChunkedArray(repeating: 7, count: 65).allSatisfy { $0 == 7 })
    }
}

extension ChunkedArray {
    init(_ elements: [Element]) {
        self.init()
        append(contentsOf: elements)
    }
}

/// SplitMix64: enough randomness for choosing operations, with no dependency on the kernel.
private struct SplitMix {
    var state: UInt64

    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
    }
}
