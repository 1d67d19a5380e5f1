/// A stress grid of price and volatility scenarios, and the rule that turns a position's
/// profit and loss in each scenario into a margin requirement: the worst weighted loss.
///
/// Two layouts:
/// - **portfolio** (Deribit and Paradex portfolio margin, REFERENCE.md §8.3): `priceSteps`
///   evenly spaced moves from `−priceRange` to `+priceRange` (±16% in 9 steps: −16, −12,
///   …, +16%), each with the volatility shocked up, unchanged and down. A shock is scaled
///   by time to expiry, `shockedIV = IV × (1 + shock × (30/max(1, DTE))^power)`, with
///   `power` the short-term vega power below `vegaPowerSwitchDays` days to expiry and the
///   long-term one from there (Paradex: 0.30 below 30 days, 0.13 above), so short-dated
///   options take the largest volatility shocks. Every scenario weighs 100%.
/// - **SPAN** (the CME's 16-scenario risk array, as in McMillan's worked example): price
///   unchanged and ±1/3, ±2/3, ±3/3 of the price scan range, each with volatility up and
///   down by the volatility scan range (14 scenarios, 100% weight), then two extreme moves
///   of ±`extremeMultiple` scan ranges with volatility unchanged whose loss counts
///   `extremeWeight` (35%). No term scaling.
///
/// The requirement of a set of positions is `max(0, max_s weight_s × loss_s)` where
/// `loss_s = −Σ size × (value_s − value_0)`: the worst scenario wins (SPAN's *scan risk*).
/// Because `max_s Σ_i ≤ Σ_i max_s`, a book's grid requirement is never more than the sum of
/// its positions' own requirements: hedges offset inside a scenario, never across.
public struct RiskGrid: Hashable, Sendable {
    /// One scenario: the underlying moves by `priceMove` (a fraction: −0.16 is −16%) and
    /// implied volatility is shocked by `volatilityShock` (a fraction before term scaling);
    /// `weight` is the share of the loss counted.
    public struct Scenario: Hashable, Sendable {
        public var priceMove: Double
        public var volatilityShock: Double
        public var weight: Double

        public init(priceMove: Double, volatilityShock: Double, weight: Double = 1) {
            self.priceMove = priceMove
            self.volatilityShock = volatilityShock
            self.weight = weight
        }
    }

    /// The portfolio grid's parameters, in ppm as a contract stores them. Defaults are
    /// Paradex's published grid (REFERENCE.md §8.3) with Deribit's ±16% in 9 steps.
    public struct Parameters: Hashable, Sendable {
        public var priceRangePpm: Int64 = 160_000
        public var priceSteps: Int = 9
        public var volatilityShockUpPpm: Int64 = 400_000
        public var volatilityShockDownPpm: Int64 = 220_000
        public var shortTermVegaPowerPpm: Int64 = 300_000
        public var longTermVegaPowerPpm: Int64 = 130_000
        public var vegaPowerSwitchDays: Int64 = 30

        public init() {}
    }

    public var scenarios: [Scenario]
    /// Term scaling of volatility shocks (the portfolio layout); nil applies shocks as they
    /// are (SPAN).
    public var termScaling: Parameters?

    public init(scenarios: [Scenario], termScaling: Parameters? = nil) {
        precondition(!scenarios.isEmpty, "a grid needs a scenario")
        self.scenarios = scenarios
        self.termScaling = termScaling
    }

    /// The portfolio-margin grid: `priceSteps` moves × volatility up, unchanged, down.
    public static func portfolio(_ parameters: Parameters) -> RiskGrid {
        precondition(parameters.priceSteps >= 2, "need at least two price steps")
        precondition(parameters.priceRangePpm > 0)
        let range = Double(parameters.priceRangePpm) / 1e6
        let up = Double(parameters.volatilityShockUpPpm) / 1e6
        let down = -Double(parameters.volatilityShockDownPpm) / 1e6
        var scenarios: [Scenario] = []
        let intervals = Double(parameters.priceSteps - 1)
        for step in 0..<parameters.priceSteps {
            let move = -range + 2 * range * Double(step) / intervals
            for shock in [up, 0, down] {
                scenarios.append(Scenario(priceMove: move, volatilityShock: shock))
            }
        }
        return RiskGrid(scenarios: scenarios, termScaling: parameters)
    }

    /// The SPAN risk array's 16 scenarios, in the standard order (scenario 1: price
    /// unchanged, volatility up; … 14: down 3/3, volatility down; 15: up extreme; 16: down
    /// extreme). `scanRange` and `volatilityScan` are fractions (0.10 = 10%).
    public static func span(
        scanRange: Double, volatilityScan: Double, extremeMultiple: Double = 2,
        extremeWeight: Double = 0.35
    ) -> RiskGrid {
        var scenarios: [Scenario] = []
        for third in [0.0, 1, -1, 2, -2, 3, -3] {
            for shock in [volatilityScan, -volatilityScan] {
                scenarios.append(
                    Scenario(priceMove: scanRange * third / 3, volatilityShock: shock))
            }
        }
        for sign in [1.0, -1] {
            scenarios.append(
                Scenario(
                    priceMove: sign * extremeMultiple * scanRange, volatilityShock: 0,
                    weight: extremeWeight))
        }
        return RiskGrid(scenarios: scenarios)
    }

    /// The factor implied volatility is multiplied by in `scenario`, `days` before expiry.
    public func volatilityScale(_ scenario: Scenario, days: Double) -> Double {
        guard scenario.volatilityShock != 0 else { return 1 }
        guard let terms = termScaling else { return max(1 + scenario.volatilityShock, 0.01) }
        let power =
            days < Double(terms.vegaPowerSwitchDays)
            ? Double(terms.shortTermVegaPowerPpm) / 1e6 : Double(terms.longTermVegaPowerPpm) / 1e6
        let factor = OptionMath.pow(30 / max(1, days), power)
        return max(1 + scenario.volatilityShock * factor, 0.01)
    }

    /// SPAN's risk array: each scenario's weighted profit and loss (gains positive), given
    /// the unweighted profit and loss of each scenario in grid order.
    public func riskArray(profitAndLoss: [Double]) -> [Double] {
        precondition(profitAndLoss.count == scenarios.count, "one value per scenario")
        return zip(scenarios, profitAndLoss).map { $0.weight * $1 }
    }

    /// The requirement of a risk array (weighted gains positive): the worst loss, or 0.
    public static func requirement(riskArray: [Double]) -> Double {
        var worst = 0.0
        for value in riskArray where -value > worst { worst = -value }
        return worst
    }

    /// The requirement of unweighted scenario profits and losses in grid order.
    public func requirement(profitAndLoss: [Double]) -> Double {
        precondition(profitAndLoss.count == scenarios.count, "one value per scenario")
        var worst = 0.0
        for (scenario, value) in zip(scenarios, profitAndLoss) {
            let loss = -scenario.weight * value
            if loss > worst { worst = loss }
        }
        return worst
    }
}
