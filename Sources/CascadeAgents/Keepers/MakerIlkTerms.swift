import CascadeCore

/// The parameters of one Maker collateral type that turn a price into the Vat's safety
/// check, with the Spotter's and the Vat's exact integer arithmetic.
///
/// The index keeps no copy of these: a keeper builds them from what it last saw of the
/// chain (the ilk's `rate` after `drip`, its `mat`, the Spotter's `par`) and passes them
/// with each query. `spot(atPrice:)` is dss's `poke`:
/// `spot = rdiv(rdiv(price · 1e9, par), mat) = ⌊⌊price · 1e36 / par⌋ · 1e27 / mat⌋`, and
/// a vault is unsafe iff `spot > 0 && ink · spot < art · rate`.
///
/// `liquidationPrice(collateral:debt:)` inverts that rule exactly; see
/// docs/model/keeper-index.md for the derivation.
public struct MakerIlkTerms: Hashable, Sendable {
    /// Accumulated stability fee, RAY (the Vat's `rate`, ≥ 1 RAY after `drip`).
    public var rate: UInt256
    /// Liquidation ratio, RAY (1.5 RAY = 150%).
    public var mat: UInt256
    /// Spotter `par`, RAY: the reference price of DAI (1 RAY = $1).
    public var par: UInt256

    public init(rate: UInt256, mat: UInt256, par: UInt256 = .ray) {
        self.rate = rate
        self.mat = mat
        self.par = par
    }

    /// 1e9: the factor dss's Spotter applies to a WAD price to make it a RAY.
    static let billion: UInt256 = 1_000_000_000

    /// The Spotter's `spot` for an OSM price (WAD), RAY; nil where dss's `poke` reverts
    /// (an intermediate product above 2^256 − 1, or `par` or `mat` zero).
    public func spot(atPrice price: UInt256) -> UInt256? {
        guard !par.isZero, !mat.isZero else { return nil }
        let (scaled, overflow) = price.multipliedReportingOverflow(by: Self.billion)
        guard !overflow else { return nil }
        let (numerator, overflow2) = scaled.multipliedReportingOverflow(by: .ray)
        guard !overflow2 else { return nil }
        let value = numerator / par
        let (numerator2, overflow3) = value.multipliedReportingOverflow(by: .ray)
        guard !overflow3 else { return nil }
        return numerator2 / mat
    }

    /// The threshold a vault meets at `price` (WAD), or nil when no vault can be unsafe
    /// there: dss's `spot > 0` guard (an unpoked or worthless ilk), or a price `poke`
    /// would refuse.
    public func threshold(atPrice price: UInt256) -> SafetyThreshold? {
        guard let spot = spot(atPrice: price), !spot.isZero else { return nil }
        return SafetyThreshold(collateralValue: spot, debtValue: rate)
    }

    /// The liquidation price of a vault (WAD): the smallest price at which it is safe.
    ///
    /// For every price `p` that `poke` accepts, the Vat finds the vault unsafe at `p` iff
    /// `spot(atPrice: p) > 0 && p < liquidationPrice`. It is
    /// `⌈⌈⌈art · rate / ink⌉ · mat / 1e27⌉ · par / 1e36⌉`: each ceiling undoes one floor of
    /// the Spotter or the `ink · spot` comparison. 0 when the vault has no debt (never
    /// unsafe); `UInt256.max` when it has debt and no collateral, or when the value does
    /// not fit (unsafe at every price `poke` accepts).
    ///
    /// Complexity: O(1), three multiply-then-divide steps at 512 bits.
    public func liquidationPrice(collateral ink: UInt256, debt art: UInt256) -> UInt256 {
        if art.isZero || rate.isZero { return .zero }
        if ink.isZero { return .max }
        // Smallest spot at which ink · spot ≥ art · rate.
        guard let spot = Self.mulDivUp(art, rate, ink),
            // Smallest ⌊price · 1e36 / par⌋ whose spot reaches it.
            let scaled = Self.mulDivUp(spot, mat, .ray),
            // Smallest price whose ⌊price · 1e36 / par⌋ reaches that.
            let price = Self.mulDivUp(scaled, par, Self.billion * .ray)
        else { return .max }
        return price
    }

    /// `⌈a · b / d⌉` with a 512-bit product, or nil if it does not fit in 256 bits.
    static func mulDivUp(_ a: UInt256, _ b: UInt256, _ d: UInt256) -> UInt256? {
        let product = a.multipliedFullWidth(by: b)
        guard product.high < d else { return nil }
        let (quotient, remainder) = d.dividingFullWidth(product)
        if remainder.isZero { return quotient }
        let (rounded, overflow) = quotient.addingReportingOverflow(.one)
        return overflow ? nil : rounded
    }
}
