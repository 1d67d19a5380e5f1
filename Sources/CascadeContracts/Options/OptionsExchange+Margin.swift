import CascadeCore

/// One series' value per unit now and in each scenario of the stress grid, in dollars.
///
/// It depends on the series, the oracle's spot and the time only, never on an account, so a
/// keeper computes it once per series per block and prices every account from it (the
/// exchange's own checks compute the same numbers the same way, bit for bit).
public struct OptionSeriesRisk: Hashable, Sendable {
    /// The model value at the oracle's spot, unshocked.
    public var base: Double
    /// The value in each grid scenario, in grid order.
    public var scenarios: [Double]
    /// The spot it was computed at, dollars.
    public var spot: Double
}

/// Series risks of one exchange at one moment, computed on first use.
public struct OptionRiskTable: Sendable {
    let now: UInt64
    var risks: [OptionSeriesRisk?]

    public init(exchange: OptionsExchange, now: UInt64) {
        self.now = now
        risks = Array(repeating: nil, count: exchange.series.count)
    }

    /// The risk of `id`, computing it if needed.
    public mutating func risk(_ id: OptionSeriesID, in exchange: OptionsExchange)
        -> OptionSeriesRisk
    {
        let index = Int(id.rawValue)
        if index >= risks.count {
            risks.append(contentsOf: repeatElement(nil, count: index + 1 - risks.count))
        }
        if let known = risks[index] { return known }
        let computed = exchange.seriesRisk(id, now: now)
        risks[index] = computed
        return computed
    }
}

extension OptionsExchange {
    typealias RiskTable = OptionRiskTable

    /// The pricing inputs of `id` at spot `spot` (dollars), `now`, volatility scaled by
    /// `volatilityScale`.
    func model(_ id: OptionSeriesID, spot: Double, now: UInt64, volatilityScale: Double = 1)
        -> BlackScholes
    {
        let option = series[Int(id.rawValue)]
        let asset = underlyings[Int(option.underlying.rawValue)]
        let seconds = option.expiry > now ? Double(option.expiry - now) : 0
        let years = seconds / OptionsMath.secondsPerYear
        let strike = OptionsMath.double(option.strike) / OptionsMath.wad
        let currentSpot = OptionsMath.double(asset.spot) / OptionsMath.wad
        // Sticky strike: the smile is read at today's forward, then shocked, so a crash
        // scenario keeps the put's (higher) out-of-the-money volatility.
        let forward = currentSpot * OptionMath.exp((asset.rate - asset.dividendYield) * years)
        let volatility = asset.surface.volatility(
            strike: strike, forward: forward, years: years, scale: volatilityScale)
        return BlackScholes(
            kind: option.kind, spot: spot, strike: strike, rate: asset.rate,
            dividendYield: asset.dividendYield, volatility: volatility, years: years)
    }

    /// `id`'s value now and in every grid scenario. A series with a settlement price is
    /// worth its exact payoff in every scenario (no risk left); an expired one awaiting its
    /// price is worth its payoff at each shocked spot.
    public func seriesRisk(_ id: OptionSeriesID, now: UInt64) -> OptionSeriesRisk {
        let option = series[Int(id.rawValue)]
        let spot =
            OptionsMath.double(underlyings[Int(option.underlying.rawValue)].spot) / OptionsMath.wad
        if let fixed = option.settlementPrice {
            let payoff = OptionsMath.double(option.intrinsic(at: fixed)) / OptionsMath.wad
            return OptionSeriesRisk(
                base: payoff, scenarios: Array(repeating: payoff, count: grid.scenarios.count),
                spot: spot)
        }
        let days = option.expiry > now ? Double(option.expiry - now) / OptionsMath.secondsPerDay : 0
        let base = model(id, spot: spot, now: now).price
        // What `model` computes for every scenario but the spot and the shock — years,
        // strike, forward, the smile, the discounts — computed once, by the same operations
        // (so each scenario's price has the same bits as `model(…).price`; the tests check).
        let asset = underlyings[Int(option.underlying.rawValue)]
        let seconds = option.expiry > now ? Double(option.expiry - now) : 0
        let years = seconds / OptionsMath.secondsPerYear
        let strike = OptionsMath.double(option.strike) / OptionsMath.wad
        let rate = asset.rate
        let dividendYield = asset.dividendYield
        let forward = spot * OptionMath.exp((rate - dividendYield) * years)
        let smiled = asset.surface.smiled(strike: strike, forward: forward, years: years)
        let carryDiscount = OptionMath.exp(-dividendYield * max(years, 0))
        let discount = OptionMath.exp(-rate * max(years, 0))
        var values: [Double] = []
        values.reserveCapacity(grid.scenarios.count)
        for scenario in grid.scenarios {
            let scale = grid.volatilityScale(scenario, days: days)
            let shocked = spot * (1 + scenario.priceMove)
            values.append(
                BlackScholes.price(
                    kind: option.kind, spot: shocked, strike: strike, rate: rate,
                    dividendYield: dividendYield,
                    volatility: VolatilitySurface.clamped(smiled * scale), years: years,
                    carryDiscount: carryDiscount, discount: discount))
        }
        return OptionSeriesRisk(base: base, scenarios: values, spot: spot)
    }

    /// The rule-based requirement of one unit short of `id` at `spot` (dollars):
    /// `max(a·S − OTM, b·X)`, `X` the spot for a call and the strike for a put.
    func shortRule(_ id: OptionSeriesID, spot: Double) -> Double {
        let option = series[Int(id.rawValue)]
        let terms = configuration.margin
        let strike = OptionsMath.double(option.strike) / OptionsMath.wad
        let outOfTheMoney = option.kind == .call ? max(0, strike - spot) : max(0, spot - strike)
        let floorBase = option.kind == .call ? spot : strike
        return max(
            Double(terms.shortRatePpm) / 1e6 * spot - outOfTheMoney,
            Double(terms.shortMinimumPpm) / 1e6 * floorBase)
    }

