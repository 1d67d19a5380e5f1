import CascadeCore

/// A `bite` (Cat) or `bark` (Dog): a vault seized into an auction.
///
/// `ink` and `art` are the vault's before the liquidation, so the seized amounts can be
/// recomputed from the trace with the ilk's parameters.
public struct MakerLiquidation: Hashable, Sendable {
    /// The vault's owner.
    public let vault: Address
    public let ilk: MakerSystem.IlkID
    /// Vault collateral before, WAD.
    public let ink: UInt256
    /// Vault normalised debt before, WAD.
    public let art: UInt256
    /// Ilk rate, RAY.
    public let rate: UInt256
    /// Ilk spot, RAY.
    public let spot: UInt256
    /// Normalised debt seized, WAD.
    public let dart: UInt256
    /// Debt seized, `dart · rate`, RAD: fessed to the Vow.
    public let due: UInt256
    /// DAI the auction seeks, `due · chop / WAD`, RAD.
    public let tab: UInt256
    /// Collateral seized, WAD.
    public let lot: UInt256
    public let auction: MakerSystem.AuctionID
}

/// The two auction designs, as the trace's `kind` field names them.
public enum MakerAuctionKind: String, Hashable, Sendable {
    case flip
    case clip
}

/// An auction started. Fields that do not apply to a design are zero: a Flipper has no
/// `top` and its `tic` is 0 until the first bid; a Clipper has no `end` and starts at `bid` 0.
public struct MakerKick: Hashable, Sendable {
    public let auction: MakerSystem.AuctionID
    public let kind: MakerAuctionKind
    public let ilk: MakerSystem.IlkID
    /// RAD.
    public let tab: UInt256
    /// WAD.
    public let lot: UInt256
    /// RAD.
    public let bid: UInt256
    /// Clipper starting price, RAY.
    public let top: UInt256
    /// Seconds.
    public let tic: UInt64
    /// Flipper auction end, seconds.
    public let end: UInt64
    /// Who received the Clipper's keeper incentive (`nil` for a Flipper).
    public let keeper: Address?
    /// The incentive paid, `tip + wmul(tab, chip)`, RAD.
    public let coin: UInt256
}

/// A Flipper `tend` or `dent`.
public struct MakerBid: Hashable, Sendable {
    public let auction: MakerSystem.AuctionID
    public let bidder: Address
    /// WAD, after the bid.
    public let lot: UInt256
    /// RAD, after the bid.
    public let bid: UInt256
    /// RAD.
    public let previousBid: UInt256
    /// WAD.
    public let previousLot: UInt256
    /// WAD.
    public let beg: UInt256
    /// RAD.
    public let tab: UInt256
    /// The new bid expiry, seconds.
    public let tic: UInt64
}

/// A Flipper `deal`: the lot went to the winner; `tab − bid` RAD stays as bad debt.
public struct MakerDeal: Hashable, Sendable {
    public let auction: MakerSystem.AuctionID
    public let winner: Address
    /// WAD.
    public let lot: UInt256
    /// RAD.
    public let bid: UInt256
    /// RAD.
    public let tab: UInt256
}

/// A Clipper `take`.
public struct MakerTake: Hashable, Sendable {
    public let auction: MakerSystem.AuctionID
    public let taker: Address
    /// Most collateral wanted, WAD.
    public let amt: UInt256
    /// Highest acceptable price, RAY.
    public let max: UInt256
    /// Price paid, RAY.
    public let price: UInt256
    /// RAY.
    public let top: UInt256
    /// Seconds.
    public let tic: UInt64
    /// Collateral bought, WAD.
    public let slice: UInt256
    /// DAI paid, `slice · price` (or capped), RAD.
    public let owe: UInt256
    /// RAD.
    public let tabAfter: UInt256
    /// WAD.
    public let lotAfter: UInt256
    /// Who received the collateral.
    public let who: Address
    /// Whether the DAI is paid later by `settleTake` (flash callback).
    public let flash: Bool
}

/// A Clipper `redo`.
public struct MakerRedo: Hashable, Sendable {
    public let auction: MakerSystem.AuctionID
    /// New starting price, RAY.
    public let top: UInt256
    /// Seconds.
    public let tic: UInt64
    public let keeper: Address
    /// Incentive paid, RAD (0 for a dusty auction).
    public let coin: UInt256
}

/// A vault changed by `frob`.
public struct MakerFrob: Hashable, Sendable {
    public let ilk: MakerSystem.IlkID
    public let owner: Address
    public let dink: MakerSystem.Delta
    public let dart: MakerSystem.Delta
    /// WAD, after.
    public let ink: UInt256
    /// WAD, after.
    public let art: UInt256
    /// RAY.
    public let rate: UInt256
    /// RAY.
    public let spot: UInt256
}

