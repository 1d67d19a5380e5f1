import CascadeContracts
import CascadeCore

/// An agent's book of lending positions: a `LendingLiquidationIndex` kept current from the
/// events of the blocks it observes — never by scanning the pool.
///
/// Built once from the genesis state (the accounts of a world are known). After that each
/// observed block's events of the pool name the accounts that changed (Aave `supply`,
/// `withdraw`, `borrow`, `repay`, `liquidation_call`, `deficit`; Compound `mint`,
/// `redeem`, `borrow`, `repay`, `liquidation_call`); the book re-reads those accounts
/// from the state after that block, unless it holds them as of a later block (reports can
/// arrive out of order). Interest and price changes touch no key.
///
/// Account ids are dense: `account − firstAccount` for accounts in
/// `[firstAccount, firstAccount + accountCount)`; others are not tracked.
///
/// **Size buckets.** An account is filed under its pair and a size bucket of its debt key,
/// `⌈log2(d + 1) / 4⌉` (buckets span a factor of 16), each (pair, bucket) an exact index
/// of its own: market `(collateral · assetCount + debt) · 64 + bucket`. A query names the
/// least debt key it cares about and walks only the buckets that can hold such debt,
/// largest first — so a keeper never visits positions whose whole bonus could not pay its
/// gas, however many of them turn liquidatable. The union over buckets is exact.
public struct LendingBook: Sendable {
    public let reader: LendingPoolReader
    public let firstAccount: UInt32
    public let accountCount: Int
    public let assetCount: Int
    public private(set) var index = LendingLiquidationIndex()
    /// Per id, the block its entry was read at, and the pair it is filed under.
    private var readAt: [UInt64]
    private var pairs: [LendingPair?]
    /// Per pair (`collateral · assetCount + debt`), bit `b` set when bucket `b` holds a
    /// position: `activePairs` and a query's walk over buckets without looking at each
    /// of the 65.
    private var occupied: [UInt128]
    /// The accounts out of the index for a while (see `rest`), and the key each had, to
    /// put it back with.
    private var rests: LendingRests
    private var restingKeys: [LiquidationIndex.Position?] = []
    /// Index updates applied, genesis included.
    public private(set) var updateCount = 0
    /// Queries (one per market pair per processed block).
    public private(set) var queryCount = 0
    /// Accounts those queries returned.
    public private(set) var returnedCount = 0

    public init(
        reader: LendingPoolReader, state: ProtocolState, firstAccount: UInt32, accountCount: Int
    ) {
        self.reader = reader
        self.firstAccount = firstAccount
        self.accountCount = accountCount
        assetCount = reader.assetCount(state)
        readAt = Array(repeating: 0, count: accountCount)
        pairs = Array(repeating: nil, count: accountCount)
        occupied = Array(repeating: 0, count: assetCount * assetCount)
        rests = LendingRests(count: accountCount)
        for offset in 0..<accountCount {
            refresh(Address(firstAccount + UInt32(offset)), in: state, block: 0)
        }
    }

    func id(of account: Address) -> Int? {
        guard account.rawValue >= firstAccount else { return nil }
        let offset = Int(account.rawValue - firstAccount)
        return offset < accountCount ? offset : nil
    }

    public func account(_ id: Int) -> Address {
        Address(firstAccount + UInt32(id))
    }

    /// Buckets per pair.
    static let buckets = 65

    /// The market number of `pair` and the bucket of debt key `debt`.
    func market(_ pair: LendingPair, debt: UInt256) -> Int {
        (pair.collateral * assetCount + pair.debt) * Self.buckets + Self.bucket(debt)
    }

    package static func bucket(_ debt: UInt256) -> Int {
        min(buckets - 1, (256 - debt.leadingZeroBitCount + 3) / 4)
    }

    /// `bucket(UInt256(truncating: x))`, and 0 where that conversion fails (not finite, or
    /// out of range), without building the integer: ⌊x⌋ of an `x ≥ 1` has `exponent + 1`
    /// bits.
    package static func bucket(truncating x: Double) -> Int {
        guard x.isFinite, x > -1, x < 0x1p256 else { return 0 }
        let bits = x < 1 ? 0 : Int(x.exponent) + 1
        return min(buckets - 1, (bits + 3) / 4)
    }

