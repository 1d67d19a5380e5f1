import CascadeContracts
import CascadeCore

/// A perpetuals exchange's accounts ordered by how close each is to liquidation, so a
/// liquidator (or the race ledger) finds every liquidatable account in O(log N + k) per
/// market and side, and gets **exactly** the accounts `PerpExchange.liquidatableAccounts()`
/// returns — never by scanning every account.
///
/// **What it keys on.** An account with one position (every isolated account, and a cross
/// account holding one market) of size `s`, quote balance `Q` and funding snapshot `σ` has,
/// at mark `p` with the side's funding index `I` and maintenance fraction `m` (ppm), the
/// exact equity and requirement (docs/model/perpetuals.md's units)
///
///     equity = Q + s·p/1e9 − s·(I − σ)/1e12        MMR = |s|·p·m/1e15
///
/// Multiplying `equity − MMR < 2` by 1e15 separates what belongs to the account from what
/// is market-wide:
///
///     long  (s > 0):   s·V < D,   V = p·(1e6 − m) − I_long·1e3,   D = 2e15 − Q·1e15 − s·σ·1e3
///     short (s = −a):  C < a·W,   W = p·(1e6 + m) − I_short·1e3,  C = Q·1e15 − a·σ·1e3 − 2e15
///
/// `D` and `C` hold only the account's own numbers, and
/// `V`, `W` only the market's, so a price update, a funding payment or a socialised loss
/// (which move `p` and `I`) touch no stored entry. Both tests take the shape of
/// `LiquidationIndex`'s `collateral · v < debt · w` once shifted by a constant `K = 2^120`
/// so that every factor is positive (`D`, `C`, `V`, `W` may all be negative: a rich long
/// has `D < 0`, and a socialised loss over little open interest can push a funding index
/// past the price):
///
///     long:   s · (V + K)  <  (D + s·K) · 1        stored as collateral s,        debt D + s·K
///     short:  (C + a·K) · 1  <  a · (W + K)        stored as collateral C + a·K,  debt a
///
/// Each market side is one `LiquidationIndex` market (`2·market` for longs, `2·market + 1`
/// for shorts), ordered by `D/s` descending or `C/a` ascending, and its candidates are a
/// prefix of that order.
///
/// **Why exact.** The contract rounds: each position's value down, funding owed up, the
/// requirement up. So its equity is above the exact one minus 2 quantums and its
/// requirement below the exact one plus 1, and `contract equity < contract MMR` (integers:
/// ≤ MMR − 1) implies `exact equity − exact MMR < 2` — every liquidatable account is a
/// candidate. Conversely the contract's equity is at most the exact one and its requirement
/// at least the exact one, so a candidate whose exact `equity − MMR` is below zero (the key
/// without the slack) is liquidatable for certain and returned at once. Only a candidate
/// within 2 quantums of its requirement is decided by the contract's own test
/// (`risk(of:)`, or `isLiquidatable(_:atPrices:)` at other prices), so nothing else is
/// returned and the contract is asked about a handful of accounts per query.
///
/// **Cross accounts with several positions** have no single key: their equity moves with
/// every market they hold. They are *watched*: kept in a list and tested at every query,
/// O(w) for w such accounts — first by a conservative floating-point bound
/// (`isClearlySafe`), then, unless that clears them, with the contract's own rule. The
/// world's traders hold one position per account, so the list holds the market maker, the
/// liquidators and the backstop vault once they hold several markets, and any named
/// multi-market accounts. An account whose key overflows `Int128` (a size or balance beyond
/// 10^20 USDC) is watched too.
///
/// **Feeding it.** Seed it from the exchange once (`init(exchange:)`, one pass), then
/// `apply` each observed block's events: every event naming an account (trade, deposit,
/// withdrawal, liquidation, backstop, deleveraging, socialised loss) re-reads that account
/// from the state after the block, O(log N) each. A call that settles funding without an
/// event leaves the contract's equity unchanged, so a stale key stays correct.
///
/// **Margin coverage.** Wherever `update` re-reads an account it also keeps exact running
/// sums (`Σ Q` over accounts, `Σ s` and `Σ s·σ` per side over positions), so
/// `marginCoverage(in:atPrices:)` gives the book's summed equity and maintenance margin at
/// any prices in O(markets) (`PerpAccountIndex+Coverage.swift`).
///
/// **Order of results.** By market, longs before shorts, most endangered first within a side
/// (ties by account id), then the watched accounts by id.
///
/// **Fallback.** A stored key outside `±K` per unit of size (a balance near 10^21 USDC per
/// size unit) makes the account watched; a market-wide `V` or `W` beyond `±K` (or one that
/// overflows `Int128`) makes the query scan that side (`fallbackScans` counts it). Neither
/// happens in any world; both keep the answer exact.
public struct PerpAccountIndex: Sendable {
    /// The exchange's index in `ProtocolState.perpExchanges` (for `apply`).
    public let exchange: Int
    var index = LiquidationIndex()
    /// Per account id: its `LiquidationIndex` market (2·market + side), `watchedSlot`, or
    /// `absentSlot`.
    var slots: [Int32] = []
    /// Watched account ids, ascending.
    var watched: [Int] = []
    /// Scratch for `apply`: the accounts one block touched.
    var touched: [Int] = []
    /// Scratch for queries: one side's candidates, and the walk's path.
    var candidates: [Int] = []
    var path: [Int32] = []
    /// The margin coverage's running sums (`PerpAccountIndex+Coverage.swift`): per side
    /// (`2·market`, `2·market + 1` for shorts) over every summed position, `Σ Q` over the
    /// summed accounts, per account what it added, and the accounts holding positions whose
    /// numbers are too wide to sum (ascending).
    var sideSums: [PerpSideSums] = []
    var quoteSum = WideSignedInteger.zero
    var filedTerms: [PerpFiledTerms] = []
    var unsummed: [Int] = []

