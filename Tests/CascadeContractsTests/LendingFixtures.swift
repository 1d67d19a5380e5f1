import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

// Fixtures for the lending tests: a pool with a ledger of its own (`LendingMarket`), a
// clock, and the books audited after every successful call.

/// A base-currency price with 8 decimals from a decimal string: `usd("2.5")`.
func usd(_ decimal: String) -> UInt256 {
    guard let value = UInt256(decimal: decimal, scale: 8) else {
        preconditionFailure("bad price literal \(decimal)")
    }
    return value
}

/// An Aave pool over 18-decimal tokens, with fixed addresses and a clock.
struct AaveFixture {
    static let treasury = Address(1)
    static let oracle = Address(2)
    static let alice = Address(10)
    static let bob = Address(11)
    static let liquidator = Address(12)

    /// A reserve to list: its token's symbol and risk terms.
    struct Listing {
        var symbol: String
        var price: UInt256
        var ltvBps: UInt256 = 7_500
        var thresholdBps: UInt256 = 8_000
        var bonusBps: UInt256 = 10_500
        var protocolFeeBps: UInt256 = .zero
        var reserveFactorBps: UInt256 = .zero
        var rates: AaveInterestRateStrategy = .zero
        var decimals = 18
    }

    var market: LendingMarket<AavePool>
    var tokens: [TokenID] = []
    var now: UInt64 = 1_000
    var events: [AavePool.Event] = []

    init(version: AavePool.Version, listings: [Listing]) {
        var ledger = TokenLedger()
        var pool = AavePool(
            configuration: .init(version: version, treasury: Self.treasury, oracle: Self.oracle))
        for (index, listing) in listings.enumerated() {
            let token = ledger.addToken(symbol: listing.symbol)
            tokens.append(token)
            let terms = AavePool.ReserveConfiguration(
                token: token, aToken: Address(UInt32(100 + index)), decimals: listing.decimals,
                ltvBps: listing.ltvBps, liquidationThresholdBps: listing.thresholdBps,
                liquidationBonusBps: listing.bonusBps,
                liquidationProtocolFeeBps: listing.protocolFeeBps,
                reserveFactorBps: listing.reserveFactorBps, interestRates: listing.rates)
            _ = pool.addReserve(terms, price: listing.price, at: now)
        }
        market = LendingMarket(ledger: ledger, pool: pool)
    }

    var pool: AavePool { market.pool }
    var ledger: TokenLedger { market.ledger }
    var block: BlockContext { BlockContext(number: now / 12, timestamp: now) }

    /// Gives `owner` `amount` base units of reserve `asset`'s token.
    mutating func fund(_ owner: Address, asset: Int, amount: UInt256) {
        market.ledger.mint(tokens[asset], to: owner, amount: amount.toUInt128())
    }

    /// `owner`'s wallet balance of reserve `asset`'s token.
    func wallet(_ owner: Address, asset: Int) -> UInt256 {
        UInt256(ledger.balance(of: tokens[asset], owner))
    }

    /// Applies one call as `caller` now, then audits the books.
    mutating func run(_ call: AavePool.Call, as caller: Address) throws {
        try market.apply(call, caller: caller, block: block, events: &events)
        try market.checkInvariants()
    }

    /// Applies `call` as `caller` now; returns its revert, or nil after auditing the books.
    mutating func attempt(_ call: AavePool.Call, as caller: Address) throws -> Revert? {
        do {
            try market.apply(call, caller: caller, block: block, events: &events)
        } catch {
            return error
        }
        try market.checkInvariants()
        return nil
    }

    /// The last liquidation event.
    var lastLiquidation: AavePool.Liquidation? {
        for event in events.reversed() {
            if case .liquidated(let liquidation) = event { return liquidation }
        }
        return nil
    }

