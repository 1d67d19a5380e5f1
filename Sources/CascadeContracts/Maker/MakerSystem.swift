import CascadeCore

/// MakerDAO's Multi-Collateral DAI core as it acts in a liquidation cascade: the Vat's
/// books, the Spotter, the Jug, the Vow, and both liquidation designs — Cat + Flipper
/// (Liquidations 1.2, Black Thursday) and Dog + Clipper (Liquidations 2.0) — in one value.
///
/// The modules are one value because on chain they call each other inside a single
/// transaction (`bark` grabs in the Vat, fesses to the Vow and kicks the Clipper); one
/// value keeps that atomic without any module holding a reference to another. Every
/// balance stays where dss keeps it: internal DAI (`dai`, RAD), unbacked debt (`sin`,
/// RAD), free collateral (`gem`, WAD) by address, so books can be audited as dss's are.
///
/// Each ilk uses exactly one liquidation design (`Liquidation.flip` or `.clip`). Amounts
/// are exact integers in dss's units: WAD (1e18) for token amounts, RAY (1e27) for
/// rates and prices, RAD (1e45) for DAI. Every formula rounds as dss does (down).
///
/// Outside the `Call`s, a few setup methods play the part of dss's join adapters and of
/// governance: `addIlk`, `joinGem`/`exitGem` (GemJoin), `mintDai`/`exitDai` (DAI that
/// enters or leaves the model).
///
/// ```swift
/// var maker = MakerSystem(configuration: config)
/// let eth = maker.addIlk(ethA, at: 0)
/// maker.joinGem(ilk: eth, owner: alice, amount: 10 * MakerSystem.wad)
/// try maker.apply(.poke(ilk: eth, price: 200 * MakerSystem.wad), caller: alice,
///                 block: block, events: &events)
/// try maker.apply(.frob(ilk: eth, dink: .plus(10 * wad), dart: .plus(1000 * wad)), ...)
/// ```
///
/// Complexity: every call is O(1) amortised (dictionary look-ups) except `checkInvariants`
/// (O(vaults + balances + auctions)) and the listings (O(auctions)).
public struct MakerSystem: Contract, Hashable, Sendable {
    /// The per-collateral state of every module.
    public struct Ilk: Hashable, Sendable {
        /// Human name (`"ETH-A"`).
        public let name: String
        /// Vat `Art`, WAD: the sum of all vaults' normalised debt.
        public internal(set) var totalArt: UInt256 = .zero
        /// Vat `rate`, RAY: accumulated stability fee; a vault owes `art · rate`.
        public internal(set) var rate: UInt256 = MakerSystem.ray
        /// Vat `spot`, RAY: collateral price over the liquidation ratio (0 until poked).
        public internal(set) var spot: UInt256 = .zero
        /// Vat `line`, RAD: debt ceiling.
        public internal(set) var line: UInt256
        /// Vat `dust`, RAD: smallest nonzero vault debt.
        public internal(set) var dust: UInt256
        /// Spotter `mat`, RAY: liquidation ratio.
        public internal(set) var mat: UInt256
        /// The OSM value last read (`pip.peek()`), WAD; `nil` until the first poke. The
        /// Spotter derives `spot` from it and the Clipper its starting price.
        public internal(set) var feedPrice: UInt256?
        /// Jug `duty`, RAY per second.
        public internal(set) var duty: UInt256
        /// Jug `rho`, seconds: when fees were last collected.
        public internal(set) var rho: UInt64
        /// The liquidation design and its parameters.
        public internal(set) var liquidation: Liquidation
        /// Dog `dirt`, RAD: DAI sought by this ilk's live Clipper auctions (0 for Flipper).
        public internal(set) var dirt: UInt256 = .zero
        /// Clipper `chost`, RAD: `wmul(dust, chop)`, refreshed by `upchost`.
        public internal(set) var chost: UInt256 = .zero
        /// Collateral joined minus collateral exited, WAD: what must be somewhere.
        public internal(set) var collateralEntered: UInt256 = .zero
    }

    /// A Flipper auction (dss `flip.sol` `Bid`).
    public struct FlipAuction: Hashable, Sendable {
        public let ilk: IlkID
        /// Highest bid so far, RAD.
        public internal(set) var bid: UInt256
        /// Collateral on offer, WAD.
        public internal(set) var lot: UInt256
        /// Highest bidder (the Cat until the first `tend`).
        public internal(set) var guy: Address
        /// When the current bid expires, seconds; 0 before the first bid.
        public internal(set) var tic: UInt64
        /// When the auction ends, seconds.
        public internal(set) var end: UInt64
        /// The liquidated vault's owner: receives collateral given back by `dent`.
        public let usr: Address
        /// Receives the DAI raised (the Vow).
        public let gal: Address
        /// DAI to raise, RAD (debt plus penalty).
        public let tab: UInt256
    }

