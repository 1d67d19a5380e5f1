import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A protocol's optional guard as the world sets it: a circuit breaker rule and a
/// liquidation-fee design (docs/model/circuit-breakers.md).
public struct GuardSettings: Hashable, Sendable {
    public var breaker: CircuitBreaker.Rule?
    public var feeDesign: LiquidationFeeDesign

    public init(breaker: CircuitBreaker.Rule? = nil, feeDesign: LiquidationFeeDesign = .fixed) {
        self.breaker = breaker
        self.feeDesign = feeDesign
    }
}

/// A parameter change the world schedules: proposed at `at`, executable `delay` later.
public struct ScheduledChange: Hashable, Sendable {
    public var at: SimTime
    public var parameter: Governance.Parameter
    public var value: UInt256
    /// Its name in the trace and summary: the world path it came from.
    public var label: String

    public init(at: SimTime, parameter: Governance.Parameter, value: UInt256, label: String) {
        self.at = at
        self.parameter = parameter
        self.value = value
        self.label = label
    }
}

/// `protocol.governance`: the timelock's delay, the scheduled changes and the agents that
/// propose and execute them (docs/model/governance.md).
public struct GovernanceSettings: Hashable, Sendable {
    public var delaySeconds: UInt64
    public var schedule: [ScheduledChange]
    /// The governance agent's (proposer and executor) latencies and gas.
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy
    public var riskController: RiskControllerSettings?

    public init(
        delaySeconds: UInt64, schedule: [ScheduledChange] = [],
        observation: LatencyModel = .logNormal(medianMs: 500, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(2))),
        riskController: RiskControllerSettings? = nil
    ) {
        self.delaySeconds = delaySeconds
        self.schedule = schedule
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
        self.riskController = riskController
    }
}

/// An on-chain stress indicator the risk controller reads from each block it sees.
public enum RiskIndicator: Hashable, Sendable {
    /// Realised volatility of the protocol's oracle price of `asset` over the last
    /// `windowSeconds`, annualised (0.8 = 80%): `sqrt(Σ ln(pᵢ/pᵢ₋₁)² · year / window)` over the
    /// prices the blocks it saw carried.
    case volatility(asset: Int, windowSeconds: UInt64)
    /// Seconds since the protocol's oracle price of `asset` last changed.
    case oracleLag(asset: Int)
    /// A lending reserve's borrows over its supply (0.9 = 90%).
    case utilisation(asset: Int)
    /// A perpetuals exchange's insurance fund over its open interest's notional at the
    /// marks (0.05 = 5%).
    case insuranceCoverage

    /// The summary's and trace's name.
    public var name: String {
        switch self {
        case .volatility: "volatility"
        case .oracleLag: "oracle_lag"
        case .utilisation: "utilisation"
        case .insuranceCoverage: "insurance_coverage"
        }
    }
}

/// One rule of the risk controller: when `indicator` is above (or below) `threshold`,
/// propose `value` for `parameter` — once.
public struct RiskRule: Hashable, Sendable {
    public var indicator: RiskIndicator
    /// True: triggers when the indicator is above the threshold; false: below.
    public var above: Bool
    public var threshold: Double
    public var parameter: Governance.Parameter
    public var value: UInt256
    public var label: String

    public init(
        indicator: RiskIndicator, above: Bool, threshold: Double,
        parameter: Governance.Parameter, value: UInt256, label: String
    ) {
        self.indicator = indicator
        self.above = above
        self.threshold = threshold
        self.parameter = parameter
        self.value = value
        self.label = label
    }

    /// Whether `reading` triggers the rule (a strict comparison).
    public func triggers(_ reading: Double) -> Bool {
        above ? reading > threshold : reading < threshold
    }
}

/// `protocol.governance.risk_controller`: the rules and the agent's latencies and gas.
public struct RiskControllerSettings: Hashable, Sendable {
    public var rules: [RiskRule]
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy

    public init(
        rules: [RiskRule],
        observation: LatencyModel = .logNormal(medianMs: 500, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(2)))
    ) {
        self.rules = rules
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
    }
}
