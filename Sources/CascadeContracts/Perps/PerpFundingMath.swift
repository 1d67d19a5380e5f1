import CascadeCore

/// The funding and socialised-loss formulas, as pure functions of their inputs.
///
/// The exchange calls them; agents (a funding-premium sampler, a keeper estimating the
/// next payment) may call them too, and the tests hold each against its published example.
/// Rates are ppm per 8 hours, the convention of Binance, BitMEX and dYdX alike.
public enum PerpFundingMath {
    /// The premium index `P = [max(0, impactBid − index) − max(0, index − impactAsk)] /
    /// index`, ppm, rounded toward zero (Binance USDⓈ-M; dYdX and BitMEX use the same
    /// form). All three prices in quantums per base unit; `index` must be positive.
    ///
    /// Averaging the premium over a funding period (Binance weights minute samples 1..n,
    /// dYdX takes medians of validators' votes) happens off chain, before `fund`.
    public static func premiumPpm(impactBid: Int128, impactAsk: Int128, index: Int128)
        throws(Revert) -> Int128
    {
        let rich = max(0, try PerpMath.sub(impactBid, index))
        let cheap = max(0, try PerpMath.sub(index, impactAsk))
        return try PerpMath.mulDiv(rich - cheap, PerpMath.ppm, index, .towardZero)
    }

    /// BitMEX's interest component per 8 h, `I = (quote rate − base rate) / 3`, from two
    /// daily borrowing rates in ppm; rounded toward zero.
    public static func interestPpm(quoteRatePerDayPpm: Int128, baseRatePerDayPpm: Int128)
        throws(Revert) -> Int128
    {
        try PerpMath.div(PerpMath.sub(quoteRatePerDayPpm, baseRatePerDayPpm), 3, .towardZero)
    }

    /// The funding rate `F = P + clamp(I − P, −clamp, +clamp)`, ppm per 8 h (Binance,
    /// BitMEX): a premium near the interest rate is replaced by it, so a calm market pays
    /// exactly the interest rate.
    public static func rate(premiumPpm: Int128, interestPpm: Int128, clampPpm: Int128)
        throws(Revert) -> Int128
    {
        let gap = try PerpMath.sub(interestPpm, premiumPpm)
        return try PerpMath.add(premiumPpm, min(max(gap, -clampPpm), clampPpm))
    }

    /// dYdX v4's cap on the 8-hour rate, ppm: `clampFactor × (IMF − MMF)`, so funding can
    /// never eat a position's margin cushion within one 8-hour period.
    public static func rateCapPpm(
        clampFactorPpm: Int128, initialMarginPpm: Int128, maintenanceMarginPpm: Int128
    ) throws(Revert) -> Int128 {
        let cushion = try PerpMath.sub(initialMarginPpm, maintenanceMarginPpm)
        return try PerpMath.mulDiv(clampFactorPpm, cushion, PerpMath.ppm, .towardZero)
    }

    /// How much the funding index moves for one payment: `rate × price × interval / 8 h`,
    /// in quantums per base unit × 1e3, rounded toward zero (so the rounding never favours
    /// one side by the sign of the rate). The same number moves the long and the short
    /// index, so it is exactly what a long pays and a short receives per unit.
    public static func indexChange(ratePpm: Int128, price: Int128, intervalSeconds: UInt64)
        throws(Revert) -> Int128
    {
        let perPeriod = try PerpMath.mul(ratePpm, price)
        let divisor = PerpMath.fundingRatePeriodSeconds * PerpMath.ppm / PerpMath.fundingIndexScale
        return try PerpMath.mulDiv(perPeriod, Int128(intervalSeconds), divisor, .towardZero)
    }

    /// Drift v2's socialised loss (`calculate_funding_rate_deltas_to_resolve_bankruptcy`):
    /// the funding-index bump that charges every open unit, long and short, an equal share
    /// of `loss` quantums:
    ///
    ///     delta = ceil(loss × 1e9 / (|longs| + |shorts|)) × 1e3
    ///
    /// The ceiling charges slightly more than the loss; the excess is funding dust, swept
    /// into the insurance fund. Sizes in size units. `Perp/no-open-interest` with no open
    /// interest (Drift's newer versions error there too).
    public static func socializedLossDelta(
        lossQuantums: Int128, longOpenInterest: Int128, shortOpenInterest: Int128
    ) throws(Revert) -> Int128 {
        let openInterest = try PerpMath.add(
            longOpenInterest.checkedMagnitude, shortOpenInterest.checkedMagnitude)
        guard openInterest > 0 else { throw Revert("Perp/no-open-interest") }
        let perUnit = try PerpMath.mulDiv(lossQuantums, PerpMath.sizeScale, openInterest, .up)
        return try PerpMath.mul(perUnit, PerpMath.fundingIndexScale)
    }
}
