import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

extension ProtocolWorld {
    /// Where the options exchange holds its stablecoin.
    public static let optionsCustody = Address(2_100)
    /// The options oracle (posts the underlying's price; every post marks the series).
    public static let optionsOracle = Address(2_101)
    /// The venue's matching engine: it sends the genesis fills.
    public static let optionsMatcher = Address(2_102)
    /// Owner of the buyers' desk account.
    public static let optionsBuyers = Address(2_103)
    /// Owner of the options vault's accounts.
    public static let optionsVault = Address(2_104)
    /// The settlement keeper.
    public static let optionsSettler = Address(2_105)
    /// Options liquidator `index`'s address.
    public static func optionsLiquidator(_ index: Int) -> Address {
        Address(UInt32(3_500 + index))
    }
    /// Writer `index`'s address.
    public static func optionsWriter(_ index: Int) -> Address {
        Address(UInt32(6_000_000 + index))
    }

    /// The options part of the genesis state, and what the agents and outputs need of it.
    public struct OptionsGenesis: Sendable {
        public var exchange: Int
        public var token: TokenID
        public var asset: AssetID
        public var underlying: OptionUnderlyingID
        public var buyers: OptionAccountID
        public var vaultAccounts: [OptionAccountID]
        public var vaultCapital: Int128
        public var writerAccounts: [OptionAccountID]
        public var writers: Int
        public var writersSkipped: Int
        public var writerCapital: Int128
        public var liquidators: [OptionAccountID]
    }

    /// Builds the options exchange into `state` at timestamps 0 to 2, like the rest of
    /// genesis: the stablecoin (`USDC`, 18 decimals here), the underlying and its series,
    /// the first price (which marks them), the insurance fund, the buyers' desk, the vault
    /// and the writers (each selling at the mark), and the liquidators' accounts.
    static func optionsGenesis(
        _ state: inout ProtocolState, settings: OptionsWorldSettings, market: MarketPath,
        seed: UInt64, eth: TokenID
    ) throws(GenesisError) -> OptionsGenesis {
        guard let asset = market.asset(named: settings.asset) else {
            preconditionFailure("options: no market asset \(settings.asset)")
        }
        let token = state.ledger.addToken(symbol: "USDC")
        var exchange = OptionsExchange(
            configuration: .init(
                oracle: optionsOracle, matcher: optionsMatcher, margin: settings.margin))
        let underlying = exchange.addUnderlying(
            OptionUnderlying(
                name: settings.asset, surface: settings.surface, ratePpm: settings.ratePpm,
                dividendYieldPpm: settings.dividendYieldPpm))
        let genesisPrice = OptionsMath.wadRounded(market.price(of: asset, at: .zero))
        for entry in settings.series {
            _ = exchange.addSeries(
                OptionSeries(
                    underlying: underlying, kind: entry.kind,
                    strike: entry.strikeWad(genesisPrice: genesisPrice),
                    expiry: entry.expirySeconds))
        }
        let index = state.addOptionsExchange(
            exchange, wiring: PerpWiring(quote: token, custody: optionsCustody))
        let block = BlockContext(number: 0, timestamp: 2)
        func run(_ call: OptionsExchange.Call, _ caller: Address) throws(GenesisError) {
            try perform(&state, .options(exchange: index, call), caller, at: 2)
        }
        func tryRun(_ call: OptionsExchange.Call, _ caller: Address) -> Bool {
            var events: [ProtocolState.Event] = []
            do {
                try state.apply(
                    .options(exchange: index, call), caller: caller, block: block,
                    events: &events)
                return true
            } catch {
                return false
            }
        }
        // Deposits come from outside the model: minted to governance, which pays them in.
        func open(_ owner: Address, _ mode: OptionMarginMode, deposit: Int128)
            throws(GenesisError) -> OptionAccountID
        {
            try run(.openAccount(mode: mode), owner)
            let id = OptionAccountID(state.optionsExchanges[index].accountCount - 1)
            if deposit > 0 {
                state.ledger.mint(token, to: governance, amount: UInt128(deposit))
                try run(.deposit(account: id, amount: deposit), governance)
            }
            return id
        }
        func books() -> OptionsExchange { state.optionsExchanges[index] }
        let ether = UInt128.weiPerEther
        for address in [optionsOracle, optionsMatcher, optionsSettler] {
            state.ledger.mint(eth, to: address, amount: genesisAccountEth * ether)
        }
        try run(.updatePrice(underlying: underlying, price: genesisPrice), optionsOracle)
        if settings.insuranceFund > 0 {
            state.ledger.mint(token, to: governance, amount: UInt128(settings.insuranceFund))
            try run(.fundInsurance(amount: settings.insuranceFund), governance)
        }
        let buyers = try open(optionsBuyers, .cross(underlying), deposit: settings.buyerCapital)
        var vaultAccounts: [OptionAccountID] = []
        var vaultCapital: Int128 = 0
        if let vault = settings.vault {
            vaultCapital = vault.capital
            vaultAccounts = try sellVaultPuts(
                vault, mode: settings.mode.mode(underlying), books: books, buyers: buyers,
                open: open, tryRun: tryRun)
        }
        var writerAccounts: [OptionAccountID] = []
        var writers = 0
        var skipped = 0
        var writerCapital: Int128 = 0
        if let population = settings.writers {
            var random = RandomStream(seed: seed, name: "options-writers")
            for number in 0..<population.count {
                let capitalDollars =
                    population.capitalMedian
                    * ChainMath.exp(population.capitalSigma * random.normal())
                let use = random.uniform(population.marginUseMinimum, population.marginUseMaximum)
                let capital = OptionsMath.wadRounded(capitalDollars)
                writerCapital += capital
                let opened = try writeBook(
                    population.book, capital: capital, marginUse: use,
                    mode: settings.mode.mode(underlying), owner: optionsWriter(number),
                    books: books, buyers: buyers, open: open, tryRun: tryRun)
                if opened.isEmpty {
                    skipped += 1
                } else {
                    writers += 1
                    writerAccounts += opened
                }
            }
        }
        var liquidators: [OptionAccountID] = []
        for liquidator in settings.liquidators {
            state.ledger.mint(eth, to: liquidator.address, amount: genesisAccountEth * ether)
            liquidators.append(
                try open(liquidator.address, .portfolio(underlying), deposit: liquidator.capital))
        }
        return OptionsGenesis(
            exchange: index, token: token, asset: asset, underlying: underlying, buyers: buyers,
            vaultAccounts: vaultAccounts, vaultCapital: vaultCapital,
            writerAccounts: writerAccounts, writers: writers, writersSkipped: skipped,
            writerCapital: writerCapital, liquidators: liquidators)
    }

