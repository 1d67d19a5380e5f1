import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Posts the underlying's market price to the options exchange every `updateInterval`
/// (read `sourceDelay` late); each post marks every live series and fixes the settlement
/// price of series that have expired. One transaction per tick; it does not post while its
/// previous post is pending.
public final class OptionsOracle: Agent {
    public var name: String { "options-oracle" }
    let settings: OptionsOracleSettings
    let exchange: Int
    let underlying: OptionUnderlyingID
    let asset: AssetID
    let market: MarketPath
    @exclusivity(unchecked) var outbox: Outbox<Bool>
    @exclusivity(unchecked) var newest: NewestBlock
    @exclusivity(unchecked) public private(set) var posts = 0
    @exclusivity(unchecked) public private(set) var included = 0
    @exclusivity(unchecked) public private(set) var reverted = 0

    init(
        settings: OptionsOracleSettings, genesis: ProtocolWorld.OptionsGenesis, market: MarketPath,
        producer: AgentID, initialBaseFee: Wei, samplers: LatencySamplers?
    ) {
        self.settings = settings
        exchange = genesis.exchange
        underlying = genesis.underlying
        asset = genesis.asset
        self.market = market
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: ProtocolWorld.optionsOracle, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: .fixed(milliseconds: 0))
        context.wake(after: settings.updateInterval, .timer(tag: 0))
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .timer:
            tick(context)
            context.wake(after: settings.updateInterval, .timer(tag: 0))
        case .blockObserved(let report):
            outbox.settle(report, succeeded: &included, reverted: &reverted)
            _ = newest.observe(report)
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }

    func tick(_ context: Context<ProtocolMessage>) {
        guard outbox.isEmpty, !settings.downtime.covers(context.now),
            let bid = newest.bid(settings.gas)
        else { return }
        let observedAt = max(.zero, context.now - settings.sourceDelay)
        let price = OptionsMath.wadRounded(market.price(of: asset, at: observedAt))
        guard price > 0 else { return }
        let call = ProtocolState.Call.options(
            exchange: exchange, .updatePrice(underlying: underlying, price: price))
        posts += 1
        outbox.send(
            [call], gasLimit: intrinsicGasPerTransaction + call.gasCost + 20_000, bid: bid,
            purpose: true, context)
    }
}

/// Settles each series once the oracle has fixed its settlement price: anyone may call
/// `settle`; this keeper does, on the first block it sees with a fixed, unsettled series.
public final class OptionsSettlementKeeper: Agent {
    public var name: String { "options-settler" }
    let exchange: Int
    let gas: GasPolicy
    let downtime: [Range<SimTime>]
    @exclusivity(unchecked) var outbox: Outbox<OptionSeriesID>
    @exclusivity(unchecked) var newest: NewestBlock
    @exclusivity(unchecked) public private(set) var settlements = 0
    @exclusivity(unchecked) public private(set) var reverted = 0

    init(
        exchange: Int, settings: OptionsOracleSettings, gas: GasPolicy,
        downtime: [Range<SimTime>] = [], producer: AgentID, initialBaseFee: Wei,
        samplers: LatencySamplers?
    ) {
        self.exchange = exchange
        self.gas = gas
        self.downtime = downtime
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: ProtocolWorld.optionsSettler, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: .fixed(milliseconds: 200))
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            var included = 0
            outbox.settle(report, succeeded: &included, reverted: &reverted)
            settlements += included
            guard newest.observe(report), !downtime.covers(context.now),
                exchange < report.state.optionsExchanges.count
            else { return }
            let books = report.state.optionsExchanges[exchange]
            for id in books.seriesIDs {
                let option = books.series(id)
                guard option.settlementPrice != nil, !option.isSettled,
                    !outbox.pending.contains(where: { $0.purpose == id }),
                    let bid = newest.bid(gas)
                else { continue }
                let call = ProtocolState.Call.options(exchange: exchange, .settle(series: id))
                outbox.send(
                    [call], gasLimit: intrinsicGasPerTransaction + call.gasCost + 20_000,
                    bid: bid, purpose: id, context)
            }
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }
}

/// Liquidates options accounts below maintenance margin into its own (portfolio) account:
/// each block it observes, it reads that block's answer from the world's
/// `OptionsSharedIndex` and sends `liquidate` for each account not already in flight, at
/// most `maxNewTransactionsPerBlock` a block. After an account's liquidation reverts it
/// waits `retryDelay` before trying it again, doubling the wait with each revert in a row
/// (up to 32 times): a liquidator whose capital cannot take a book stops spamming it. It takes the book at the mark and earns the
/// penalty; the contract refuses the takeover when its own account would fall below
/// initial margin, so its capital bounds what it can absorb.
public final class OptionsLiquidator: Agent {
    public let name: String
    let settings: OptionsLiquidatorSettings
    let exchange: Int
    let account: OptionAccountID
    let shared: OptionsSharedIndex
    let subscriber: Int
    @exclusivity(unchecked) var outbox: Outbox<OptionAccountID>
    @exclusivity(unchecked) var newest: NewestBlock
    @exclusivity(unchecked) public private(set) var sent = 0
    @exclusivity(unchecked) public private(set) var included = 0
    @exclusivity(unchecked) public private(set) var reverted = 0
    /// When it may try each account again after a revert (looked up, never iterated).
    @exclusivity(unchecked) var retryAt: [OptionAccountID: SimTime] = [:]
    /// Reverts in a row per account: each doubles the wait, up to 32 × `retryDelay`.
    @exclusivity(unchecked) var failuresOf: [OptionAccountID: Int] = [:]

