import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// What a keeper reads of a Clipper auction at a moment: dss `status` (price and whether
/// it needs `redo`) with the sale's lot and tab.
struct ClipQuote: Hashable, Sendable {
    /// Too old (`now − tic > tail`) or too cheap (`price / top < cusp`): needs `redo`.
    var needsRedo: Bool
    /// The auction's price now, RAY.
    var price: UInt256
    /// Collateral left, WAD.
    var lot: UInt256
    /// DAI still to raise, RAD.
    var tab: UInt256
    /// When the auction started or was last reset, seconds; its starting price, RAY; its
    /// ilk's price curve (so the keeper's recheck needs no second lookup).
    var tic: UInt64
    var top: UInt256
    var calc: PriceCurve
    /// The ilk's `chost` (RAD): the least tab a partial purchase may leave.
    var chost: UInt256

    /// The same sale at another moment: only its price and its need for `redo` move (one
    /// write through an optional element instead of one per field).
    mutating func reprice(_ price: UInt256, needsRedo: Bool) {
        self.price = price
        self.needsRedo = needsRedo
    }

    /// What a take of up to `amount` (WAD) at this quote's price buys: exactly
    /// `ProtocolState.plannedTake(auction:amount:maxPrice:now:)` with `maxPrice` the quoted
    /// price and the same `now` — the same steps of dss `take`'s arithmetic, without
    /// pricing the auction again (that second `rpow` was a fifth of the protocol world's
    /// time). Nil when nothing can be taken.
    func plannedTake(amount: UInt256) -> (slice: UInt256, owe: UInt256)? {
        guard !needsRedo, !price.isZero else { return nil }
        var slice = Swift.min(lot, amount)
        let (product, overflow) = slice.multipliedReportingOverflow(by: price)
        guard !overflow else { return nil }
        var owe = product
        if owe > tab {
            owe = tab
            slice = owe / price
        } else if owe < tab && slice < lot && tab - owe < chost {
            guard tab > chost else { return nil }
            owe = tab - chost
            slice = owe / price
        }
        return (slice, owe)
    }
}

/// Reads Clipper auction prices exactly as `MakerSystem.clipStatus` computes them, with
/// the stairstep curve's `rpow(cut, n)` remembered per step count (`StairstepFactors`,
/// the memo the Clipper's own takes and redos keep too).
///
/// Why: a keeper prices each live auction it looks at, and under the stairstep curve
/// (dss `StairstepExponentialDecrease`, the curve of the Clipper terms in use) each price
/// was an `rpow` of up to seven 256-bit multiply-and-divide rounds — a fifth of the
/// protocol world's time. The factor `cut^⌊elapsed / step⌋` depends only on the curve and
/// the step count, so every auction of an ilk shares a short table of them (a few dozen
/// entries up to the auction's `tail`). The price is then `rmul(top, factor)`: the same
/// operations in the same order as dss, so the same wei.
///
/// Other curves are read through `MakerSystem.clipStatus` unchanged.
///
/// Complexity: O(1) per read once the factor is known; O(log n) to compute it the first
/// time. Memory: at most `StairstepFactors.maxSteps` factors per distinct curve.
struct ClipPriceReader {
    /// The factors, shared by every auction the reader prices (`StairstepFactors`).
    private var factors = StairstepFactors()

    /// The auction's status at `now` (seconds), or nil if `id` is not a live Clipper
    /// auction.
    mutating func quote(
        _ id: MakerSystem.AuctionID, in maker: MakerSystem, now: UInt64
    ) -> ClipQuote? {
        guard case .clip(let sale)? = maker.auction(id) else { return nil }
        return quote(id, sale, in: maker, now: now)
    }

    /// The status at `now` of auction `id`, whose sale the caller has already read
    /// (`maker.auction(id)`): each read copies the whole auction.
    mutating func quote(
        _ id: MakerSystem.AuctionID, _ sale: MakerSystem.ClipAuction, in maker: MakerSystem,
        now: UInt64
    ) -> ClipQuote? {
        let ilk = maker.ilk(sale.ilk)
        guard case .clip(let terms) = ilk.liquidation else { return nil }
        guard case .stairstepExponentialDecrease(let step, let cut) = terms.calc, step > 0 else {
            return maker.clipStatus(id, now: now).map {
                ClipQuote(
                    needsRedo: $0.needsRedo, price: $0.price, lot: $0.lot, tab: $0.tab,
                    tic: sale.tic, top: sale.top, calc: terms.calc, chost: ilk.chost)
            }
        }
        return quote(
            tic: sale.tic, top: sale.top, lot: sale.lot, tab: sale.tab,
            StairstepTerms(step: step, cut: cut, terms: terms, chost: ilk.chost), now: now)
    }

