import CascadeCore

/// How a market's funding is computed and how often it is paid.
public struct PerpFundingTerms: Hashable, Sendable {
    /// Seconds between funding payments: 28,800 (8 h) on BitMEX and Binance, 3,600 on dYdX.
    public var intervalSeconds: UInt64
    /// The interest component `I`, ppm per 8 h: 100 (0.01%) on Binance and BitMEX, 0 on
    /// dYdX's cross markets.
    public var interestPpm: Int128
    /// The clamp on `I − P`, ppm: 500 (±0.05%) on Binance and BitMEX.
    public var premiumClampPpm: Int128
    /// dYdX's rate cap, ppm: `|rate| ≤ clampFactor × (IMF − MMF)`; 6,000,000 (600%) is
    /// dYdX's default. `nil`: no cap beyond the premium clamp.
    public var clampFactorPpm: Int128?

    public init(
        intervalSeconds: UInt64, interestPpm: Int128 = 100, premiumClampPpm: Int128 = 500,
        clampFactorPpm: Int128? = nil
    ) {
        self.intervalSeconds = intervalSeconds
        self.interestPpm = interestPpm
        self.premiumClampPpm = premiumClampPpm
        self.clampFactorPpm = clampFactorPpm
    }
}

/// dYdX v4's open-interest-scaled initial margin: the IMF rises linearly from its base at
/// `lowerCap` of open-interest notional to 100% at `upperCap`.
public struct PerpOpenInterestScaling: Hashable, Sendable {
    /// Open-interest notional (one side, at the market price) where scaling starts,
    /// quantums.
    public var lowerCapQuantums: Int128
    /// Open-interest notional where the IMF reaches 100%, quantums; above `lowerCap`.
    public var upperCapQuantums: Int128

    public init(lowerCapQuantums: Int128, upperCapQuantums: Int128) {
        self.lowerCapQuantums = lowerCapQuantums
        self.upperCapQuantums = upperCapQuantums
    }
}

/// A market's parameters, as governance sets them.
public struct PerpMarketTerms: Hashable, Sendable {
    /// Human name (`"ETH-USD"`).
    public var name: String
    /// Base initial margin fraction, ppm (50,000 = 5%, 20× leverage).
    public var initialMarginPpm: Int128
    /// Maintenance margin fraction, ppm; below the initial one.
    public var maintenanceMarginPpm: Int128
    /// The most open interest (the sum of long sizes), size units. A trade that would
    /// raise open interest past it is refused.
    public var openInterestCap: Int128
    /// Liquidation penalty, ppm of the closed notional at the fill price (dYdX: up to
    /// 1.5%), paid from what is left of the account's equity to the insurance fund.
    public var liquidationPenaltyPpm: Int128
    public var funding: PerpFundingTerms
    /// Raise the IMF with open interest (dYdX v4), or `nil`.
    public var openInterestScaling: PerpOpenInterestScaling?
    /// Dynamic margin, ppm: the IMF is at least `multiplier × σ`, where σ is the realised
    /// volatility last set by `setVolatility` (3,000,000 asks margin to cover a 3σ move).
    /// `nil`: volatility does not change margin.
    public var volatilityMultiplierPpm: Int128?

    public init(
        name: String, initialMarginPpm: Int128, maintenanceMarginPpm: Int128,
        openInterestCap: Int128, liquidationPenaltyPpm: Int128, funding: PerpFundingTerms,
        openInterestScaling: PerpOpenInterestScaling? = nil,
        volatilityMultiplierPpm: Int128? = nil
    ) {
        self.name = name
        self.initialMarginPpm = initialMarginPpm
        self.maintenanceMarginPpm = maintenanceMarginPpm
        self.openInterestCap = openInterestCap
        self.liquidationPenaltyPpm = liquidationPenaltyPpm
        self.funding = funding
        self.openInterestScaling = openInterestScaling
        self.volatilityMultiplierPpm = volatilityMultiplierPpm
    }
}

