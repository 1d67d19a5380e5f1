import CascadeContracts
import CascadeCore

/// A real `MakerSystem` with one ilk and a book of vaults, asked which vaults its own
/// `isUnsafe` (dss's `spot > 0 && ink·spot < art·rate`) calls unsafe at a price.
///
/// Keeper-index tests cannot see `CascadeContracts`, so this speaks only `CascadeCore`
/// types: vaults are numbered 0..<n in the order given, amounts are WAD/RAY `UInt256`s.
public struct KeeperIndexMakerOracle: Sendable {
    private var fixture: MakerFixture
    private let ilk: MakerSystem.IlkID
    private let owners: [Address]

    /// Opens every vault (`ink` > 0 each, `art` ≥ 0) of an ilk with `mat`, `par` and
    /// stability fee `duty` (RAY per second), at a price high enough for all to be safe.
    public init(mat: UInt256, par: UInt256, duty: UInt256, vaults: [(ink: UInt256, art: UInt256)]) {
        let huge = rad("1000000000000000000000")
        var fixture = MakerFixture(
            configuration: MakerSystem.Configuration(
                vow: MakerFixture.vow, cat: MakerFixture.cat, dog: MakerFixture.dog,
                governance: MakerFixture.governance, globalLine: huge, box: huge,
                globalHole: huge, par: par))
        let terms = MakerSystem.ClipTerms(
            clipper: MakerFixture.clipper, chop: wad("1.1"), hole: huge, buf: ray("1.2"),
            tail: 3600, cusp: ray("0.4"), chip: .zero, tip: .zero,
            calc: .linearDecrease(tauSeconds: 3600))
        let ilk = fixture.system.addIlk(
            MakerSystem.IlkConfiguration(
                name: "gem", line: huge, dust: .zero, mat: mat, duty: duty,
                liquidation: .clip(terms)),
            at: fixture.now)
        var owners: [Address] = []
        do {
            try fixture.run(
                .poke(ilk: ilk, price: wad("10000000000000000000000")),
                as: MakerFixture.governance)
            for (offset, vault) in vaults.enumerated() {
                let owner = Address(UInt32(1000 + offset))
                try fixture.openVault(ilk: ilk, owner: owner, ink: vault.ink, art: vault.art)
                owners.append(owner)
            }
        } catch {
            preconditionFailure("keeper-index oracle setup: \(error)")
        }
        self.fixture = fixture
        self.ilk = ilk
        self.owners = owners
    }

    /// The ilk's `rate`, RAY.
    public var rate: UInt256 { fixture.system.ilk(ilk).rate }

    /// Lets `seconds` pass and drips the ilk (its `rate` grows by `duty^seconds`).
    public mutating func drip(after seconds: UInt64) {
        fixture.warp(seconds)
        do {
            try fixture.run(.drip(ilk: ilk), as: MakerFixture.governance)
        } catch {
            preconditionFailure("keeper-index oracle drip: \(error)")
        }
    }

    /// Pokes the ilk at `price` (WAD); false if `poke` reverts.
    public mutating func poke(price: UInt256) -> Bool {
        fixture.tries(.poke(ilk: ilk, price: price), as: MakerFixture.governance)
    }

    /// Whether vault `number` is unsafe now, by the contract's own check.
    public func isUnsafe(_ number: Int) -> Bool {
        fixture.system.isUnsafe(ilk: ilk, owner: owners[number])
    }

    /// The vault numbers the contract finds unsafe now, ascending.
    public var unsafeVaults: [Int] {
        owners.indices.filter { isUnsafe($0) }
    }
}