extension MakerSystem {
    /// What happened, with inputs and outputs, in the names of INTERFACE.md's trace.
    public enum Event: Hashable, Sendable {
        case frobbed(MakerFrob)
        case poked(ilk: IlkID, price: UInt256, spot: UInt256)
        case dripped(ilk: IlkID, rate: UInt256, previousRate: UInt256, seconds: UInt64)
        case healed(rad: UInt256)
        case bitten(MakerLiquidation)
        case barked(MakerLiquidation)
        case kicked(MakerKick)
        case tended(MakerBid)
        case dented(MakerBid)
        case dealt(MakerDeal)
        case ticked(auction: AuctionID, end: UInt64)
        case yanked(auction: AuctionID, lot: UInt256)
        case taken(MakerTake)
        case takeSettled(auction: AuctionID, payer: Address, owe: UInt256)
        case redone(MakerRedo)

        /// The trace's `type` (INTERFACE.md): `bite`, `bark`, `kick`, `tend`, ...
        public var traceType: String {
            switch self {
            case .frobbed: "frob"
            case .poked: "spot_poke"
            case .dripped: "drip"
            case .healed: "heal"
            case .bitten: "bite"
            case .barked: "bark"
            case .kicked: "kick"
            case .tended: "tend"
            case .dented: "dent"
            case .dealt: "deal"
            case .ticked: "tick"
            case .yanked: "yank"
            case .taken: "take"
            case .takeSettled: "take_settle"
            case .redone: "redo"
            }
        }

        /// The trace's fields in order, values as exact decimal integers (base units).
        /// INTERFACE.md's fields come first; extra fields follow. Ilks appear as `ilk#N`.
        public var traceFields: [(name: String, value: String)] {
            traceFields(ilkName: \.description)
        }

        /// The trace's fields, with ilks named by `ilkName` (e.g. `system.ilk(id).name`).
        public func traceFields(ilkName: (IlkID) -> String) -> [(name: String, value: String)] {
            switch self {
            case .frobbed(let e):
                [
                    ("ilk", ilkName(e.ilk)), ("owner", e.owner.description),
                    ("dink", e.dink.description), ("dart", e.dart.description),
                    ("ink", e.ink.description), ("art", e.art.description),
                    ("rate", e.rate.description), ("spot", e.spot.description),
                ]
            case .poked(let ilk, let price, let spot):
                [
                    ("ilk", ilkName(ilk)), ("price", price.description),
                    ("spot", spot.description),
                ]
            case .dripped(let ilk, let rate, let previousRate, let seconds):
                [
                    ("ilk", ilkName(ilk)), ("rate", rate.description),
                    ("previous_rate", previousRate.description), ("seconds", String(seconds)),
                ]
            case .healed(let rad):
                [("rad", rad.description)]
            case .bitten(let e), .barked(let e):
                [
                    ("vault", e.vault.description), ("ilk", ilkName(e.ilk)),
                    ("ink", e.ink.description), ("art", e.art.description),
                    ("rate", e.rate.description), ("spot", e.spot.description),
                    ("tab", e.tab.description), ("lot", e.lot.description),
                    ("auction", e.auction.description), ("dart", e.dart.description),
                    ("due", e.due.description),
                ]
            case .kicked(let e):
                [
                    ("auction", e.auction.description), ("kind", e.kind.rawValue),
                    ("tab", e.tab.description), ("lot", e.lot.description),
                    ("bid", e.bid.description), ("top", e.top.description),
                    ("tic", String(e.tic)), ("end", String(e.end)),
                    ("ilk", ilkName(e.ilk)), ("keeper", e.keeper?.description ?? ""),
                    ("coin", e.coin.description),
                ]
            case .tended(let e), .dented(let e):
                [
                    ("auction", e.auction.description), ("bidder", e.bidder.description),
                    ("lot", e.lot.description), ("bid", e.bid.description),
                    ("previous_bid", e.previousBid.description),
                    ("previous_lot", e.previousLot.description), ("beg", e.beg.description),
                    ("tab", e.tab.description), ("tic", String(e.tic)),
                ]
            case .dealt(let e):
                [
                    ("auction", e.auction.description), ("winner", e.winner.description),
                    ("lot", e.lot.description), ("bid", e.bid.description),
                    ("tab", e.tab.description),
                ]
            case .ticked(let auction, let end):
                [("auction", auction.description), ("end", String(end))]
            case .yanked(let auction, let lot):
                [("auction", auction.description), ("lot", lot.description)]
            case .taken(let e):
                [
                    ("auction", e.auction.description), ("taker", e.taker.description),
                    ("amt", e.amt.description), ("max", e.max.description),
                    ("price", e.price.description), ("top", e.top.description),
                    ("tic", String(e.tic)), ("slice", e.slice.description),
                    ("owe", e.owe.description), ("tab_after", e.tabAfter.description),
                    ("lot_after", e.lotAfter.description), ("who", e.who.description),
                    ("flash", e.flash ? "true" : "false"),
                ]
            case .takeSettled(let auction, let payer, let owe):
                [
                    ("auction", auction.description), ("payer", payer.description),
                    ("owe", owe.description),
                ]
            case .redone(let e):
                [
                    ("auction", e.auction.description), ("top", e.top.description),
                    ("tic", String(e.tic)), ("keeper", e.keeper.description),
                    ("coin", e.coin.description),
                ]
            }
        }
    }
}