    static let absentSlot: Int32 = -2
    static let watchedSlot: Int32 = -1
    /// The rounding slack of the key, quantums × 1e15 (see the type's documentation).
    static let slack: Int128 = 2 * 1_000_000_000_000_000

    /// Queries made, accounts re-read, candidates tested with the contract's rule, accounts
    /// returned, and sides scanned by the fallback: for the "never a scan" checks.
    public private(set) var queryCount = 0
    public private(set) var updateCount = 0
    public private(set) var candidateCount = 0
    public private(set) var returnedCount = 0
    public private(set) var fallbackScans = 0
    /// Candidates known liquidatable from their key alone (no contract call).
    public private(set) var certainCount = 0
    /// Watched accounts found safe by the floating-point bound (no contract call).
    public private(set) var clearedCount = 0
    /// Margin coverages summed account by account because a product of the running sums
    /// passed its bound (`marginCoverage(in:atPrices:)`); none in any world.
    public internal(set) var coverageFallbacks = 0

    /// The index of exchange `exchange` (its position in `ProtocolState.perpExchanges`),
    /// seeded from every account of `state`: one pass, at genesis.
    public init(exchange: Int, state: PerpExchange) {
        self.exchange = exchange
        slots.reserveCapacity(state.accountCount)
        for raw in 0..<state.accountCount {
            update(PerpAccountID(UInt32(raw)), in: state)
        }
        updateCount = 0
    }

    /// Accounts held in the index or the watched list.
    public var count: Int { index.count + watched.count }

    /// Watched accounts (several cross positions, or an overflowing key).
    public var watchedCount: Int { watched.count }

    /// Re-reads account `id` from `state` and files it under its current key.
    ///
    /// - Complexity: O(log N) expected; O(w) when it joins or leaves the watched list.
    public mutating func update(_ id: PerpAccountID, in state: PerpExchange) {
        updateCount += 1
        let raw = Int(id.rawValue)
        guard raw < state.accountCount else { return }
        if raw >= slots.count {
            slots.append(contentsOf: repeatElement(Self.absentSlot, count: raw + 1 - slots.count))
        }
        let account = state.account(id)
        let placement: (slot: Int32, collateral: UInt256, debt: UInt256)?
        switch account.positions.count {
        case 0: placement = nil
        case 1: placement = Self.key(of: account)
        default: placement = (Self.watchedSlot, .zero, .zero)
        }
        let old = slots[raw]
        refileTerms(of: raw, account: account)
        if old == Self.watchedSlot, placement?.slot != Self.watchedSlot {
            removeWatched(raw)
        }
        guard let placement else {
            index.remove(raw)
            slots[raw] = Self.absentSlot
            return
        }
        if placement.slot == Self.watchedSlot {
            index.remove(raw)
            if old != Self.watchedSlot { insertWatched(raw) }
        } else {
            index.update(
                raw, market: Int(placement.slot), collateral: placement.collateral,
                debt: placement.debt)
        }
        slots[raw] = placement.slot
    }