    /// The status at `now` of a sale started at `tic` from `top` with `lot` and `tab` left,
    /// under stairstep `terms` (the ilk's, with its `chost`).
    mutating func quote(
        tic: UInt64, top: UInt256, lot: UInt256, tab: UInt256, _ terms: StairstepTerms,
        now: UInt64
    ) -> ClipQuote {
        let (price, needsRedo) = status(tic: tic, top: top, terms, now: now)
        return ClipQuote(
            needsRedo: needsRedo, price: price, lot: lot, tab: tab, tic: tic, top: top,
            calc: .stairstepExponentialDecrease(stepSeconds: terms.step, cut: terms.cut),
            chost: terms.chost)
    }

    /// dss `status`: the price at `now` of a sale started at `tic` from `top` under
    /// stairstep `terms`, and whether it needs `redo`.
    mutating func status(
        tic: UInt64, top: UInt256, _ terms: StairstepTerms, now: UInt64
    ) -> (price: UInt256, needsRedo: Bool) {
        status(tic: tic, top: top, terms, cusp: CuspBound(top: top, cusp: terms.cusp), now: now)
    }

    /// `status(tic:top:_:now:)` with the sale's cusp test made already (`CuspBound`: a
    /// caller that prices one sale at many steps makes it once).
    mutating func status(
        tic: UInt64, top: UInt256, _ terms: StairstepTerms, cusp: CuspBound, now: UInt64
    ) -> (price: UInt256, needsRedo: Bool) {
        // dss `status(tic, top)`, as `MakerSystem.status`: an agent asking about a moment
        // before `tic` (a stale view) gets the starting price.
        let elapsed = now >= tic ? now - tic : 0
        let price = rmul(
            top, factors.factor(step: terms.step, cut: terms.cut, steps: elapsed / terms.step))
        return (price, elapsed > terms.tail || cusp.isBelow(price))
    }
}

/// dss's cusp test of one sale, `rdiv(price, top) < cusp`, as a comparison of the price.
///
/// `⌊price·RAY / top⌋ < cusp` is, for integers, `price·RAY < cusp·top`; the test read
/// both products at 256 bits and counted an overflow of either as below the cusp. With
/// `cusp·top` fixed for the sale, `price·RAY < cusp·top` exactly when
/// `price < ⌈cusp·top / RAY⌉`, and `price·RAY` overflows exactly when
/// `price > ⌊(2²⁵⁶ − 1) / RAY⌋`: the two products are made once per sale instead of at
/// every price.
struct CuspBound: Equatable {
    /// `cusp·top` overflows: every price is below the cusp.
    var always = true
    /// `⌈cusp·top / RAY⌉`.
    var least = UInt256.zero

    static let largestScalable = UInt256.max / .ray

    init() {}

    init(top: UInt256, cusp: UInt256) {
        let (bound, overflow) = cusp.multipliedReportingOverflow(by: top)
        guard !overflow else { return }
        always = false
        let (quotient, remainder) = bound.quotientAndRemainder(dividingBy: .ray)
        least = remainder.isZero ? quotient : quotient + .one
    }

    @inline(__always)
    func isBelow(_ price: UInt256) -> Bool {
        always || price > Self.largestScalable || price < least
    }
}

/// What a Clipper quote under the stairstep curve reads of its ilk: the curve (`step` > 0),
/// `tail`, `cusp` and `chost`.
struct StairstepTerms: Equatable {
    var step: UInt64
    var cut: UInt256
    var tail: UInt64
    var cusp: UInt256
    var chost: UInt256

    init(step: UInt64, cut: UInt256, terms: MakerSystem.ClipTerms, chost: UInt256) {
        self.step = step
        self.cut = cut
        tail = terms.tail
        cusp = terms.cusp
        self.chost = chost
    }