    /// A Clipper auction (dss `clip.sol` `Sale`).
    public struct ClipAuction: Hashable, Sendable {
        public let ilk: IlkID
        /// DAI still to raise, RAD.
        public internal(set) var tab: UInt256
        /// Collateral left, WAD.
        public internal(set) var lot: UInt256
        /// The liquidated vault's owner: gets back any collateral left once tab is raised.
        public let usr: Address
        /// When the auction started or was last reset, seconds.
        public internal(set) var tic: UInt64
        /// Starting price, RAY (DAI per collateral unit).
        public internal(set) var top: UInt256
    }

    /// A live auction of either design.
    public enum Auction: Hashable, Sendable {
        case flip(FlipAuction)
        case clip(ClipAuction)

        /// The ilk whose collateral is on offer.
        public var ilk: IlkID {
            switch self {
            case .flip(let auction): auction.ilk
            case .clip(let auction): auction.ilk
            }
        }

        /// Collateral on offer, WAD.
        public var lot: UInt256 {
            switch self {
            case .flip(let auction): auction.lot
            case .clip(let auction): auction.lot
            }
        }
    }

    /// A flash `take` whose collateral was delivered and whose DAI is still owed.
    ///
    /// Between `take(..., flash: true)` and `settleTake`, the taker may do anything else
    /// the transaction bundles (exit the collateral, swap it on an AMM, join the DAI),
    /// as dss's `clipperCall` callback does. The transaction must settle before it ends.
    public struct PendingTake: Hashable, Sendable {
        public let auction: AuctionID
        /// Who must pay (the caller of `take`).
        public let payer: Address
        /// DAI owed to the Vow, RAD.
        public let owe: UInt256
    }

    /// System settings and module addresses.
    public internal(set) var configuration: Configuration
    /// Every ilk, indexed by `IlkID.rawValue`.
    public internal(set) var ilks: [Ilk] = []
    /// Vaults, gems, dai and sin in dense tables indexed by ilk and address (see
    /// `DenseTable`: no hashing, iteration in key order).
    var urns = IlkAccountTable<Urn>()
    var gems = IlkAccountTable<UInt256>()
    var daiBalances = AddressTable<UInt256>()
    var sinBalances = AddressTable<UInt256>()
    /// Vat `debt`, RAD: all DAI in existence inside the Vat.
    public internal(set) var debt: UInt256 = .zero
    /// Vat `vice`, RAD: all unbacked debt (`sin`).
    public internal(set) var vice: UInt256 = .zero
    /// Cat `litter`, RAD: DAI sought by live Flipper auctions.
    public internal(set) var litter: UInt256 = .zero
    /// Dog `Dirt`, RAD: DAI sought by live Clipper auctions.
    public internal(set) var globalDirt: UInt256 = .zero
    /// Vow `Sin`, RAD: fessed debt still queued (not yet flogged).
    public internal(set) var queuedSin: UInt256 = .zero
    var sinQueue: [UInt64: UInt256] = [:]
    /// Auctions by id − 1; `nil` once an auction ends. Dense, so iteration is by id;
    /// chunked, so ending one auction after a snapshot copies 64 slots, not all of them.
    @usableFromInline var auctionSlots = ChunkedArray<Auction?>()
    /// Per auction slot, a number no other write to the slots has had: see
    /// `auctionRevision(_:)`. Not part of the system's value (`AuctionRevisions` compares
    /// equal and hashes nothing), only a way for a reader to recognise a slot it has read.
    @usableFromInline var auctionRevisions = AuctionRevisions()
    /// The stairstep curves' factors the Clipper's takes and redos have priced with: a
    /// memo, not state (`StairstepFactors`).
    var priceFactors = StairstepFactors()
    /// The flash take awaiting `settleTake`, if any.
    public internal(set) var pendingTake: PendingTake?

    /// A system with no ilks.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: - Setup (governance and join adapters)

