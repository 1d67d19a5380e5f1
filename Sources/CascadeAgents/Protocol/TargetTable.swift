import CascadeCore

/// A keeper's target (a vault, an auction, an account), with the bits a `TargetTable`
/// hashes it by.
///
/// `hashBits` need not tell targets apart (the table compares targets whose bits collide),
/// but targets that differ should mostly differ in them: they are the whole hash.
protocol TableTarget: Equatable {
    var hashBits: UInt64 { get }
}

/// A value per target, in a hash table with open addressing: the ends of `HoldOffs`' holds,
/// and the vaults a keeper has seen contested (`KeeperTargetSet`).
///
/// **Why.** They were a `Dictionary` and a `Set`: a keeper asks about every unsafe vault it
/// meets while it holds any, and each question seeded, fed and finalised a SipHash before
/// probing (about 340 instructions; 100,000 questions were 1.3% of the world bench). Here a
/// question is one multiplication and, mostly, one probe.
///
/// **Exact.** It stores what the dictionary stored and answers the same: the last value set
/// for a target, or none. Nothing iterates it, so its order never reaches an outcome.
///
/// Layout: linear probing in a power-of-two table at most half full, the slot of a target
/// the top bits of `hashBits` × 2⁶⁴/φ (Fibonacci hashing: consecutive ids, as vault owners
/// are, land far apart). Removal shifts the probe run back (no tombstones), so a table
/// that keeps a few holds among many comings and goings stays short to probe.
struct TargetTable<Target: TableTarget, Value> {
    private var targets: [Target?]
    private var values: [Value?]
    /// `targets.count − 1`; the count is a power of two.
    private var mask: Int
    /// log₂ of the count, for the slot's shift.
    private var bits: Int
    private(set) var count = 0

    init() {
        bits = 3
        mask = (1 << bits) - 1
        targets = Array(repeating: nil, count: 1 << bits)
        values = Array(repeating: nil, count: 1 << bits)
    }

    var isEmpty: Bool { count == 0 }

    /// Where `target`'s probe starts.
    @inline(__always)
    private func home(_ target: Target) -> Int {
        Int(truncatingIfNeeded: (target.hashBits &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(64 - bits))
    }

    /// The slot holding `target`, or nil.
    @inline(__always)
    private func slot(of target: Target) -> Int? {
        var slot = home(target)
        while let held = targets[slot] {
            if held == target { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The value stored for `target`, or nil.
    func value(of target: Target) -> Value? {
        guard count > 0, let slot = slot(of: target) else { return nil }
        return values[slot]
    }

    func contains(_ target: Target) -> Bool {
        count > 0 && slot(of: target) != nil
    }

    /// Stores `value` for `target`, replacing what it had.
    mutating func set(_ target: Target, _ value: Value) {
        if let slot = slot(of: target) {
            values[slot] = value
            return
        }
        if 2 * (count + 1) > targets.count { grow() }
        var slot = home(target)
        while targets[slot] != nil { slot = (slot + 1) & mask }
        targets[slot] = target
        values[slot] = value
        count += 1
    }

    /// Forgets `target`, shifting back the entries after it in its probe run so that every
    /// entry stays reachable from its home without passing an empty slot.
    mutating func remove(_ target: Target) {
        guard var hole = slot(of: target) else { return }
        targets[hole] = nil
        values[hole] = nil
        count -= 1
        var next = (hole + 1) & mask
        while let moving = targets[next] {
            let start = home(moving)
            // `moving` may fill the hole unless its home lies cyclically in (hole, next].
            let homeAfterHole = (start - hole - 1) & mask < (next - hole) & mask
            if !homeAfterHole {
                targets[hole] = moving
                values[hole] = values[next]
                targets[next] = nil
                values[next] = nil
                hole = next
            }
            next = (next + 1) & mask
        }
    }

    /// Doubles the table and places every entry again.
    private mutating func grow() {
        let oldTargets = targets
        let oldValues = values
        bits += 1
        mask = (1 << bits) - 1
        targets = Array(repeating: nil, count: 1 << bits)
        values = Array(repeating: nil, count: 1 << bits)
        for index in oldTargets.indices {
            guard let target = oldTargets[index] else { continue }
            var slot = home(target)
            while targets[slot] != nil { slot = (slot + 1) & mask }
            targets[slot] = target
            values[slot] = oldValues[index]
        }
    }
}

extension Address: TableTarget {
    var hashBits: UInt64 { UInt64(rawValue) }
}
