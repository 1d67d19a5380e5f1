import CascadeCore

extension MakerSystem {
    /// The requests MakerSystem accepts, one per external dss function a keeper, a vault
    /// owner or governance calls. Argument names follow dss so a trace reads beside the
    /// Solidity; units are those of dss (WAD amounts, RAY prices, RAD DAI).
    public enum Call: Hashable, Sendable {
        /// Vat `frob` on the caller's own vault: lock (`dink > 0`) or free collateral from
        /// the caller's `gem`, draw (`dart > 0`) or wipe debt into or from the caller's
        /// `dai`. `dink`, `dart` WAD.
        case frob(ilk: IlkID, dink: Delta, dart: Delta)
        /// Vat `move`: internal DAI from the caller to `to`, RAD.
        case move(to: Address, rad: UInt256)
        /// Vat `flux`: free collateral from the caller to `to`, WAD.
        case flux(ilk: IlkID, to: Address, wad: UInt256)
        /// Spotter `poke`: `price` is the OSM's current value (`pip.peek()`), WAD. The
        /// chain passes the OSM contract's value; `spot = price·1e9 / par / mat`.
        case poke(ilk: IlkID, price: UInt256)
        /// Jug `drip`: accrue the stability fee since `rho` into `rate`, paying the Vow.
        case drip(ilk: IlkID)
        /// Vow `flog`: release the debt fessed at timestamp `era` once `wait` has passed.
        case flog(era: UInt64)
        /// Vow `heal`: cancel `rad` of the Vow's DAI against its released `sin`.
        case heal(rad: UInt256)
        /// Cat `bite`: liquidate `vault`'s vault of `ilk` into a Flipper auction.
        case bite(ilk: IlkID, vault: Address)
        /// Flipper `tend`: bid `bid` RAD for the whole `lot` WAD.
        case tend(auction: AuctionID, lot: UInt256, bid: UInt256)
        /// Flipper `dent`: at `bid == tab`, accept a smaller `lot` WAD.
        case dent(auction: AuctionID, lot: UInt256, bid: UInt256)
        /// Flipper `deal`: settle a finished auction.
        case deal(auction: AuctionID)
        /// Flipper `tick`: restart an auction that ended with no bid.
        case tick(auction: AuctionID)
        /// Flipper or Clipper `yank` (governance only): end an auction early, taking its
        /// collateral; a Flipper's highest bidder is refunded by the caller.
        case yank(auction: AuctionID)
        /// Dog `bark`: liquidate `vault`'s vault of `ilk` into a Clipper auction; `keeper`
        /// receives the incentive (`tip + chip·tab`).
        case bark(ilk: IlkID, vault: Address, keeper: Address)
        /// Clipper `take`: buy up to `amt` WAD at no more than `max` RAY, collateral to
        /// `who`. With `flash`, the collateral is delivered first and the caller must
        /// `settleTake` later in the same transaction (dss's `clipperCall` callback).
        case take(auction: AuctionID, amt: UInt256, max: UInt256, who: Address, flash: Bool)
        /// Pays the DAI of the pending flash `take` from the caller to the Vow.
        case settleTake
        /// Clipper `redo`: reset an auction that needs it; `keeper` may be rewarded.
        case redo(auction: AuctionID, keeper: Address)
        /// Clipper `upchost`: refresh `chost = wmul(dust, chop)`.
        case upchost(ilk: IlkID)
        /// Clipper `file("stopped", level)` (governance only), level 0…3.
        case setStopped(ilk: IlkID, level: Int)
    }

    /// Runs one call. On a revert, `self` and `events` are unchanged: every operation
    /// checks all its conditions before its first write.
    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        if pendingTake != nil {
            switch call {
            case .settleTake, .move, .flux, .frob: break
            default: throw Revert("Clipper/system-locked")
            }
        }
        let now = block.timestamp
        switch call {
        case .frob(let ilk, let dink, let dart):
            try requireIlk(ilk)
            try frob(ilk: ilk, owner: caller, dink: dink, dart: dart, events: &events)
        case .move(let destination, let rad):
            try moveDai(from: caller, to: destination, rad: rad)
        case .flux(let ilk, let destination, let wad):
            try requireIlk(ilk)
            try fluxGem(ilk: ilk, from: caller, to: destination, wad: wad)
        case .poke(let ilk, let price):
            try requireIlk(ilk)
            try poke(ilk: ilk, price: price, events: &events)
        case .drip(let ilk):
            try requireIlk(ilk)
            try drip(ilk: ilk, now: now, events: &events)
        case .flog(let era):
            try flog(era: era, now: now)
        case .heal(let rad):
            try heal(rad: rad, events: &events)
        case .bite(let ilk, let vault):
            try requireIlk(ilk)
            try bite(ilk: ilk, owner: vault, now: now, events: &events)
        case .tend(let id, let lot, let bid):
            try tend(id: id, lot: lot, bid: bid, bidder: caller, now: now, events: &events)
        case .dent(let id, let lot, let bid):
            try dent(id: id, lot: lot, bid: bid, bidder: caller, now: now, events: &events)
        case .deal(let id):
            try deal(id: id, now: now, events: &events)
        case .tick(let id):
            try tick(id: id, now: now, events: &events)
        case .yank(let id):
            guard caller == configuration.governance else { throw Revert("Maker/not-authorized") }
            try yank(id: id, caller: caller, events: &events)
        case .bark(let ilk, let vault, let keeper):
            try requireIlk(ilk)
            try bark(ilk: ilk, owner: vault, keeper: keeper, now: now, events: &events)
        case .take(let id, let amt, let max, let who, let flash):
            try take(
                id: id, amt: amt, max: max, who: who, flash: flash, taker: caller, now: now,
                events: &events)
        case .settleTake:
            try settleTake(payer: caller, events: &events)
        case .redo(let id, let keeper):
            try redo(id: id, keeper: keeper, now: now, events: &events)
        case .upchost(let ilk):
            try requireIlk(ilk)
            try upchost(ilk: ilk)
        case .setStopped(let ilk, let level):
            guard caller == configuration.governance else { throw Revert("Maker/not-authorized") }
            try requireIlk(ilk)
            try setStopped(ilk: ilk, level: level)
        }
    }

    func requireIlk(_ ilk: IlkID) throws(Revert) {
        guard Int(ilk.rawValue) < ilks.count else { throw Revert("Vat/ilk-not-init") }
    }
}