    /// The terms of an ilk whose auctions are Clipper sales on a stairstep curve, or nil.
    init?(_ ilk: MakerSystem.Ilk) {
        guard case .clip(let terms) = ilk.liquidation,
            case .stairstepExponentialDecrease(let step, let cut) = terms.calc, step > 0
        else { return nil }
        self.init(step: step, cut: cut, terms: terms, chost: ilk.chost)
    }
}

/// What one auction pass of a keeper reads, once per pass, at the pass's time: the venue
/// mid of each collateral, the native token's price, and the keeper's spendable DAI in the
/// block's state.
///
/// Why: every auction looked at read the mid (an `exp` on the venue's book), priced its
/// gas (two market-path lookups) and read its capital (a dictionary lookup and a 256-bit
/// division) again, at the same time on the same view and state.
///
/// The view is not passed in: the keeper reads the mids into a buffer it keeps
/// (`Keeper.passMids`, not a new array per pass) and the native price from its own view
/// (an argument copied out of the keeper retained the view's five arrays, and released
/// them after, at every pass).
struct PassInputs {
    let now: SimTime
    /// The native token's price (quote per unit), for gas costs.
    let nativePrice: Double
    /// The keeper's DAI in the block's state, whole wei (WAD): ERC-20 and in the Vat.
    let capital: (erc20: UInt256, vat: UInt256)
    /// The same in RAD: Vat DAI, and Vat plus ERC-20 DAI (nil: beyond 2^256, more than
    /// any bid), for `Keeper.funding`.
    let capitalRad: (vat: UInt256?, total: UInt256?)
    /// The keeper's gas bid for the next block (nil above its ceiling): the same for every
    /// auction of the pass.
    let gasBid: GasBid?
    /// What a `take` and a flash take cost in gas at that bid, in quote units (0 without a
    /// bid): the same for every auction of the pass.
    let takeGasCost: Double
    let flashTakeGasCost: Double

    /// `gasCosts`: a take's and a flash take's gas cost at a bid and a native token price.
    init(
        now: SimTime, nativePrice: Double, capital: PassCapital, gasBid: GasBid?,
        gasCosts: (GasBid, Double) -> (take: Double, flash: Double) = { _, _ in (0, 0) }
    ) {
        self.gasBid = gasBid
        self.now = now
        self.nativePrice = nativePrice
        (takeGasCost, flashTakeGasCost) = gasBid.map { gasCosts($0, nativePrice) } ?? (0, 0)
        self.capital = capital.wad
        capitalRad = capital.rad
    }
}

/// A keeper's DAI for its auction passes (`PassInputs`), made from the two balances the
/// state holds: kept while they stay the same, as they do through most of a keeper's
/// passes, so that a pass does not divide and multiply by RAY again (5.5 M instructions
/// over the world bench's 66,000 passes).
struct PassCapital {
    /// The balances it is made from: ERC-20 DAI (WAD) and Vat DAI (RAD).
    let erc20Balance: UInt128
    let vatBalance: UInt256
    /// The DAI in whole wei (WAD): ERC-20, and the Vat's rounded down.
    let wad: (erc20: UInt256, vat: UInt256)
    /// The same in RAD: Vat DAI, and Vat plus ERC-20 DAI (nil: beyond 2^256).
    let rad: (vat: UInt256?, total: UInt256?)

    init(erc20Balance: UInt128, vatBalance: UInt256) {
        self.erc20Balance = erc20Balance
        self.vatBalance = vatBalance
        let wad = (erc20: UInt256(erc20Balance), vat: vatBalance / MakerSystem.ray)
        self.wad = wad
        func inRad(_ wad: UInt256) -> UInt256? {
            let (product, overflow) = wad.multipliedReportingOverflow(by: MakerSystem.ray)
            return overflow ? nil : product
        }
        let (total, overflow) = wad.erc20.addingReportingOverflow(wad.vat)
        rad = (inRad(wad.vat), overflow ? nil : inRad(total))
    }

    /// Whether it was made from these balances.
    func holds(erc20Balance: UInt128, vatBalance: UInt256) -> Bool {
        self.erc20Balance == erc20Balance && self.vatBalance == vatBalance
    }
}