    /// Registers a collateral type (dss `vat.init`, `spotter.file`, `jug.init`,
    /// `cat.file`/`dog.file`, `clip.upchost`), and returns its id. `timestamp` starts the
    /// Jug's fee clock.
    ///
    /// Preconditions: `chop ≥ 1 WAD`, `duty ≥ 1 RAY` (this model does not lower rates),
    /// Clipper `chip < 2^64` and `tip < 2^192` (their dss storage widths).
    public mutating func addIlk(_ config: IlkConfiguration, at timestamp: UInt64) -> IlkID {
        precondition(ilks.count < Int(UInt16.max), "too many ilks")
        precondition(config.duty >= Self.ray, "duty below one RAY is not modelled")
        precondition(config.mat > .zero, "mat must be positive")
        var chost = UInt256.zero
        switch config.liquidation {
        case .flip(let terms):
            precondition(terms.chop >= Self.wad, "chop below one WAD")
        case .clip(let terms):
            precondition(terms.chop >= Self.wad, "chop below one WAD")
            precondition(terms.chip < (UInt256.one << 64), "chip is a uint64")
            precondition(terms.tip < (UInt256.one << 192), "tip is a uint192")
            chost = config.dust * terms.chop / Self.wad
        }
        var ilk = Ilk(
            name: config.name, line: config.line, dust: config.dust, mat: config.mat,
            duty: config.duty, rho: timestamp, liquidation: config.liquidation)
        ilk.chost = chost
        ilks.append(ilk)
        return IlkID(rawValue: UInt16(ilks.count - 1))
    }

    /// Changes an ilk's liquidation parameters (governance `file`), keeping its design.
    ///
    /// Live auctions keep running under the new parameters, as in dss. `chost` is not
    /// refreshed: call `.upchost` as on chain.
    public mutating func setLiquidation(_ liquidation: Liquidation, of ilk: IlkID) {
        let current = ilks[Int(ilk.rawValue)].liquidation
        switch (current, liquidation) {
        case (.flip, .flip), (.clip, .clip): break
        default: preconditionFailure("an ilk keeps its liquidation design")
        }
        ilks[Int(ilk.rawValue)].liquidation = liquidation
    }

    /// Changes an ilk's Vat `dust` (governance `file`), RAD.
    public mutating func setDust(_ dust: UInt256, of ilk: IlkID) {
        ilks[Int(ilk.rawValue)].dust = dust
    }

    /// Changes an ilk's Vat `line` (governance `file`), RAD.
    public mutating func setLine(_ line: UInt256, of ilk: IlkID) {
        ilks[Int(ilk.rawValue)].line = line
    }

    /// Changes an ilk's Vat `rate` directly, RAY, crediting the Vow as `fold` does.
    ///
    /// A test convenience for the upstream vectors that set `rate` by hand.
    public mutating func setRate(_ rate: UInt256, of ilk: IlkID) throws(Revert) {
        let current = ilks[Int(ilk.rawValue)].rate
        precondition(rate >= current, "this model does not lower rates")
        try fold(ilk: ilk, into: configuration.vow, by: rate - current)
    }

    /// Changes system settings (governance `file`); module addresses must not change.
    public mutating func setConfiguration(_ config: Configuration) {
        precondition(config.vow == configuration.vow && config.cat == configuration.cat)
        configuration = config
    }

    // MARK: - Reading state

    /// The ilk's state.
    /// `@inlinable` so a caller that reads one field reads it in place: returned whole from
    /// another module, every call copied the ilk (a dozen 256-bit words and its name), 2%
    /// of a Black Thursday run.
    @inlinable
    public func ilk(_ id: IlkID) -> Ilk {
        ilks[Int(id.rawValue)]
    }

    /// The ids of every ilk, in registration order.
    public var ilkIDs: [IlkID] {
        ilks.indices.map { IlkID(rawValue: UInt16($0)) }
    }

    /// `owner`'s vault of `ilk` (zero if never opened).
    public func urn(ilk: IlkID, owner: Address) -> Urn {
        urns[IlkAccount(ilk: ilk, owner: owner)] ?? Urn()
    }

    /// Owners of a vault of `ilk` with nonzero ink or art, in address order.
    public func vaultOwners(ilk: IlkID) -> [Address] {
        urns.owners(of: ilk)
    }

    /// Owners of an unsafe vault of `ilk` (liquidatable now), in address order.
    ///
    /// Complexity: O(vaults of all ilks), for keepers' scans.
    public func unsafeVaults(ilk: IlkID) -> [Address] {
        vaultOwners(ilk: ilk).filter { isUnsafe(ilk: ilk, owner: $0) }
    }

    /// `owner`'s free collateral of `ilk` in the Vat, WAD.
    public func gem(ilk: IlkID, owner: Address) -> UInt256 {
        gems[IlkAccount(ilk: ilk, owner: owner)] ?? .zero
    }