    init(
        settings: OptionsLiquidatorSettings, exchange: Int, account: OptionAccountID,
        shared: OptionsSharedIndex, producer: AgentID, initialBaseFee: Wei,
        samplers: LatencySamplers?
    ) {
        name = settings.name
        self.settings = settings
        self.exchange = exchange
        self.account = account
        self.shared = shared
        subscriber = shared.subscribe()
        newest = NewestBlock(initialBaseFee: initialBaseFee)
        outbox = Outbox(
            address: settings.address, producer: producer,
            propagation: samplers.sampler(settings.propagation))
    }

    public func start(_ context: Context<ProtocolMessage>) {
        context.subscribeToBlocks(from: outbox.producer, latency: settings.observation)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        switch message {
        case .blockObserved(let report):
            shared.observe(report.header.number, subscriber: subscriber)
            for outcome in outbox.settle(report) {
                switch outcome {
                case .succeeded(let entry, _):
                    included += 1
                    failuresOf[entry.purpose] = nil
                case .reverted(let entry, _, _):
                    // Lost the race, or its own margin cannot take the book: wait before
                    // trying this account again.
                    reverted += 1
                    let failures = min((failuresOf[entry.purpose] ?? 0) + 1, 6)
                    failuresOf[entry.purpose] = failures
                    retryAt[entry.purpose] =
                        context.now
                        + .milliseconds(
                            settings.retryDelay.milliseconds << Int64(failures - 1))
                case .dropped: break
                }
            }
            guard newest.observe(report),
                !settings.downtime.covers(context.now)
            else { return }
            var budget = settings.maxNewTransactionsPerBlock
            for id in shared.liquidatableAccounts(at: report.header.number) where id != account {
                guard budget > 0, let bid = newest.bid(settings.gas) else { return }
                if outbox.pending.contains(where: { $0.purpose == id }) { continue }
                if let wait = retryAt[id], context.now < wait { continue }
                let call = ProtocolState.Call.options(
                    exchange: exchange, .liquidate(account: id, liquidator: account))
                budget -= 1
                sent += 1
                outbox.send(
                    [call], gasLimit: intrinsicGasPerTransaction + call.gasCost + 50_000,
                    bid: bid, purpose: id, context)
            }
        case .rejected(let rejection):
            _ = outbox.reject(rejection)
        default:
            break
        }
    }
}

/// The options agents of a protocol world.
public struct OptionsAgents {
    public let genesis: ProtocolWorld.OptionsGenesis
    public let oracle: OptionsOracle
    public let settler: OptionsSettlementKeeper
    public let liquidators: [OptionsLiquidator]
    public let index: OptionsSharedIndex
}

extension ProtocolWorld {
    /// Creates the options agents and adds them to `kernel` (oracle, settlement keeper,
    /// liquidators, in that order).
    static func addOptionsAgents(
        _ settings: OptionsWorldSettings, genesis: OptionsGenesis, index: OptionsSharedIndex,
        kernel: Kernel<ProtocolMessage>, market: MarketPath, producer: AgentID,
        initialBaseFee: Wei, samplers: LatencySamplers?
    ) -> OptionsAgents {
        let oracle = OptionsOracle(
            settings: settings.oracle, genesis: genesis, market: market, producer: producer,
            initialBaseFee: initialBaseFee, samplers: samplers)
        _ = kernel.add(oracle)
        let settler = OptionsSettlementKeeper(
            exchange: genesis.exchange, settings: settings.oracle, gas: settings.settlementGas,
            downtime: settings.settlementDowntime, producer: producer,
            initialBaseFee: initialBaseFee, samplers: samplers)
        _ = kernel.add(settler)
        var liquidators: [OptionsLiquidator] = []
        for (number, liquidatorSettings) in settings.liquidators.enumerated() {
            let liquidator = OptionsLiquidator(
                settings: liquidatorSettings, exchange: genesis.exchange,
                account: genesis.liquidators[number], shared: index, producer: producer,
                initialBaseFee: initialBaseFee, samplers: samplers)
            liquidators.append(liquidator)
            _ = kernel.add(liquidator)
        }
        return OptionsAgents(
            genesis: genesis, oracle: oracle, settler: settler, liquidators: liquidators,
            index: index)
    }
}