    /// The pair `account` is filed under, if any.
    public func pair(of account: Address) -> LendingPair? {
        id(of: account).flatMap { pairs[$0] }
    }

    /// Re-reads `account` from `state`, the state after block `block`.
    public mutating func refresh(_ account: Address, in state: ProtocolState, block: UInt64) {
        guard let id = id(of: account), readAt[id] <= block else { return }
        set(id, read(account, in: state), block: block)
    }

    /// What `account` reads as on `state`: its pair and index position. A pure function
    /// of the state.
    public func read(_ account: Address, in state: ProtocolState) -> LendingBookEntry {
        guard let pair = reader.pair(of: account, state) else {
            return LendingBookEntry(pair: nil, position: nil)
        }
        let key = reader.key(of: account, pair, state)
        guard !key.collateral.isZero, !key.debt.isZero else {
            return LendingBookEntry(pair: pair, position: nil)
        }
        return LendingBookEntry(
            pair: pair,
            position: LiquidationIndex.Position(
                market: market(pair, debt: key.debt), collateral: key.collateral,
                debt: key.debt))
    }

    /// What the book holds for id `id`.
    public func entry(_ id: Int) -> LendingBookEntry {
        LendingBookEntry(pair: pairs[id], position: index.position(id))
    }

    /// Holds `entry` for id `id`, read at block `block` (which must not be older than
    /// the block its entry was read at): what `refresh` does with a read made elsewhere.
    public mutating func set(_ id: Int, _ entry: LendingBookEntry, block: UInt64) {
        precondition(readAt[id] <= block, "an entry older than the one held")
        readAt[id] = block
        _ = rests.changed(id)
        updateCount += 1
        pairs[id] = entry.pair
        if let position = entry.position {
            file(
                id, market: position.market, collateral: position.collateral,
                debt: position.debt)
        } else {
            unfile(id)
        }
    }

    /// Positions of pair slot `slot` (`collateral · assetCount + debt`) in the index.
    /// O(buckets held).
    public func count(inPair slot: Int) -> Int {
        var remaining = occupied[slot]
        var total = 0
        while remaining != 0 {
            let bucket = 127 - remaining.leadingZeroBitCount
            remaining &= ~(UInt128(1) << bucket)
            total += index.count(in: slot * Self.buckets + bucket)
        }
        return total
    }

    /// The walk of bucket `market` under `bounds`
    /// (`LendingLiquidationIndex.sequence(in:bounds:)`).
    mutating func sequence(
        in market: Int, bounds: LendingLiquidationIndex.Bounds, cap: Int = .max
    ) -> LendingLiquidationIndex.Sequence {
        index.sequence(in: market, bounds: bounds, cap: cap)
    }

    /// The nonempty buckets of pair slot `slot`, as a bit set.
    public func buckets(inPair slot: Int) -> UInt128 { occupied[slot] }

    /// Puts `id` in the index (or takes it out, for a zero key), keeping `occupied`.
    private mutating func file(_ id: Int, market: Int, collateral: UInt256, debt: UInt256) {
        let before = index.market(of: id)
        index.update(id, market: market, collateral: collateral, debt: debt)
        let after = index.market(of: id)
        guard before != after else { return }
        if let before { note(before) }
        if let after { note(after) }
    }

    /// Takes `id` out of the index, keeping `occupied`.
    private mutating func unfile(_ id: Int) {
        guard let before = index.market(of: id) else { return }
        index.remove(id)
        note(before)
    }

    /// Records whether bucket `market` (`pair · buckets + bucket`) holds a position.
    private mutating func note(_ market: Int) {
        let bit = UInt128(1) << (market % Self.buckets)
        if index.count(in: market) > 0 {
            occupied[market / Self.buckets] |= bit
        } else {
            occupied[market / Self.buckets] &= ~bit
        }
    }