    /// Funds `user` with `collateral` of reserve 0 and supplies it; funds `bob` with
    /// `liquidity` of reserve 1 and supplies it; `user` borrows `debt` of reserve 1.
    mutating func openPosition(
        _ user: Address, collateral: UInt256, debt: UInt256, liquidity: UInt256
    ) throws {
        fund(user, asset: 0, amount: collateral)
        try run(.supply(asset: 0, amount: collateral), as: user)
        fund(Self.bob, asset: 1, amount: liquidity)
        try run(.supply(asset: 1, amount: liquidity), as: Self.bob)
        try run(.borrow(asset: 1, amount: debt), as: user)
    }
}

/// A Compound comptroller with the anchored view as its oracle, fixed addresses and a
/// block counter.
struct CompoundFixture {
    static let reporter = Address(3)
    static let geoff = Address(20)
    static let torrey = Address(21)
    static let supplier = Address(22)

    var market: LendingMarket<CompoundComptroller>
    var tokens: [TokenID] = []
    var blockNumber: UInt64 = 100
    var events: [CompoundComptroller.Event] = []

    /// Markets for `symbols`, each on oracle asset `i` with cToken `Address(200 + i)`.
    init(
        closeFactor: UInt256, liquidationIncentive: UInt256,
        markets: [(
            symbol: String, terms: (TokenID, Address) -> CompoundComptroller.MarketConfiguration
        )]
    ) {
        var ledger = TokenLedger()
        let view = AnchoredPriceView(
            address: Address(4), reporter: Self.reporter, assetCount: markets.count,
            toleranceWad: wad("0.2"))
        var comptroller = CompoundComptroller(
            configuration: .init(
                closeFactor: closeFactor, liquidationIncentive: liquidationIncentive),
            oracle: view)
        for (index, market) in markets.enumerated() {
            let token = ledger.addToken(symbol: market.symbol)
            tokens.append(token)
            _ = comptroller.addMarket(
                market.terms(token, Address(UInt32(200 + index))), atBlock: blockNumber)
        }
        self.market = LendingMarket(ledger: ledger, pool: comptroller)
    }

    var comptroller: CompoundComptroller { market.pool }
    var ledger: TokenLedger { market.ledger }
    var block: BlockContext { BlockContext(number: blockNumber, timestamp: blockNumber * 13) }

    mutating func fund(_ owner: Address, market index: Int, amount: UInt256) {
        market.ledger.mint(tokens[index], to: owner, amount: amount.toUInt128())
    }

    func wallet(_ owner: Address, market index: Int) -> UInt256 {
        UInt256(ledger.balance(of: tokens[index], owner))
    }

    /// Posts `price` (WAD per whole token) for oracle asset `asset`, anchored at itself.
    mutating func setPrice(_ asset: Int, _ price: UInt256) throws {
        try run(
            .oracle(.postPrice(asset: asset, reportedPrice: price, anchorPrice: price)),
            as: Self.reporter)
    }

    mutating func run(_ call: CompoundComptroller.Call, as caller: Address) throws {
        try market.apply(call, caller: caller, block: block, events: &events)
        try market.checkInvariants()
    }

    /// `Comptroller Liquidity account` of the scenarios: liquidity minus shortfall, as a
    /// sign and a magnitude.
    func liquidity(_ account: Address) throws -> (negative: Bool, magnitude: UInt256) {
        let liquidity = try #require(try comptroller.accountLiquidity(of: account, ledger: ledger))
        return liquidity.shortfall.isZero
            ? (false, liquidity.liquidity) : (true, liquidity.shortfall)
    }

    /// Applies `call` as `caller`; returns its revert, or nil after auditing the books.
    mutating func attempt(_ call: CompoundComptroller.Call, as caller: Address) throws -> Revert? {
        do {
            try market.apply(call, caller: caller, block: block, events: &events)
        } catch {
            return error
        }
        try market.checkInvariants()
        return nil
    }

    var lastLiquidation: CompoundComptroller.Liquidation? {
        for event in events.reversed() {
            if case .liquidated(let liquidation) = event { return liquidation }
        }
        return nil
    }
}
