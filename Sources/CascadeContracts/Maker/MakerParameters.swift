import CascadeCore

extension MakerSystem {
    /// System-wide settings and the addresses the modules hold internal balances under.
    ///
    /// In dss each module is a contract with its own address; the Vat keeps DAI, debt and
    /// collateral balances by address. Here the modules live in one value, but their
    /// balances stay separate so the books read as dss's do: the vow's `dai` and `sin`, the
    /// Cat's placeholder bidder, the auction houses' collateral.
    public struct Configuration: Hashable, Sendable {
        /// The Vow (dss `vow.sol`): receives auction proceeds and fees, carries bad debt.
        public var vow: Address
        /// The Cat: the first "bidder" of every Flipper auction (dss `flip.kick` sets
        /// `guy = msg.sender`), so the first `tend` refunds it a zero bid.
        public var cat: Address
        /// The Dog: named here only so the Clipper's flash-callback rule can exclude it.
        public var dog: Address
        /// Governance (dss `auth` wards): the only caller of `yank` and `setStopped`.
        public var governance: Address
        /// `Line`, RAD: the global debt ceiling.
        public var globalLine: UInt256
        /// Cat `box`, RAD: the most DAI (tab) all Flipper auctions may seek at once.
        public var box: UInt256
        /// Dog `Hole`, RAD: the most DAI all Clipper auctions may seek at once.
        public var globalHole: UInt256
        /// Jug `base`, RAY per second: added to every ilk's `duty`. Usually 0.
        public var base: UInt256
        /// Spotter `par`, RAY: the reference price of DAI (1 RAY = $1).
        public var par: UInt256
        /// Vow `wait`, seconds: how long fessed debt stays queued before `flog` frees it.
        public var wait: UInt64

        public init(
            vow: Address, cat: Address, dog: Address, governance: Address,
            globalLine: UInt256, box: UInt256 = .zero, globalHole: UInt256 = .zero,
            base: UInt256 = .zero, par: UInt256 = MakerSystem.ray, wait: UInt64 = 0
        ) {
            self.vow = vow
            self.cat = cat
            self.dog = dog
            self.governance = governance
            self.globalLine = globalLine
            self.box = box
            self.globalHole = globalHole
            self.base = base
            self.par = par
            self.wait = wait
        }
    }

    /// The Cat + Flipper settings of one ilk (Liquidations 1.2, dss `cat.sol`, `flip.sol`).
    public struct FlipTerms: Hashable, Sendable {
        /// The Flipper's address: it holds the collateral of this ilk's live auctions.
        public var flipper: Address
        /// Liquidation penalty, WAD (1.13 WAD = 13%); must be ≥ 1 WAD.
        public var chop: UInt256
        /// `dunk`, RAD: the most DAI (tab, penalty included) one auction seeks (Cat v2,
        /// Liquidations 1.2). Ignored when `lump` is set.
        public var dunk: UInt256
        /// `lump`, WAD: the most collateral one auction sells — the v1 Cat in force on
        /// Black Thursday, which had no `dunk` and no `box`. nil: the v2 Cat (`dunk`).
        public var lump: UInt256?
        /// Minimum bid increase, WAD (1.05 WAD = 5%); also the minimum lot decrease.
        public var beg: UInt256
        /// Bid lifetime, seconds: an auction is dealt `ttl` after its last bid.
        public var ttl: UInt64
        /// Auction length, seconds: an auction ends at `kick + tau` whatever the bids.
        public var tau: UInt64

        public init(
            flipper: Address, chop: UInt256, dunk: UInt256,
            beg: UInt256 = 1_050_000_000_000_000_000, ttl: UInt64 = 3 * 3600,
            tau: UInt64 = 2 * 86_400, lump: UInt256? = nil
        ) {
            self.flipper = flipper
            self.chop = chop
            self.dunk = dunk
            self.lump = lump
            self.beg = beg
            self.ttl = ttl
            self.tau = tau
        }
    }

    /// The Dog + Clipper settings and per-ilk state of one ilk (Liquidations 2.0, dss
    /// `dog.sol`, `clip.sol`).
    public struct ClipTerms: Hashable, Sendable {
        /// The Clipper's address: it holds the collateral of this ilk's live auctions.
        public var clipper: Address
        /// Liquidation penalty, WAD; must be ≥ 1 WAD.
        public var chop: UInt256
        /// Dog `hole`, RAD: the most DAI this ilk's auctions may seek at once.
        public var hole: UInt256
        /// Starting-price multiplier over the feed price, RAY (1.25 RAY = +25%).
        public var buf: UInt256
        /// Seconds after which an auction needs `redo`.
        public var tail: UInt64
        /// Fraction of `top`, RAY, below which an auction needs `redo`.
        public var cusp: UInt256
        /// Keeper reward proportional to the tab, WAD (`uint64` in dss, so < 2^64).
        public var chip: UInt256
        /// Flat keeper reward, RAD (`uint192` in dss, so < 2^192).
        public var tip: UInt256
        /// The price curve (dss `abaci.sol`), read at `now - tic`.
        public var calc: PriceCurve
        /// Circuit breaker: 1 blocks `kick`, 2 also `redo`, 3 also `take`.
        public var stopped: Int

        public init(
            clipper: Address, chop: UInt256, hole: UInt256, buf: UInt256, tail: UInt64,
            cusp: UInt256, chip: UInt256 = .zero, tip: UInt256 = .zero, calc: PriceCurve,
            stopped: Int = 0
        ) {
            self.clipper = clipper
            self.chop = chop
            self.hole = hole
            self.buf = buf
            self.tail = tail
            self.cusp = cusp
            self.chip = chip
            self.tip = tip
            self.calc = calc
            self.stopped = stopped
        }
    }

    /// Which liquidation design an ilk uses: each ilk has exactly one.
    public enum Liquidation: Hashable, Sendable {
        /// Cat.bite and an English Flipper auction (Liquidations 1.2).
        case flip(FlipTerms)
        /// Dog.bark and a Dutch Clipper auction (Liquidations 2.0).
        case clip(ClipTerms)

        /// The auction house's address.
        public var auctionHouse: Address {
            switch self {
            case .flip(let terms): terms.flipper
            case .clip(let terms): terms.clipper
            }
        }
    }

    /// Everything needed to register a collateral type.
    public struct IlkConfiguration: Hashable, Sendable {
        /// Human name (`"ETH-A"`), for traces.
        public var name: String
        /// Vat `line`, RAD: this ilk's debt ceiling.
        public var line: UInt256
        /// Vat `dust`, RAD: the smallest debt a vault may hold, other than zero.
        public var dust: UInt256
        /// Spotter `mat`, RAY: liquidation ratio (1.5 RAY = 150%).
        public var mat: UInt256
        /// Jug `duty`, RAY per second: the stability fee (1 RAY = no fee).
        public var duty: UInt256
        /// The liquidation design and its parameters.
        public var liquidation: Liquidation

        public init(
            name: String, line: UInt256, dust: UInt256, mat: UInt256,
            duty: UInt256 = MakerSystem.ray, liquidation: Liquidation
        ) {
            self.name = name
            self.line = line
            self.dust = dust
            self.mat = mat
            self.duty = duty
            self.liquidation = liquidation
        }
    }
}