    /// Takes `account` out of the index for `interval` (ms) from `now`, doubled for each
    /// rest it had since it last changed (at most 32 times), for an agent that judged it
    /// not worth acting on: queries then neither visit nor test it. It comes back at the
    /// first `wake` after that, or at once if it changes (`refresh`). O(log N).
    ///
    /// The liquidators of a world rest accounts in their `LendingBookView` of a shared book
    /// instead (the same rules, without touching the book); these rests are the rules it
    /// must match, for an agent that keeps its own book.
    public mutating func rest(_ account: Address, now: Int64, interval: Int64) {
        guard let id = id(of: account), !rests.isResting(id), let held = index.position(id),
            rests.start(id, now: now, interval: interval)
        else { return }
        if restingKeys.isEmpty { restingKeys = Array(repeating: nil, count: accountCount) }
        restingKeys[id] = held
        unfile(id)
    }

    /// Puts back the accounts whose rest ended at or before `now` (ms), with the key they
    /// had. O(resting) when one is due, O(1) otherwise.
    public mutating func wake(now: Int64) {
        var ended: [Int] = []
        rests.wake(now: now) { ended.append($0) }
        for id in ended {
            if let held = restingKeys[id] {
                file(id, market: held.market, collateral: held.collateral, debt: held.debt)
            }
        }
    }

    /// Applies the account changes named by `events` of block `block`.
    public mutating func apply(
        _ events: [ProtocolState.Event], state: ProtocolState, block: UInt64
    ) {
        for event in events {
            if let account = Self.account(changedBy: event, reader: reader) {
                refresh(account, in: state, block: block)
            }
        }
    }

