import CascadeContracts
import CascadeCore

/// An agent's book of vaults: a `LiquidationIndex` kept current from the contract events
/// of the blocks it observes — never by scanning the vaults.
///
/// **How it learns of changes.** Built once from the genesis state (the vault owners of a
/// world are known: one scan at construction). After that, every observed block's events
/// name the vaults that changed: `frobbed` (open, top up, repay), `barked` and `bitten`
/// (seized into an auction). For each, the book reads that vault's `ink` and `art` from
/// the state after that block and updates the index, unless it already holds the vault as
/// of a later block: blocks can arrive out of order, and the newest reading wins. So an
/// agent need not keep any state between blocks (a kept state would make the producer's
/// next write copy whole tables). Rate changes (`drip`) and price changes (`poke`) touch
/// no key (docs/model/keeper-index.md).
///
/// Vault ids are dense: `(owner − firstOwner) · ilkCount + ilk`, for owners in
/// `[firstOwner, firstOwner + ownerCount)`; other owners are not tracked.
struct VaultBook {
    let firstOwner: UInt32
    let ownerCount: Int
    let ilkCount: Int
    var index = LiquidationIndex()
    /// Per vault id, the block its entry was read at.
    private var readAt: [UInt64]
    /// Index updates applied (each O(log N)), genesis included.
    private(set) var updateCount = 0
    /// Unsafe-vault queries (one per ilk per processed block).
    private(set) var queryCount = 0
    /// Vaults those queries returned.
    private(set) var returnedCount = 0

    init(state: ProtocolState, firstOwner: UInt32, ownerCount: Int) {
        self.firstOwner = firstOwner
        self.ownerCount = ownerCount
        ilkCount = state.maker.ilks.count
        readAt = Array(repeating: 0, count: ownerCount * ilkCount)
        for offset in 0..<ownerCount {
            let owner = Address(firstOwner + UInt32(offset))
            for ilk in state.maker.ilkIDs {
                refresh(ilk: ilk, owner: owner, in: state, block: 0)
            }
        }
    }

    /// An empty book (tests set its entries).
    init(firstOwner: UInt32, ownerCount: Int, ilkCount: Int) {
        self.firstOwner = firstOwner
        self.ownerCount = ownerCount
        self.ilkCount = ilkCount
        readAt = Array(repeating: 0, count: ownerCount * ilkCount)
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

    /// Re-reads one vault from `state`, the state after block `block`, unless the book
    /// holds it as of a later block.
    mutating func refresh(
        ilk: MakerSystem.IlkID, owner: Address, in state: ProtocolState, block: UInt64
    ) {
        guard let id = id(ilk: ilk, owner: owner), readAt[id] <= block else { return }
        readAt[id] = block
        set(id, Self.read(ilk: ilk, owner: owner, in: state))
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

    /// The vault ids `events` name, each once, in order of first mention (`apply`'s order).
    func ids(namedBy events: [ProtocolState.Event]) -> [(
        id: Int, ilk: MakerSystem.IlkID, owner: Address
    )] {
        var named: [(id: Int, ilk: MakerSystem.IlkID, owner: Address)] = []
        for event in events {
            guard case .maker(let makerEvent) = event else { continue }
            let ilk: MakerSystem.IlkID
            let owner: Address
            switch makerEvent {
            case .frobbed(let frob):
                (ilk, owner) = (frob.ilk, frob.owner)
            case .barked(let liquidation), .bitten(let liquidation):
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

    /// Applies the vault changes named by `events` of block `block`, reading values from
    /// `state`, the state after that block.
    mutating func apply(_ events: [ProtocolState.Event], state: ProtocolState, block: UInt64) {
        for event in events {
            guard case .maker(let makerEvent) = event else { continue }
            switch makerEvent {
            case .frobbed(let frob):
                refresh(ilk: frob.ilk, owner: frob.owner, in: state, block: block)
            case .barked(let liquidation), .bitten(let liquidation):
                refresh(ilk: liquidation.ilk, owner: liquidation.vault, in: state, block: block)
            default:
                continue
            }
        }
    }

    /// The owners of `ilk`'s vaults unsafe at `threshold`, most underwater first, at most
    /// `limit` of them. O(log N + k).
    mutating func unsafeOwners(
        ilk: MakerSystem.IlkID, at threshold: SafetyThreshold, limit: Int
    ) -> [Address] {
        queryCount += 1
        var owners: [Address] = []
        for id in index.unsafePositions(in: Int(ilk.rawValue), at: threshold) {
            owners.append(owner(of: id))
            if owners.count >= limit { break }
        }
        returnedCount += owners.count
        return owners
    }

    /// The owners of `ilk`'s vaults unsafe at oracle price `price` (WAD) with the ilk's
    /// current terms in `state`, at most `limit`.
    mutating func unsafeOwners(
        ilk: MakerSystem.IlkID, atPrice price: UInt256, state: ProtocolState, limit: Int
    ) -> [Address] {
        let current = state.maker.ilk(ilk)
        let terms = MakerIlkTerms(
            rate: current.rate, mat: current.mat, par: state.maker.configuration.par)
        guard let threshold = terms.threshold(atPrice: price) else { return [] }
        return unsafeOwners(ilk: ilk, at: threshold, limit: limit)
    }
}
