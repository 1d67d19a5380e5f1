import CascadeCore

/// A value with a zero that stands for "no entry" in a `DenseTable`.
protocol TableValue: Hashable, Sendable {
    static var zeroValue: Self { get }
}

extension UInt256: TableValue {
    static var zeroValue: UInt256 { .zero }
}

extension MakerSystem.Urn: TableValue {
    static var zeroValue: MakerSystem.Urn { MakerSystem.Urn() }
}

/// The Vat's per-account balances as a dense array indexed by a small integer (an
/// address's raw value), where zero and "no entry" are the same thing.
///
/// Why not a `Dictionary`: hashing the key (SipHash, seeded and finalised per lookup) was
/// about a seventh of a Clipper take, and a dense array iterates in key order, so no
/// outcome can depend on hash order. The Vat removes an account once it holds zero, so
/// the dictionary it replaces held exactly the non-zero entries, which is what this
/// table's `==`, `hash` and iteration see. Addresses are dense in Cascade (the token
/// ledger indexes balances by them too); memory is O(largest index used).
///
/// Complexity: reading and writing O(1) (a write beyond the end grows the array,
/// amortised O(1)); iteration O(largest index).
struct DenseTable<Value: TableValue>: Hashable, Sendable {
    /// Chunked, so a write after a snapshot (an agent's `BlockReport`) copies one chunk,
    /// not the table (`ChunkedArray`).
    private var storage = ChunkedArray<Value>()

    init() {}

    /// The entry at `index`, nil when zero; setting nil or zero clears it.
    subscript(index: Int) -> Value? {
        get {
            guard index < storage.count else { return nil }
            let value = storage[index]
            return value == Value.zeroValue ? nil : value
        }
        set {
            let value = newValue ?? Value.zeroValue
            if index >= storage.count {
                if value == Value.zeroValue { return }
                storage.append(
                    contentsOf: repeatElement(Value.zeroValue, count: index + 1 - storage.count))
            }
            storage[index] = value
        }
    }

    /// The non-zero entries, by ascending index.
    var entries: [(index: Int, value: Value)] {
        storage.indices.compactMap { index in
            storage[index] == Value.zeroValue ? nil : (index, storage[index])
        }
    }

    static func == (lhs: DenseTable, rhs: DenseTable) -> Bool {
        let shared = Swift.min(lhs.storage.count, rhs.storage.count)
        return lhs.storage[..<shared].elementsEqual(rhs.storage[..<shared])
            && lhs.storage[shared...].allSatisfy { $0 == Value.zeroValue }
            && rhs.storage[shared...].allSatisfy { $0 == Value.zeroValue }
    }

    func hash(into hasher: inout Hasher) {
        for (index, value) in entries {
            hasher.combine(index)
            hasher.combine(value)
        }
    }
}

/// Balances keyed by address (Vat `dai`, `sin`).
struct AddressTable<Value: TableValue>: Hashable, Sendable {
    private var table = DenseTable<Value>()

    init() {}

    subscript(owner: Address) -> Value? {
        get { table[Int(owner.rawValue)] }
        set { table[Int(owner.rawValue)] = newValue }
    }

    /// The non-zero balances, by ascending address.
    var values: [Value] { table.entries.map(\.value) }
}

/// Entries keyed by (ilk, owner) (Vat `urns`, `gem`): one dense table per ilk.
struct IlkAccountTable<Value: TableValue>: Hashable, Sendable {
    private var rows: [DenseTable<Value>] = []

    init() {}

    subscript(key: MakerSystem.IlkAccount) -> Value? {
        get {
            let ilk = Int(key.ilk.rawValue)
            return ilk < rows.count ? rows[ilk][Int(key.owner.rawValue)] : nil
        }
        set {
            let ilk = Int(key.ilk.rawValue)
            if ilk >= rows.count {
                if newValue == nil || newValue == Value.zeroValue { return }
                rows.append(contentsOf: repeatElement(DenseTable(), count: ilk + 1 - rows.count))
            }
            rows[ilk][Int(key.owner.rawValue)] = newValue
        }
    }

    /// The non-zero entries, by ilk then owner.
    var entries: [(key: MakerSystem.IlkAccount, value: Value)] {
        rows.indices.flatMap { ilk in
            rows[ilk].entries.map { entry in
                (
                    MakerSystem.IlkAccount(
                        ilk: MakerSystem.IlkID(rawValue: UInt16(ilk)),
                        owner: Address(UInt32(entry.index))),
                    entry.value
                )
            }
        }
    }

    /// The owners with a non-zero entry in `ilk`, ascending.
    func owners(of ilk: MakerSystem.IlkID) -> [Address] {
        let index = Int(ilk.rawValue)
        guard index < rows.count else { return [] }
        return rows[index].entries.map { Address(UInt32($0.index)) }
    }

    static func == (lhs: IlkAccountTable, rhs: IlkAccountTable) -> Bool {
        let shared = Swift.min(lhs.rows.count, rhs.rows.count)
        let empty = DenseTable<Value>()
        return lhs.rows[..<shared] == rhs.rows[..<shared]
            && lhs.rows[shared...].allSatisfy { $0 == empty }
            && rhs.rows[shared...].allSatisfy { $0 == empty }
    }

    func hash(into hasher: inout Hasher) {
        for (key, value) in entries {
            hasher.combine(key)
            hasher.combine(value)
        }
    }
}
