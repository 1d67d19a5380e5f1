import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Which protocol the risk controller watches.
public enum RiskTarget: Hashable, Sendable {
    case lending(LendingPoolReader)
    case perps(exchange: Int)
}

/// The "self-healing" risk controller: it watches on-chain stress indicators in every
/// block it sees and, when a rule of the world's triggers, proposes the rule's parameter
/// change through governance — which then waits out the timelock like any other.
///
/// Its readings come from the chain only (the state each block carries): the protocol's
/// oracle prices (their realised volatility and how long since they last changed), a
/// lending reserve's utilisation, a perpetuals exchange's insurance fund against its open
/// interest. Each rule fires once, at the first block whose reading triggers it (a strict
/// comparison with the threshold); `firings` records when and at what reading.
///
/// Volatility is measured from the oracle prices of the blocks it saw: with prices `pᵢ` at
/// block times inside the window, `σ = sqrt(Σ ln(pᵢ/pᵢ₋₁)² · 31,536,000 / window)` — the
/// realised variance per second, annualised. Off-chain arithmetic in `Double`, with the
/// kernel's `DeterministicMath.log`. Randomness: its own stream (one draw per transaction).
public final class RiskController: Agent {
    public struct Firing: Hashable, Sendable {
        public var rule: Int
        public var at: SimTime
        public var reading: Double
    }

    public var name: String { "risk-controller" }
    let settings: RiskControllerSettings
    let target: RiskTarget
    @exclusivity(unchecked) var outbox: Outbox<Int>
    @exclusivity(unchecked) var newest: NewestBlock
    /// Per asset, the prices seen (time, price as a Double ratio unit), oldest first.
    @exclusivity(unchecked) var prices: [[(at: SimTime, price: Double)]] = []
    /// Per asset, when its price last changed.
    @exclusivity(unchecked) var changedAt: [SimTime] = []
    @exclusivity(unchecked) var fired: [Bool]
    @exclusivity(unchecked) public private(set) var firings: [Firing] = []
    @exclusivity(unchecked) public private(set) var reverted = 0

    static let secondsPerYear = 31_536_000.0

    init(
        settings: RiskControllerSettings, target: RiskTarget, producer: AgentID,
        initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) {
        self.settings = settings
        self.target = target
        fired = Array(repeating: false, count: settings.rules.count)
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: ProtocolWorld.riskControllerAddress, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            observe(report, context)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func observe(_ report: BlockReport<ProtocolState>, _ context: Context<ProtocolMessage>) {
        for outcome in outbox.settle(report) {
            if case .reverted = outcome { reverted += 1 }
        }
        guard newest.observe(report) else { return }
        let time = report.header.time
        record(Self.oraclePrices(target, report.state), at: time)
        for (index, rule) in settings.rules.enumerated() where !fired[index] {
            guard let reading = reading(rule.indicator, report.state, at: time),
                rule.triggers(reading)
            else { continue }
            guard let bid = newest.bid(settings.gas) else { continue }
            fired[index] = true
            firings.append(Firing(rule: index, at: time, reading: reading))
            let call = ProtocolState.Call.governance(
                .propose(rule.parameter, value: rule.value, label: rule.label))
            outbox.send(
                [call], gasLimit: intrinsicGasPerTransaction + 20_000 + call.gasCost, bid: bid,
                purpose: index, context)
        }
    }

    /// Takes in one block's oracle prices, keeping a day of history (the longest window
    /// a rule may ask for).
    func record(_ observed: [Double], at time: SimTime) {
        if prices.isEmpty {
            prices = observed.map { [(time, $0)] }
            changedAt = Array(repeating: time, count: observed.count)
            return
        }
        for (asset, price) in observed.enumerated() where asset < prices.count {
            guard prices[asset].last?.price != price else { continue }
            prices[asset].append((time, price))
            changedAt[asset] = time
            let horizon = time - .hours(24)
            if let first = prices[asset].first, first.at < horizon, prices[asset].count > 2 {
                prices[asset].removeFirst()
            }
        }
    }

    /// `indicator` as read now, or nil where it does not apply.
    func reading(_ indicator: RiskIndicator, _ state: ProtocolState, at time: SimTime)
        -> Double?
    {
        switch indicator {
        case .volatility(let asset, let window):
            guard asset < prices.count, window > 0 else { return nil }
            return Self.realisedVolatility(
                prices[asset], at: time, windowSeconds: Double(window))
        case .oracleLag(let asset):
            guard asset < changedAt.count else { return nil }
            return Double((time - changedAt[asset]).milliseconds) / 1_000
        case .utilisation(let asset):
            guard case .lending(let reader) = target else { return nil }
            return Self.utilisation(reader, asset: asset, state)
        case .insuranceCoverage:
            guard case .perps(let index) = target, index < state.perpExchanges.count else {
                return nil
            }
            let exchange = state.perpExchanges[index]
            var notional = 0.0
            for market in exchange.markets {
                notional +=
                    Double(market.openInterest) * Double(market.price)
                    / Double(PerpMath.sizeScale)
            }
            guard notional > 0 else { return nil }
            return Double(exchange.insuranceFund) / notional
        }
    }

    /// `sqrt(Σ ln(pᵢ/pᵢ₋₁)² · year / window)` over the price changes inside the window.
    package static func realisedVolatility(
        _ history: [(at: SimTime, price: Double)], at time: SimTime, windowSeconds: Double
    ) -> Double {
        let start = time - SimTime(milliseconds: Int64(windowSeconds * 1_000))
        var sum = 0.0
        var previous: Double?
        for sample in history {
            // The price in force at the window's start is the first `previous`.
            if sample.at <= start {
                previous = sample.price
                continue
            }
            if let last = previous, last > 0, sample.price > 0 {
                let r = DeterministicMath.log(sample.price / last)
                sum += r * r
            }
            previous = sample.price
        }
        return (sum * secondsPerYear / windowSeconds).squareRoot()
    }

    /// Borrows over supply of a lending reserve, from the pool's books.
    static func utilisation(_ reader: LendingPoolReader, asset: Int, _ state: ProtocolState)
        -> Double?
    {
        switch reader.kind {
        case .aave:
            guard reader.pool < state.aavePools.count,
                asset < state.aavePools[reader.pool].reserves.count
            else { return nil }
            let reserve = state.aavePools[reader.pool].reserves[asset]
            let debt = rayMul(reserve.scaledVariableDebt, reserve.variableBorrowIndex)
            let supply = rayMul(reserve.scaledSupply, reserve.liquidityIndex)
            guard !supply.isZero else { return nil }
            return debt.doubleValue / supply.doubleValue
        case .compound:
            guard reader.pool < state.compoundComptrollers.count,
                asset < state.compoundComptrollers[reader.pool].markets.count
            else { return nil }
            let market = state.compoundComptrollers[reader.pool].markets[asset]
            let cash = UInt256(
                state.ledger.balance(
                    of: market.configuration.underlying, market.configuration.cToken))
            let supplied = cash + market.totalBorrows
            guard supplied > market.totalReserves else { return nil }
            return market.totalBorrows.doubleValue
                / (supplied - market.totalReserves).doubleValue
        }
    }

    /// The protocol's oracle prices, by asset, as Doubles (only their ratios are used).
    static func oraclePrices(_ target: RiskTarget, _ state: ProtocolState) -> [Double] {
        switch target {
        case .lending(let reader):
            return (0..<reader.assetCount(state)).map {
                reader.oraclePrice($0, state).doubleValue
            }
        case .perps(let index):
            guard index < state.perpExchanges.count else { return [] }
            return state.perpExchanges[index].markets.map { Double($0.price) }
        }
    }
}