    /// `owner`'s internal DAI, RAD.
    public func dai(_ owner: Address) -> UInt256 {
        daiBalances[owner] ?? .zero
    }

    /// `owner`'s unbacked debt, RAD.
    public func sin(_ owner: Address) -> UInt256 {
        sinBalances[owner] ?? .zero
    }

    /// The auction with id `id`, if it is live.
    @inlinable
    public func auction(_ id: AuctionID) -> Auction? {
        let index = Int(id.rawValue) - 1
        guard index >= 0, index < auctionSlots.count else { return nil }
        return auctionSlots[index]
    }

    /// The Clipper sale with id `id`, if it is live (nil for a Flipper auction).
    @inlinable
    public func clipSale(_ id: AuctionID) -> ClipAuction? {
        let index = Int(id.rawValue) - 1
        guard index >= 0, index < auctionSlots.count,
            case .clip(let sale)? = auctionSlots[index]
        else { return nil }
        return sale
    }

    /// The revision of auction slot `id`: changed by every write to it (a kick, a `take`,
    /// `tend`, `dent`, `redo`, the end of the auction), never to a number the slots have had
    /// before in this system's history. An agent that read a sale from a block's state and
    /// kept the revision knows another block's state holds the same sale when the revision is
    /// the same, without comparing it field by field (which copied the auction out of its
    /// table). Nil for an id never kicked.
    @inlinable
    public func auctionRevision(_ id: AuctionID) -> UInt64? {
        let index = Int(id.rawValue) - 1
        guard index >= 0, index < auctionRevisions.slots.count else { return nil }
        return auctionRevisions.slots[index]
    }

    /// Ids of all live auctions, ascending.
    public var liveAuctionIDs: [AuctionID] {
        auctionSlots.indices.compactMap { index in
            auctionSlots[index] == nil ? nil : AuctionID(UInt64(index + 1))
        }
    }

    /// Timestamps under which the Vow has debt queued (`sin[era]`), ascending.
    public var sinQueueEras: [UInt64] {
        sinQueue.keys.sorted()
    }

    /// How many auctions were ever kicked (dss `kicks`, across all houses).
    public var kicks: UInt64 { UInt64(auctionSlots.count) }

    /// Bad debt, RAD: the Vow's `sin` not covered by its `dai`.
    ///
    /// The Vow's `sin` is every debt grabbed from liquidated vaults plus keeper rewards it
    /// paid (`suck`); its `dai` is auction proceeds and stability fees. While auctions run,
    /// this counts their unpaid tabs; once none is live it is the system's deficit.
    /// `heal` leaves it unchanged (it burns equal `dai` and `sin`).
    public var badDebt: UInt256 {
        let vow = configuration.vow
        return sin(vow) > dai(vow) ? sin(vow) - dai(vow) : .zero
    }

    /// Surplus, RAD: the Vow's `dai` beyond its `sin`.
    public var surplus: UInt256 {
        let vow = configuration.vow
        return dai(vow) > sin(vow) ? dai(vow) - sin(vow) : .zero
    }

    /// Whether `owner`'s vault of `ilk` can be liquidated: `spot > 0 && ink·spot < art·rate`.
    public func isUnsafe(ilk: IlkID, owner: Address) -> Bool {
        let state = self.ilk(ilk)
        let vault = urn(ilk: ilk, owner: owner)
        guard state.spot > .zero else { return false }
        let collateral = vault.ink.multipliedFullWidth(by: state.spot)
        let owed = vault.art.multipliedFullWidth(by: state.rate)
        return (collateral.high, collateral.low) < (owed.high, owed.low)
    }
}

/// The revisions of a `MakerSystem`'s auction slots (`MakerSystem.auctionRevision(_:)`):
/// bookkeeping for readers, not state of the contracts, so two systems with the same
/// auctions are equal whatever their revisions.
public struct AuctionRevisions: Hashable, Sendable {
    /// Per slot (auction id − 1), its revision; chunked as the slots are, so a write after
    /// a block's snapshot copies one chunk.
    @usableFromInline var slots = ChunkedArray<UInt64>()
    /// The revision the next write gets.
    @usableFromInline var next: UInt64 = 1

    public init() {}

    /// A new slot's revision.
    mutating func open() {
        slots.append(next)
        next += 1
    }

    /// Slot `index` was written (or set back by a reverted call's journal: a new revision
    /// too, which only makes a reader read it again).
    mutating func write(_ index: Int) {
        slots[index] = next
        next += 1
    }

    /// The slots from `count` on were undone (a reverted kick).
    mutating func truncate(to count: Int) {
        slots.removeLast(slots.count - count)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}
