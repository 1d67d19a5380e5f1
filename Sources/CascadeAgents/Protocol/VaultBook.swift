import CascadeContracts
import CascadeCore

/// The book of a world's vaults: a `LiquidationIndex` kept current from the contract events
/// of the blocks — never by scanning the vaults. The agents that ask which vaults are
/// unsafe read one such book through `MakerSharedBook`, which applies the blocks in order
/// and answers each agent as of the blocks it has seen.
///
/// **How it learns of changes.** Built once from the genesis state (the vault owners of a
/// world are known: one scan at construction). After that, every block's events name the
/// vaults that changed (`ids(namedBy:)`): `frobbed` (open, top up, repay), `barked` and
/// `bitten` (seized into an auction). For each, the vault's `ink` and `art` are read from
/// the state after that block (`read`) and set in the index (`set`). Rate changes (`drip`)
/// and price changes (`poke`) touch no key (docs/model/keeper-index.md).
///
/// Vault ids are dense: `(owner − firstOwner) · ilkCount + ilk`, for owners in
/// `[firstOwner, firstOwner + ownerCount)`; other owners are not tracked.
struct VaultBook {
    let firstOwner: UInt32
    let ownerCount: Int
    let ilkCount: Int
    var index = LiquidationIndex()
    /// Index updates applied (each O(log N)), genesis included.
    private(set) var updateCount = 0

    init(state: ProtocolState, firstOwner: UInt32, ownerCount: Int) {
        self.firstOwner = firstOwner
        self.ownerCount = ownerCount
        ilkCount = state.maker.ilks.count
        for offset in 0..<ownerCount {
            let owner = Address(firstOwner + UInt32(offset))
            for ilk in state.maker.ilkIDs {
                guard let id = id(ilk: ilk, owner: owner) else { continue }
                set(id, Self.read(ilk: ilk, owner: owner, in: state))
            }
        }
    }

    /// An empty book (tests set its entries).
    init(firstOwner: UInt32, ownerCount: Int, ilkCount: Int) {
        self.firstOwner = firstOwner
        self.ownerCount = ownerCount
        self.ilkCount = ilkCount
    }

    func id(ilk: MakerSystem.IlkID, owner: Address) -> Int? {
        guard owner.rawValue >= firstOwner else { return nil }
        let offset = Int(owner.rawValue - firstOwner)
        guard offset < ownerCount else { return nil }
        return offset * ilkCount + Int(ilk.rawValue)
    }

    func owner(of id: Int) -> Address {
        Address(firstOwner + UInt32(id / ilkCount))
    }

    /// Vault `owner`'s entry in `ilk` as `state` holds it: nil without debt (not indexed).
    static func read(
        ilk: MakerSystem.IlkID, owner: Address, in state: ProtocolState
    ) -> LiquidationIndex.Position? {
        let urn = state.maker.urn(ilk: ilk, owner: owner)
        guard !urn.art.isZero else { return nil }
        return LiquidationIndex.Position(
            market: Int(ilk.rawValue), collateral: urn.ink, debt: urn.art)
    }

    /// Records vault `id`'s entry (nil: no debt), counted as one update.
    mutating func set(_ id: Int, _ entry: LiquidationIndex.Position?) {
        updateCount += 1
        if let entry {
            index.update(id, entry)
        } else if index.position(id) != nil {
            index.remove(id)
        }
    }

    /// The vault ids `events` name, each once, in order of first mention.
    func ids(namedBy events: [ProtocolState.Event]) -> [(
        id: Int, ilk: MakerSystem.IlkID, owner: Address
    )] {
        var named: [(id: Int, ilk: MakerSystem.IlkID, owner: Address)] = []
        // Matched in place, one pattern deep: binding each event (or its Maker event) to a
        // local first copied the whole payload out of the array, about 70 instructions an
        // event, and every block's events are read twice (the keepers' shared book and the
        // borrowers' mirror).
        for index in events.indices {
            let ilk: MakerSystem.IlkID
            let owner: Address
            switch events[index] {
            case .maker(.frobbed(let frob)):
                (ilk, owner) = (frob.ilk, frob.owner)
            case .maker(.barked(let liquidation)), .maker(.bitten(let liquidation)):
                (ilk, owner) = (liquidation.ilk, liquidation.vault)
            default:
                continue
            }
            guard let id = id(ilk: ilk, owner: owner), !named.contains(where: { $0.id == id })
            else { continue }
            named.append((id, ilk, owner))
        }
        return named
    }
}
