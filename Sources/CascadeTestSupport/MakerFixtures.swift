import CascadeContracts
import CascadeCore

/// Exact WAD from a decimal string (`wad("1.1")`); traps on a malformed literal (a test bug).
public func wad(_ decimal: String) -> UInt256 {
    guard let value = UInt256(decimal: decimal, scale: 18) else {
        preconditionFailure("bad WAD literal \(decimal)")
    }
    return value
}

/// Exact RAY from a decimal string.
public func ray(_ decimal: String) -> UInt256 {
    guard let value = UInt256(decimal: decimal, scale: 27) else {
        preconditionFailure("bad RAY literal \(decimal)")
    }
    return value
}

/// Exact RAD from a decimal string.
public func rad(_ decimal: String) -> UInt256 {
    guard let value = UInt256(decimal: decimal, scale: 45) else {
        preconditionFailure("bad RAD literal \(decimal)")
    }
    return value
}

/// A `MakerSystem` with fixed module addresses and a clock, for tests.
///
/// `run` applies one call at the fixture's current time and returns the events; `warp`
/// moves time forward as dss tests' `hevm.warp` does. Every successful call is followed by
/// `checkInvariants()`, so each test also audits the books.
public struct MakerFixture: Sendable {
    public static let vow = Address(1)
    public static let cat = Address(2)
    public static let dog = Address(3)
    public static let governance = Address(4)
    public static let flipper = Address(5)
    public static let clipper = Address(6)
    /// The vault owner (dss tests' `me` / `usr`).
    public static let me = Address(10)
    public static let ali = Address(11)
    public static let bob = Address(12)
    public static let keeper = Address(13)

    public var system: MakerSystem
    public var now: UInt64
    public var blockNumber: UInt64 = 1

    public init(configuration: MakerSystem.Configuration? = nil, now: UInt64 = 604_411_200) {
        self.system = MakerSystem(
            configuration: configuration
                ?? MakerSystem.Configuration(
                    vow: Self.vow, cat: Self.cat, dog: Self.dog, governance: Self.governance,
                    globalLine: rad("1000000000"), box: rad("1000000000"),
                    globalHole: rad("1000")))
        self.now = now
    }

    public var block: BlockContext { BlockContext(number: blockNumber, timestamp: now) }

    /// Moves time forward by `seconds` (and the block number by one).
    public mutating func warp(_ seconds: UInt64) {
        now += seconds
        blockNumber += 1
    }

    /// Applies `call` as `caller` now; on success checks the books (a broken invariant
    /// traps: it is a bug, not a test outcome).
    @discardableResult
    public mutating func run(_ call: MakerSystem.Call, as caller: Address) throws(Revert)
        -> [MakerSystem.Event]
    {
        var events: [MakerSystem.Event] = []
        try system.apply(call, caller: caller, block: block, events: &events)
        if system.pendingTake == nil {
            do {
                try system.checkInvariants()
            } catch {
                preconditionFailure("invariant broken after \(call): \(error)")
            }
        }
        return events
    }

    /// The revert reason of `call`, or nil if it succeeded (and was then kept).
    public mutating func reason(_ call: MakerSystem.Call, as caller: Address) -> String? {
        do {
            try run(call, as: caller)
            return nil
        } catch {
            return error.reason
        }
    }

    /// Whether `call` succeeds (dss tests' `try_tend` style).
    public mutating func tries(_ call: MakerSystem.Call, as caller: Address) -> Bool {
        reason(call, as: caller) == nil
    }

    /// Opens `owner`'s vault: joins `ink` collateral and frobs `ink`, `art` (WAD).
    public mutating func openVault(
        ilk: MakerSystem.IlkID, owner: Address, ink: UInt256, art: UInt256
    ) throws(Revert) {
        system.joinGem(ilk: ilk, owner: owner, amount: ink)
        try run(.frob(ilk: ilk, dink: .plus(ink), dart: .plus(art)), as: owner)
    }

    /// dss `clip.t.sol` setUp: gold ilk, mat 2, dust 20 RAD, chop 1.1, hole = Hole = 1000
    /// RAD; `me` opens ink 40 / art 100 at $5 (spot 2.5), then the OSM moves to $4
    /// (spot 2 RAY) and the vault is unsafe.
    public static func clipSetup(
        calc: PriceCurve = .stairstepExponentialDecrease(stepSeconds: 1, cut: ray("0.99")),
        buf: UInt256 = ray("1.25"), tail: UInt64 = 3600, cusp: UInt256 = ray("0.3"),
        chip: UInt256 = .zero, tip: UInt256 = .zero, chop: UInt256 = wad("1.1"),
        hole: UInt256 = rad("1000"), dust: UInt256 = rad("20")
    ) -> (MakerFixture, MakerSystem.IlkID) {
        var fixture = MakerFixture()
        let terms = MakerSystem.ClipTerms(
            clipper: clipper, chop: chop, hole: hole, buf: buf, tail: tail, cusp: cusp,
            chip: chip, tip: tip, calc: calc)
        let gold = fixture.system.addIlk(
            MakerSystem.IlkConfiguration(
                name: "gold", line: rad("10000"), dust: dust, mat: ray("2"),
                liquidation: .clip(terms)),
            at: fixture.now)
        do {
            try fixture.run(.poke(ilk: gold, price: wad("5")), as: governance)
            try fixture.openVault(ilk: gold, owner: me, ink: wad("40"), art: wad("100"))
            try fixture.run(.poke(ilk: gold, price: wad("4")), as: governance)
        } catch {
            preconditionFailure("clip setup: \(error)")
        }
        fixture.system.mintDai(to: ali, amount: rad("1000"))
        fixture.system.mintDai(to: bob, amount: rad("1000"))
        return (fixture, gold)
    }

    /// dss `flip.t.sol` through a real `bite`: an ilk whose bite yields lot 100, tab 50
    /// (chop 1, rate 1), with beg, ttl and tau as given; ali and bob hold 200 DAI each.
    public static func flipSetup(
        beg: UInt256 = wad("1.05"), ttl: UInt64 = 3 * 3600, tau: UInt64 = 2 * 86_400
    ) -> (MakerFixture, MakerSystem.IlkID, MakerSystem.AuctionID) {
        var fixture = MakerFixture()
        let terms = MakerSystem.FlipTerms(
            flipper: flipper, chop: wad("1"), dunk: rad("50"), beg: beg, ttl: ttl, tau: tau)
        let gem = fixture.system.addIlk(
            MakerSystem.IlkConfiguration(
                name: "gems", line: rad("10000"), dust: .zero, mat: ray("1"),
                liquidation: .flip(terms)),
            at: fixture.now)
        let id = MakerSystem.AuctionID(1)
        do {
            try fixture.run(.poke(ilk: gem, price: wad("1")), as: governance)
            try fixture.openVault(ilk: gem, owner: me, ink: wad("100"), art: wad("50"))
            try fixture.run(.poke(ilk: gem, price: wad("0.4")), as: governance)
            try fixture.run(.bite(ilk: gem, vault: me), as: keeper)
        } catch {
            preconditionFailure("flip setup: \(error)")
        }
        fixture.system.mintDai(to: ali, amount: rad("200"))
        fixture.system.mintDai(to: bob, amount: rad("200"))
        return (fixture, gem, id)
    }
}