    /// Applies one observed block's events of this exchange: every account an event names
    /// is re-read from `state` (the state after the block), once.
    public mutating func apply(_ events: [ProtocolState.Event], state: ProtocolState) {
        guard exchange < state.perpExchanges.count else { return }
        touched.removeAll(keepingCapacity: true)
        for event in events {
            guard case .perp(let number, let perpEvent) = event, number == exchange else {
                continue
            }
            Self.accounts(named: perpEvent, into: &touched)
        }
        refresh(in: state.perpExchanges[exchange])
    }

    /// Applies a call's events when the exchange is used on its own (tests, tools).
    public mutating func apply(_ events: [PerpExchange.Event], exchange state: PerpExchange) {
        touched.removeAll(keepingCapacity: true)
        for event in events { Self.accounts(named: event, into: &touched) }
        refresh(in: state)
    }

    private mutating func refresh(in state: PerpExchange) {
        guard !touched.isEmpty else { return }
        touched.sort()
        var previous = -1
        for raw in touched where raw != previous {
            previous = raw
            update(PerpAccountID(UInt32(raw)), in: state)
        }
    }

    /// The accounts whose books `event` changed.
    static func accounts(named event: PerpExchange.Event, into list: inout [Int]) {
        switch event {
        case .deposited(let account, _), .withdrew(let account, _):
            list.append(Int(account.rawValue))
        case .traded(let trade):
            list.append(Int(trade.buyer.rawValue))
            list.append(Int(trade.seller.rawValue))
        case .liquidated(let liquidation):
            list.append(Int(liquidation.account.rawValue))
            list.append(Int(liquidation.counterparty.rawValue))
        case .backstopSettled(let settlement):
            list.append(Int(settlement.account.rawValue))
            list.append(Int(PerpExchange.backstopVaultAccount.rawValue))
        case .deleveraged(let fill):
            list.append(Int(fill.account.rawValue))
            list.append(Int(fill.counterparty.rawValue))
        case .lossSocialized(let loss):
            list.append(Int(loss.account.rawValue))
        case .accountOpened, .insuranceFunded, .priceUpdated, .volatilitySet, .funded:
            break
        }
    }

    // MARK: - Queries

    /// Every account the exchange would find liquidatable now (`risk(of:).isLiquidatable`
    /// at the marks), in the index's order. Exactly `liquidatableAccounts()`'s set.
    ///
    /// - Complexity: O(markets · log N + k + w) for k candidates and w watched accounts.
    public mutating func liquidatableAccounts(in state: PerpExchange) -> [PerpAccountID] {
        query(state, prices: nil)
    }

    /// Every account that would be liquidatable if market `i`'s mark were `prices[i]` (a
    /// missing or zero entry keeps the mark): the race ledger's "unsafe at the market
    /// price". Exactly the accounts for which `isLiquidatable(_:atPrices:)` holds.
    public mutating func unsafeAccounts(in state: PerpExchange, atPrices prices: [Int128])
        -> [PerpAccountID]
    {
        query(state, prices: prices)
    }

    mutating func query(_ state: PerpExchange, prices: [Int128]?) -> [PerpAccountID] {
        queryCount += 1
        var found: [PerpAccountID] = []
        // Each market's numbers are read in place: a copy of `PerpMarket` (its terms hold
        // a name) cost more than the rest of an empty side's test.
        for slot in state.markets.indices {
            var price = state.markets[slot].price
            if let prices, slot < prices.count, prices[slot] > 0 { price = prices[slot] }
            guard price > 0 else { continue }
            let fraction = state.markets[slot].terms.maintenanceMarginPpm
            for short in [false, true] {
                let side = 2 * slot + (short ? 1 : 0)
                guard index.count(in: side) > 0 else { continue }
                guard
                    let threshold = Self.threshold(
                        short: short, price: price, fraction: fraction,
                        fundingIndex: short
                            ? state.markets[slot].shortFundingIndex
                            : state.markets[slot].longFundingIndex)
                else {
                    scan(side: side, state: state, prices: prices, into: &found)
                    continue
                }
                candidates.removeAll(keepingCapacity: true)
                index.appendUnsafePositions(
                    in: side, at: threshold, to: &candidates, path: &path)
                for raw in candidates {
                    if isCertain(raw, short: short, threshold: threshold) {
                        certainCount += 1
                        returnedCount += 1
                        found.append(PerpAccountID(UInt32(raw)))
                    } else {
                        test(raw, state: state, prices: prices, into: &found)
                    }
                }
            }
        }
        for raw in watched {
            if Self.isClearlySafe(state.account(PerpAccountID(UInt32(raw))), in: state, prices) {
                clearedCount += 1
            } else {
                test(raw, state: state, prices: prices, into: &found)
            }
        }
        return found
    }