    /// The account whose position `event` changed, if it is an event of `reader`'s pool.
    public static func account(changedBy event: ProtocolState.Event, reader: LendingPoolReader)
        -> Address?
    {
        switch (event, reader.kind) {
        case (.aave(let pool, let aaveEvent), .aave) where pool == reader.pool:
            switch aaveEvent {
            case .supplied(_, let user, _, _), .withdrawn(_, let user, _, _),
                .borrowed(_, let user, _, _), .repaid(_, let user, _, _),
                .deficitCreated(_, let user, _):
                return user
            case .liquidated(let liquidation):
                return liquidation.call.borrower
            case .priceSet, .flashLoaned:
                return nil
            }
        case (.compound(let pool, let compoundEvent), .compound) where pool == reader.pool:
            switch compoundEvent {
            case .minted(_, let account, _, _), .redeemed(_, let account, _, _):
                return account
            case .borrowed(_, let borrower, _, _, _), .repaid(_, _, let borrower, _, _, _):
                return borrower
            case .liquidated(let liquidation):
                return liquidation.call.borrower
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// The pairs holding positions, ascending by `collateral · assetCount + debt`. O(pairs).
    public var activePairs: [LendingPair] {
        (0..<pairSlots).compactMap(activePair)
    }

    /// Pair slots: `activePair(slot)` for `slot` in `0..<pairSlots`.
    public var pairSlots: Int { occupied.count }

    /// The pair of slot `slot` (`collateral · assetCount + debt`) if it holds positions.
    /// O(1).
    public func activePair(_ slot: Int) -> LendingPair? {
        occupied[slot] != 0
            ? LendingPair(collateral: slot / assetCount, debt: slot % assetCount) : nil
    }

    /// The accounts of `pair` the pool would liquidate at `timestamp`, at its own prices or
    /// at `prices` (WAD per asset), among those whose debt is worth at least about
    /// `minimumDebtValue` (pool value units; whole buckets, so down to a 16th of it); at
    /// most `limit`, leaving out
    /// (untested) the accounts `skip` names. Larger buckets first, each in index order.
    /// O(buckets + log N + k).
    public mutating func liquidatable(
        _ pair: LendingPair, state: ProtocolState, at timestamp: UInt64,
        prices: [UInt256]? = nil, minimumDebtValue: Double = 0, limit: Int = .max,
        skipping skip: (Address) -> Bool = { _ in false }
    ) -> [Address] {
        let query = LendingPairQuery(
            reader: reader, pair: pair, state: state, at: timestamp, prices: prices)
        return liquidatable(
            query, state: state, minimumDebtValue: minimumDebtValue, limit: limit,
            skipping: skip)
    }

    /// The same for a query worked out beforehand (`LendingPairQuery`: the terms and
    /// bounds of one pair at one moment, which every keeper seeing that block shares).
    public mutating func liquidatable(
        _ query: LendingPairQuery, state: ProtocolState, minimumDebtValue: Double = 0,
        limit: Int = .max, skipping skip: (Address) -> Bool = { _ in false }
    ) -> [Address] {
        queryCount += 1
        guard let terms = query.terms, let bounds = query.bounds else { return [] }
        let pair = query.pair
        let base = (pair.collateral * assetCount + pair.debt) * Self.buckets
        let lowest =
            minimumDebtValue > 0 && terms.debtValue > 0
            ? Self.bucket(truncating: minimumDebtValue / terms.debtValue) : 0
        var found: [Address] = []
        // The nonempty buckets from `lowest` up, largest first.
        var remaining = (occupied[pair.collateral * assetCount + pair.debt] >> lowest) << lowest
        while remaining != 0, found.count < limit {
            let bucket = 127 - remaining.leadingZeroBitCount
            remaining &= ~(UInt128(1) << bucket)
            // Most buckets have no candidate: decide that before building the predicate,
            // whose context holds a copy of the state.
            let (bandEmpty, dustEmpty) = index.emptiness(in: base + bucket, bounds: bounds)
            if bandEmpty && dustEmpty { continue }
            let ids = walk(
                base + bucket, query, bounds: bounds, state: state, limit: limit - found.count,
                skipping: skip)
            found += ids.map(account)
        }
        returnedCount += found.count
        return found
    }

    /// The liquidatable ids of bucket `market` for `query`, tested with the pool's own
    /// arithmetic; at most `limit`, leaving out (untested) the accounts `skip` names.
    private mutating func walk(
        _ market: Int, _ query: LendingPairQuery, bounds: LendingLiquidationIndex.Bounds,
        state: ProtocolState, limit: Int, skipping skip: (Address) -> Bool
    ) -> [Int] {
        let reader = self.reader
        let first = firstAccount
        return index.liquidatable(in: market, bounds: bounds, limit: limit) { id in
            let account = Address(first + UInt32(id))
            guard !skip(account) else { return false }
            if let shared = query.shared {
                return shared.isLiquidatable(account, query, state)
            }
            return reader.isLiquidatable(
                account, query.pair, state, at: query.timestamp, prices: query.prices)
        }
    }
}

/// What a `LendingBook` query of one (collateral, debt) pair needs of the pool at one
/// moment: its `LendingPairTerms` and the index bounds they give. A pure function of the
/// state, the time and the prices, so every keeper seeing the same block can use the one
/// computed first (`LendingSharedQueries`); nil terms when the pool would refuse to price
/// the pair.
public struct LendingPairQuery {
    public let pair: LendingPair
    public let timestamp: UInt64
    public let prices: [UInt256]?
    public let terms: LendingPairTerms?
    public let bounds: LendingLiquidationIndex.Bounds?
    /// The table that made it, whose per-block verdicts (`isLiquidatable`) the walk uses,
    /// and the block it is for; nil for a query made on its own.
    public let shared: LendingSharedQueries?
    public let block: UInt64

    public init(
        reader: LendingPoolReader, pair: LendingPair, state: ProtocolState, at timestamp: UInt64,
        prices: [UInt256]? = nil, shared: LendingSharedQueries? = nil, block: UInt64 = 0
    ) {
        self.pair = pair
        self.timestamp = timestamp
        self.prices = prices
        self.shared = shared
        self.block = block
        terms = reader.terms(pair, state, at: timestamp, prices: prices)
        bounds = terms.map(LendingLiquidationIndex.Bounds.init)
    }
}

/// What a `LendingBook` holds for one account: the pair it is filed under (nil without
/// collateral or debt) and its index position (nil when either key is zero, or no pair).
public struct LendingBookEntry: Hashable, Sendable {
    public var pair: LendingPair?
    public var position: LiquidationIndex.Position?

    public init(pair: LendingPair?, position: LiquidationIndex.Position?) {
        self.pair = pair
        self.position = position
    }
}