    /// The vault's accounts (one per series in isolated mode, else one), each put sized so
    /// its strike × size is secured by the vault's capital share.
    static func sellVaultPuts(
        _ vault: OptionsVaultSettings, mode: OptionMarginMode, books: () -> OptionsExchange,
        buyers: OptionAccountID,
        open: (Address, OptionMarginMode, Int128) throws(GenesisError) -> OptionAccountID,
        tryRun: (OptionsExchange.Call, Address) -> Bool
    ) throws(GenesisError) -> [OptionAccountID] {
        let count = Int128(vault.series.count)
        guard count > 0 else { return [] }
        let share = vault.capital / count
        var accounts: [OptionAccountID] = []
        var shared: OptionAccountID?
        if mode != .isolated {
            let account = try open(optionsVault, mode, vault.capital)
            shared = account
            accounts.append(account)
        }
        for slot in vault.series {
            let id = OptionSeriesID(slot)
            let option = books().series(id)
            let account: OptionAccountID
            if let shared {
                account = shared
            } else {
                account = try open(optionsVault, mode, share)
                accounts.append(account)
            }
            let secured = share * Int128(vault.utilisationPpm) / 1_000_000
            let size = OptionsMath.mulDivFloor(secured, OptionsMath.wadInteger, option.strike)
            guard size > 0 else { continue }
            _ = tryRun(
                .trade(
                    series: id, buyer: buyers, seller: account, size: size, price: option.mark),
                optionsMatcher)
        }
        return accounts
    }