/// One market's state: its price, its open interest and its funding books.
///
/// **Funding books.** Funding is settled lazily: a position pays
/// `size × (index − snapshot) / 1e12` quantums when its account is next touched, rounded
/// against it (a payer pays the ceiling, a receiver gets the floor). Quantums in flight sit
/// in `fundingPool`, which may dip below zero while receivers settle before payers. Since
/// longs and shorts have equal total size, what is still unsettled is known without a loop:
///
///     unsettled = openInterest × (longIndex − shortIndex) − fundingSnapshotSum
///
/// in quantums × 1e12, and `1e12 × fundingPool + unsettled` is exactly the rounding dust
/// collected so far: never negative (`checkInvariants`), swept into the insurance fund in
/// whole quantums at every funding payment.
public struct PerpMarket: Hashable, Sendable {
    public internal(set) var terms: PerpMarketTerms
    /// The oracle (mark) price, quantums per base unit; 0 until the first update.
    public internal(set) var price: Int128 = 0
    /// Realised volatility last supplied by the oracle, ppm (dynamic margin).
    public internal(set) var volatilityPpm: Int128 = 0
    /// Sum of long sizes, equal to the sum of short sizes.
    public internal(set) var openInterest: Int128 = 0
    /// What a long owes per base unit since the market opened, quantums × 1e3.
    public internal(set) var longFundingIndex: Int128 = 0
    /// What a short owes per base unit, quantums × 1e3 (it falls as shorts are paid).
    /// Equal to the long index until a socialised loss charges both sides.
    public internal(set) var shortFundingIndex: Int128 = 0
    /// `Σ size × fundingSnapshot` over the market's positions, quantums × 1e12.
    public internal(set) var fundingSnapshotSum: Int128 = 0
    /// Funding paid in and not yet paid out, quantums.
    public internal(set) var fundingPool: Int128 = 0
    /// When funding was last paid, seconds: the next payment is due one interval later.
    public internal(set) var lastFundingTime: UInt64

    init(terms: PerpMarketTerms, openedAt timestamp: UInt64) {
        self.terms = terms
        lastFundingTime = timestamp
    }

    /// The funding index a position of this sign settles against.
    func fundingIndex(forSize size: Int128) -> Int128 {
        size > 0 ? longFundingIndex : shortFundingIndex
    }

    /// Funding owed by all positions and not yet settled, quantums × 1e12 (see above).
    var unsettledFunding: Int128 {
        get throws(Revert) {
            let spread = try PerpMath.sub(longFundingIndex, shortFundingIndex)
            return try PerpMath.sub(PerpMath.mul(openInterest, spread), fundingSnapshotSum)
        }
    }

    /// Rounding dust held in the pool beyond every unsettled claim, quantums × 1e12.
    var fundingDust: Int128 {
        get throws(Revert) {
            let pool = try PerpMath.mul(fundingPool, PerpMath.fundingPaymentDivisor)
            return try PerpMath.add(pool, unsettledFunding)
        }
    }

    /// The initial margin fraction in force, ppm: the base IMF, raised by open interest
    /// (dYdX v4) and by volatility (dynamic margin) when configured, at most 100%.
    ///
    /// Open interest is the market's current one, so a trade is judged at the open
    /// interest it leaves. Both raises round up.
    public var effectiveInitialMarginPpm: Int128 {
        get throws(Revert) {
            var fraction = terms.initialMarginPpm
            if let scaling = terms.openInterestScaling {
                let notional = try PerpMath.value(size: openInterest, price: price)
                if notional > scaling.lowerCapQuantums {
                    let width = scaling.upperCapQuantums - scaling.lowerCapQuantums
                    let excess = min(notional - scaling.lowerCapQuantums, width)
                    fraction += try PerpMath.mulDiv(
                        excess, PerpMath.ppm - terms.initialMarginPpm, width, .up)
                }
            }
            if let multiplier = terms.volatilityMultiplierPpm {
                let volatile = try PerpMath.mulDiv(multiplier, volatilityPpm, PerpMath.ppm, .up)
                fraction = max(fraction, volatile)
            }
            return min(fraction, PerpMath.ppm)
        }
    }
}
