import CascadeContracts
import CascadeCore
import Testing

/// An exact signed fixed-point literal: `fixed("-1.5", scale: 9)` is −1_500_000_000. Traps
/// on a malformed literal or too many decimals (a bug in the test).
func fixed(_ literal: String, scale: Int) -> Int128 {
    let negative = literal.hasPrefix("-")
    let digits = negative ? literal.dropFirst() : Substring(literal)
    let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
    precondition(parts.count <= 2 && !(parts.first ?? "").isEmpty, "bad literal \(literal)")
    let fraction = parts.count == 2 ? parts[1] : ""
    precondition(fraction.count <= scale, "too many decimals in \(literal)")
    let text = parts[0] + fraction + String(repeating: "0", count: scale - fraction.count)
    guard let magnitude = Int128(text) else { preconditionFailure("bad literal \(literal)") }
    return negative ? -magnitude : magnitude
}

/// USDC in quantums (1e-6).
func usdc(_ literal: String) -> Int128 { fixed(literal, scale: 6) }
/// A price in quantums per base unit.
func price(_ literal: String) -> Int128 { fixed(literal, scale: 6) }
/// A size in 1e-9 base units.
func size(_ literal: String) -> Int128 { fixed(literal, scale: 9) }
/// A fraction in ppm from a percentage: `percent("0.05")` is 500.
func percent(_ literal: String) -> Int128 { fixed(literal, scale: 4) }

/// A `PerpExchange` with fixed addresses and a clock, for tests.
///
/// `run` applies one call at the fixture's time and audits the books after it;
/// `reason` expects a revert, checks that the exchange is unchanged, and returns why.
struct PerpFixture {
    static let oracle = Address(1)
    static let matcher = Address(2)
    static let vaultOwner = Address(3)
    static let alice = Address(10)
    static let bob = Address(11)
    static let carol = Address(12)
    static let dave = Address(13)
    static let keeper = Address(20)

    var exchange: PerpExchange
    var now: UInt64 = 1_000

    /// The fill bound's spread defaults to 100% of the maintenance margin fraction, ten
    /// times dYdX's genesis value, so the hand-worked vectors (a fill a few dollars below a
    /// mark of 940) stay inside it; `PerpFillBoundTests` checks dYdX's own terms.
    init(
        backstopThresholdPpm: Int128 = 666_667,
        deleveragingPrice: PerpExchange.DeleveragingPrice = .bankruptcy,
        spreadToMaintenanceMarginRatioPpm: Int128 = 1_000_000,
        unrealisedProfitBacksWithdrawals: Bool = true
    ) {
        exchange = PerpExchange(
            configuration: PerpExchange.Configuration(
                oracle: Self.oracle, matcher: Self.matcher, backstopVault: Self.vaultOwner,
                backstopThresholdPpm: backstopThresholdPpm, deleveragingPrice: deleveragingPrice,
                spreadToMaintenanceMarginRatioPpm: spreadToMaintenanceMarginRatioPpm,
                unrealisedProfitBacksWithdrawals: unrealisedProfitBacksWithdrawals))
    }

    /// A market with the usual test terms, priced at `mark`.
    mutating func addMarket(
        _ name: String = "ETH-USD", initialMargin: String = "10", maintenance: String = "5",
        mark: String, penalty: String = "1", openInterestCap: String = "1000000",
        funding: PerpFundingTerms = PerpFundingTerms(intervalSeconds: 3600),
        scaling: PerpOpenInterestScaling? = nil, volatilityMultiplier: Int128? = nil
    ) -> PerpMarketID {
        let market = exchange.addMarket(
            PerpMarketTerms(
                name: name, initialMarginPpm: percent(initialMargin),
                maintenanceMarginPpm: percent(maintenance),
                openInterestCap: size(openInterestCap), liquidationPenaltyPpm: percent(penalty),
                funding: funding, openInterestScaling: scaling,
                volatilityMultiplierPpm: volatilityMultiplier),
            at: now)
        setPrice(market, mark)
        return market
    }

    /// An account of `owner` holding `collateral` USDC.
    mutating func account(
        _ owner: Address, _ collateral: String, mode: PerpMarginMode = .cross
    ) -> PerpAccountID {
        let id = exchange.openAccount(owner: owner, mode: mode)
        if usdc(collateral) > 0 {
            mustRun(.deposit(account: id, amount: usdc(collateral)), as: owner)
        }
        return id
    }

    var block: BlockContext { BlockContext(number: now / 12, timestamp: now) }

    /// Applies `call` as `caller`, checks the invariants, and returns the events.
    @discardableResult
    mutating func run(_ call: PerpExchange.Call, as caller: Address) throws(Revert)
        -> [PerpExchange.Event]
    {
        var events: [PerpExchange.Event] = []
        try exchange.apply(call, caller: caller, block: block, events: &events)
        do {
            try exchange.checkInvariants()
        } catch {
            Issue.record("invariant after \(call): \(error)")
        }
        return events
    }

    /// `run` for set-up steps that must succeed.
    @discardableResult
    mutating func mustRun(_ call: PerpExchange.Call, as caller: Address) -> [PerpExchange.Event] {
        do {
            return try run(call, as: caller)
        } catch {
            Issue.record("\(call) reverted: \(error)")
            return []
        }
    }

    /// The revert reason of `call`, after checking that it left the exchange unchanged;
    /// `nil` (and the call applied) if it succeeded.
    mutating func reason(_ call: PerpExchange.Call, as caller: Address) -> String? {
        let before = exchange
        do {
            try run(call, as: caller)
            return nil
        } catch {
            #expect(exchange == before, "\(call) reverted but changed the exchange")
            return error.reason
        }
    }

    mutating func setPrice(_ market: PerpMarketID, _ mark: String) {
        mustRun(.updatePrice(market: market, price: price(mark)), as: Self.oracle)
    }

    /// The matcher fills `buyer` buying `amount` from `seller` at `fill`.
    mutating func trade(
        _ market: PerpMarketID, buyer: PerpAccountID, seller: PerpAccountID, _ amount: String,
        at fill: String
    ) {
        mustRun(
            .trade(
                market: market, buyer: buyer, seller: seller, size: size(amount),
                price: price(fill)),
            as: Self.matcher)
    }

    func risk(_ account: PerpAccountID) -> PerpRisk {
        do {
            return try exchange.risk(of: account)
        } catch {
            Issue.record("risk: \(error)")
            return PerpRisk(equity: 0, initialMargin: 0, maintenanceMargin: 0)
        }
    }

    func equity(_ account: PerpAccountID) -> Int128 { risk(account).equity }

    func positionSize(of account: PerpAccountID, in market: PerpMarketID) -> Int128 {
        exchange.account(account).position(in: market)?.size ?? 0
    }
}