    /// Opens a writer's account(s) and writes its book at the mark, sized so the book's
    /// initial margin plus the premiums of its long legs use `marginUse` of `capital`.
    /// Returns its accounts, or none when the exchange refused the book.
    static func writeBook(
        _ book: [OptionsBookLeg], capital: Int128, marginUse: Double, mode: OptionMarginMode,
        owner: Address, books: () -> OptionsExchange, buyers: OptionAccountID,
        open: (Address, OptionMarginMode, Int128) throws(GenesisError) -> OptionAccountID,
        tryRun: (OptionsExchange.Call, Address) -> Bool
    ) throws(GenesisError) -> [OptionAccountID] {
        // Longs first: the exchange checks margin after every trade, and a book's hedges
        // must be in place before the shorts they hedge (the premiums come from capital).
        let legs = book.sorted {
            ($0.units > 0 ? 0 : 1, $0.series) < ($1.units > 0 ? 0 : 1, $1.series)
        }
        let perUnit = unitCosts(legs, mode: mode, exchange: books())
        let total = perUnit.reduce(0, +)
        guard total > 0, capital > 0 else { return [] }
        let units = marginUse * (Double(capital) / OptionsMath.wad) / total
        var accounts: [OptionAccountID] = []
        var shared: OptionAccountID?
        if mode != .isolated {
            let account = try open(owner, mode, capital)
            shared = account
            accounts.append(account)
        }
        for (leg, cost) in zip(legs, perUnit) {
            let id = OptionSeriesID(leg.series)
            let account: OptionAccountID
            if let shared {
                account = shared
            } else {
                let deposit = OptionsMath.wadRounded(
                    Double(capital) / OptionsMath.wad * cost / total)
                account = try open(owner, mode, deposit)
                accounts.append(account)
            }
            // Sizes to a millionth of a unit.
            let micro = (abs(leg.units) * units * 1e6).rounded(.down)
            guard micro >= 1, micro < 1e24 else { return [] }
            let size = Int128(micro) * 1_000_000_000_000
            let mark = books().series(id).mark
            let short = leg.units < 0
            let traded = tryRun(
                .trade(
                    series: id, buyer: short ? buyers : account, seller: short ? account : buyers,
                    size: size, price: mark), optionsMatcher)
            guard traded else { return [] }
        }
        return accounts
    }

    /// Per leg, what one unit of the book costs its writer in dollars: its share of the
    /// initial margin (measured on a scratch copy of the exchange) plus, for a long leg, its
    /// premium.
    static func unitCosts(
        _ legs: [OptionsBookLeg], mode: OptionMarginMode, exchange: OptionsExchange
    )
        -> [Double]
    {
        var scratch = exchange
        let block = BlockContext(number: 0, timestamp: 2)
        var events: [OptionsExchange.Event] = []
        let huge = OptionsMath.wadInteger * 1_000_000_000_000
        func fund(_ id: OptionAccountID) {
            try? scratch.apply(
                .deposit(account: id, amount: huge), caller: .zero, block: block, events: &events)
        }
        func trade(
            _ leg: OptionsBookLeg, _ account: OptionAccountID, _ counterparty: OptionAccountID
        ) {
            let id = OptionSeriesID(leg.series)
            let size = Int128((abs(leg.units) * 1e6).rounded()) * 1_000_000_000_000
            let short = leg.units < 0
            try? scratch.apply(
                .trade(
                    series: id, buyer: short ? counterparty : account,
                    seller: short ? account : counterparty, size: size,
                    price: scratch.series(id).mark), caller: exchange.configuration.matcher,
                block: block, events: &events)
        }
        func premium(_ leg: OptionsBookLeg) -> Double {
            leg.units > 0
                ? leg.units * Double(exchange.series(OptionSeriesID(leg.series)).mark)
                    / OptionsMath.wad
                : 0
        }
        if case .isolated = mode {
            return legs.map { leg in
                let account = scratch.openAccount(owner: .zero, mode: .isolated)
                let counterparty = scratch.openAccount(owner: .zero, mode: .isolated)
                fund(account)
                fund(counterparty)
                trade(leg, account, counterparty)
                let initial = scratch.margin(of: account, now: 2).initial
                return Double(initial) / OptionsMath.wad + premium(leg)
            }
        }
        let account = scratch.openAccount(owner: .zero, mode: mode)
        fund(account)
        var counterparties: [OptionAccountID] = []
        for leg in legs {
            let counterparty = scratch.openAccount(owner: .zero, mode: .isolated)
            fund(counterparty)
            counterparties.append(counterparty)
            trade(leg, account, counterparty)
        }
        let initial = Double(scratch.margin(of: account, now: 2).initial) / OptionsMath.wad
        // Spread the book's margin over the legs (only the total matters in a shared account).
        let premiums = legs.map(premium)
        let legCount = Double(max(legs.count, 1))
        return premiums.map { $0 + initial / legCount }
    }
}