    /// Whether `account` is certainly not liquidatable at `prices` (nil: the marks), by a
    /// floating-point estimate of `equity − MMR` (docs/model/perpetuals.md's units):
    ///
    ///     Q + Σ (s·p/1e9 − s·(I − σ)/1e12 − |s|·p·m/1e15)
    ///
    /// The watched accounts (several markets each: the market maker, liquidators, the
    /// backstop vault) are far from their requirement nearly always, and this costs a few
    /// multiplications a position where the contract's test costs four 256-bit `mulDiv`s.
    ///
    /// **Never wrong in the unsafe direction.** The contract rounds each value down and
    /// each funding payment and requirement up, so its `equity − MMR` is at least the exact
    /// one minus 3 quantums a position. The estimate is within a relative `1e-12` of the
    /// sum of its terms' magnitudes of the exact value (each term is a handful of `Double`
    /// operations, each off by at most 2⁻⁵³ relatively, about 1e-16, and conversions from
    /// `Int128` within a few ulps). So an estimate above `3·positions + 1` quantums plus that
    /// error means the contract's `equity − MMR` is positive: not liquidatable. Anything
    /// else, and any funding difference that overflows, goes to the contract's own test.
    static func isClearlySafe(_ account: PerpAccount, in state: PerpExchange, _ prices: [Int128]?)
        -> Bool
    {
        var surplus = account.quoteBalance.approximateValue
        var magnitude = abs(surplus)
        for position in account.positions {
            let slot = Int(position.market.rawValue)
            guard slot < state.markets.count else { return false }
            var price = state.markets[slot].price
            if let prices, slot < prices.count, prices[slot] > 0 { price = prices[slot] }
            let fundingIndex =
                position.size > 0
                ? state.markets[slot].longFundingIndex : state.markets[slot].shortFundingIndex
            let (change, overflow) = fundingIndex.subtractingReportingOverflow(
                position.fundingSnapshot)
            guard !overflow else { return false }
            let size = position.size.approximateValue
            let notional = size * price.approximateValue
            let value = notional * 1e-9
            let funding = size * change.approximateValue * 1e-12
            let requirement =
                abs(notional) * state.markets[slot].terms.maintenanceMarginPpm.approximateValue
                * 1e-15
            surplus += value - funding - requirement
            magnitude += abs(value) + abs(funding) + abs(requirement)
        }
        let slack = 3 * Double(account.positions.count) + 1 + magnitude * 1e-12
        return surplus.isFinite && surplus > slack
    }

    /// Whether candidate `raw` is liquidatable without asking the contract: its exact
    /// `equity − MMR` is below zero (the key without the slack). The contract's equity is at
    /// most the exact one and its requirement at least the exact one, so it agrees.
    func isCertain(_ raw: Int, short: Bool, threshold: SafetyThreshold) -> Bool {
        guard let node = index.position(raw) else { return false }
        if short {
            // (C + a·K) + 2e15 < a · (W + K)
            return compareProducts(
                node.collateral + Self.wideSlack, .one, node.debt, threshold.debtValue) < 0
        }
        // s · (V + K) < (D + s·K) − 2e15
        guard node.debt > Self.wideSlack else { return false }
        return compareProducts(
            node.collateral, threshold.collateralValue, node.debt - Self.wideSlack, .one) < 0
    }

    static let wideSlack = UInt256(UInt128(slack))

    private mutating func test(
        _ raw: Int, state: PerpExchange, prices: [Int128]?, into found: inout [PerpAccountID]
    ) {
        candidateCount += 1
        let id = PerpAccountID(UInt32(raw))
        let liquidatable: Bool
        do {
            if let prices {
                liquidatable = try state.isLiquidatable(id, atPrices: prices)
            } else {
                liquidatable = try state.risk(of: id).isLiquidatable
            }
        } catch {
            return
        }
        if liquidatable {
            returnedCount += 1
            found.append(id)
        }
    }

    /// The fallback: every account filed under `side`, tested with the contract's rule.
    private mutating func scan(
        side: Int, state: PerpExchange, prices: [Int128]?, into found: inout [PerpAccountID]
    ) {
        fallbackScans += 1
        for raw in slots.indices where slots[raw] == Int32(side) {
            test(raw, state: state, prices: prices, into: &found)
        }
    }

    // MARK: - Keys