    /// One position's own requirement, dollars: the worst loss of the position alone over
    /// the grid, and for a short at least the rule-based margin. This is the isolated
    /// requirement, and cross margin sums it.
    func positionRequirement(_ position: OptionPosition, risk: OptionSeriesRisk) -> Double {
        let units = OptionsMath.double(position.size) / OptionsMath.wad
        var worst = 0.0
        for (scenario, value) in zip(grid.scenarios, risk.scenarios) {
            let loss = -scenario.weight * units * (value - risk.base)
            if loss > worst { worst = loss }
        }
        guard position.size < 0, series[Int(position.series.rawValue)].settlementPrice == nil
        else { return worst }
        return max(worst, -units * shortRule(position.series, spot: risk.spot))
    }

    /// A book's portfolio requirement, dollars: the worst weighted loss of all positions
    /// together over the grid, at least the contingency charge on its short units.
    func portfolioRequirement(_ positions: [OptionPosition], table: inout RiskTable) -> Double {
        var totals = Array(repeating: 0.0, count: grid.scenarios.count)
        var contingency = 0.0
        let rate = Double(configuration.margin.contingencyPpm) / 1e6
        for position in positions {
            let risk = table.risk(position.series, in: self)
            let units = OptionsMath.double(position.size) / OptionsMath.wad
            for index in totals.indices {
                totals[index] += units * (risk.scenarios[index] - risk.base)
            }
            if position.size < 0, series[Int(position.series.rawValue)].settlementPrice == nil {
                contingency += -units * rate * risk.spot
            }
        }
        return max(grid.requirement(profitAndLoss: totals), contingency)
    }

    /// The marked value of a position, WAD, rounded down (a short's liability rounds up).
    public func markedValue(of position: OptionPosition) -> Int128 {
        markedValue(position)
    }

    func markedValue(_ position: OptionPosition) -> Int128 {
        let option = series[Int(position.series.rawValue)]
        let price = option.settlementPrice.map(option.intrinsic(at:)) ?? option.mark
        return OptionsMath.mulDivFloor(position.size, price, OptionsMath.wadInteger)
    }

    /// `account`'s equity and requirements now.
    public func margin(of id: OptionAccountID, table: inout OptionRiskTable)
        -> OptionAccountMargin
    {
        let account = accounts[Int(id.rawValue)]
        var equity = account.collateral
        for position in account.positions { equity += markedValue(position) }
        guard !account.positions.isEmpty else {
            return OptionAccountMargin(equity: equity, initial: 0, maintenance: 0)
        }
        var dollars = 0.0
        switch account.mode {
        case .isolated, .cross:
            for position in account.positions {
                dollars += positionRequirement(
                    position, risk: table.risk(position.series, in: self))
            }
        case .portfolio:
            dollars = portfolioRequirement(account.positions, table: &table)
        }
        let initial = OptionsMath.wadRoundedUp(dollars)
        let maintenance = OptionsMath.mulDivCeil(
            initial, Int128(configuration.margin.maintenanceFactorPpm), 1_000_000)
        return OptionAccountMargin(equity: equity, initial: initial, maintenance: maintenance)
    }

    /// `account`'s margin now, with a fresh table.
    public func margin(of id: OptionAccountID, now: UInt64) -> OptionAccountMargin {
        var table = OptionRiskTable(exchange: self, now: now)
        return margin(of: id, table: &table)
    }
}

extension OptionsMath {
    public static let wadInteger: Int128 = 1_000_000_000_000_000_000

    /// `⌊a·b/d⌋` (toward −∞) at full width; `d > 0`. Traps if the result overflows.
    public static func mulDivFloor(_ a: Int128, _ b: Int128, _ d: Int128) -> Int128 {
        precondition(d > 0)
        let negative = (a < 0) != (b < 0) && a != 0 && b != 0
        let product = a.magnitude.multipliedFullWidth(by: b.magnitude)
        let (quotient, remainder) = d.magnitude.dividingFullWidth(product)
        precondition(quotient <= UInt128(Int128.max), "mulDiv overflow")
        let magnitude = Int128(quotient)
        if negative { return remainder == 0 ? -magnitude : -magnitude - 1 }
        return magnitude
    }

    /// `⌈a·b/d⌉` at full width; `d > 0`.
    public static func mulDivCeil(_ a: Int128, _ b: Int128, _ d: Int128) -> Int128 {
        -mulDivFloor(-a, b, d)
    }

    /// `dollars` in WAD, rounded up; non-finite or huge values saturate at 1e36 WAD (a
    /// requirement no account meets).
    public static func wadRoundedUp(_ dollars: Double) -> Int128 {
        guard dollars.isFinite, dollars < 1e18 else {
            return wadInteger * 1_000_000_000_000_000_000
        }
        guard dollars > 0 else { return 0 }
        return Int128((dollars * wad).rounded(.up))
    }

    /// `dollars` in WAD, rounded to the nearest (marks).
    public static func wadRounded(_ dollars: Double) -> Int128 {
        guard dollars.isFinite, dollars > 0 else { return 0 }
        guard dollars < 1e18 else { return wadInteger * 1_000_000_000_000_000_000 }
        return Int128((dollars * wad).rounded(.toNearestOrAwayFromZero))
    }
}