    /// The offset that makes every factor of the test positive (see the type's docs).
    static let offsetBits = 120
    static let offset = UInt256.one << offsetBits

    /// The market-wide side of the test at `price`, shifted by `K`: `V + K` for longs as
    /// the collateral value, `W + K` for shorts as the debt value; nil when it is not
    /// positive or overflows (the fallback).
    static func threshold(short: Bool, price: Int128, fraction: Int128, fundingIndex: Int128)
        -> SafetyThreshold?
    {
        // `p·(1e6 ∓ m) − I·1e3`, checked as `PerpMath` checks it, in place: 20 sides a
        // query, and the calls across modules were most of an empty side's cost.
        let (factor, factorOverflow) =
            short
            ? PerpMath.ppm.addingReportingOverflow(fraction)
            : PerpMath.ppm.subtractingReportingOverflow(fraction)
        let (scaledPrice, priceOverflow) = price.multipliedReportingOverflow(by: factor)
        let (scaledIndex, indexOverflow) = fundingIndex.multipliedReportingOverflow(
            by: PerpMath.fundingIndexScale)
        let (value, valueOverflow) = scaledPrice.subtractingReportingOverflow(scaledIndex)
        guard !(factorOverflow || priceOverflow || indexOverflow || valueOverflow),
            let shifted = shift(value, base: offset)
        else { return nil }
        return short
            ? SafetyThreshold(collateralValue: .one, debtValue: shifted)
            : SafetyThreshold(collateralValue: shifted, debtValue: .one)
    }

    /// `value + units · K`, or nil when that is not positive.
    static func shift(_ value: Int128, by units: UInt256) -> UInt256? {
        shift(value, base: units << offsetBits)
    }

    /// `value + base`, or nil when that is not positive.
    static func shift(_ value: Int128, base: UInt256) -> UInt256? {
        let magnitude = UInt256(value.magnitude)
        if value >= 0 { return base + magnitude }
        return magnitude < base ? base - magnitude : nil
    }

    /// Where a one-position account is filed: its side's slot and its shifted
    /// `(collateral, debt)` for `LiquidationIndex`, or the watched slot when the key
    /// overflows or lies beyond `±K` per size unit.
    static func key(of account: PerpAccount) -> (slot: Int32, collateral: UInt256, debt: UInt256) {
        let position = account.positions[0]
        let slot = Int32(2 * Int(position.market.rawValue) + (position.size < 0 ? 1 : 0))
        let scale = PerpMath.sizeScale * PerpMath.ppm
        let watched: (slot: Int32, collateral: UInt256, debt: UInt256) = (watchedSlot, .zero, .zero)
        do {
            let magnitude = try position.size.magnitudeOrThrow
            let units = UInt256(UInt128(magnitude))
            let snapshotTerm = try PerpMath.mul(
                PerpMath.mul(magnitude, position.fundingSnapshot), PerpMath.fundingIndexScale)
            let quote = try PerpMath.mul(account.quoteBalance, scale)
            if position.size > 0 {
                // D = 2e15 − Q·1e15 − s·σ·1e3, stored as D + s·K.
                let debt = try PerpMath.sub(PerpMath.sub(slack, quote), snapshotTerm)
                guard let shifted = shift(debt, by: units), !shifted.isZero else {
                    // D + s·K ≤ 0: below −K per unit, never a candidate while V > −K.
                    return watched
                }
                return (slot, units, shifted)
            }
            // C = Q·1e15 − a·σ·1e3 − 2e15, stored as C + a·K.
            let cushion = try PerpMath.sub(PerpMath.sub(quote, snapshotTerm), slack)
            guard let shifted = shift(cushion, by: units) else { return watched }
            return (slot, shifted, units)
        } catch {
            return watched
        }
    }

    private mutating func insertWatched(_ raw: Int) {
        var low = 0
        var high = watched.count
        while low < high {
            let middle = (low + high) / 2
            if watched[middle] < raw { low = middle + 1 } else { high = middle }
        }
        if low == watched.count || watched[low] != raw { watched.insert(raw, at: low) }
    }

    private mutating func removeWatched(_ raw: Int) {
        if let position = watched.firstIndex(of: raw) { watched.remove(at: position) }
    }
}

extension Int128 {
    /// The absolute value, or `Perp/overflow` for `Int128.min`.
    fileprivate var magnitudeOrThrow: Int128 {
        get throws(Revert) {
            guard self != .min else { throw Revert("Perp/overflow") }
            return self < 0 ? -self : self
        }
    }
}
