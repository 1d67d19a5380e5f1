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
    /// Per id, until when (ms) it is out of the index (see `rest`); 0 when it is not.
    private var restingUntil: [Int64]
    /// The resting ids (some may have been woken by a change since), and the earliest end.
    private var resting: [Int] = []
    private var nextWake = Int64.max
    /// The key a resting id had, to put it back with, and how many rests in a row it has
    /// had since it last changed (each doubles the next, up to 32 times the first).
    private var restingKeys: [LiquidationIndex.Position?] = []
    private var restCounts: [UInt8] = []
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
        restingUntil = Array(repeating: 0, count: accountCount)
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

    static func bucket(_ debt: UInt256) -> Int {
        min(buckets - 1, (256 - debt.leadingZeroBitCount + 3) / 4)
    }

    /// The pair `account` is filed under, if any.
    public func pair(of account: Address) -> LendingPair? {
        id(of: account).flatMap { pairs[$0] }
    }

    /// Re-reads `account` from `state`, the state after block `block`.
    public mutating func refresh(_ account: Address, in state: ProtocolState, block: UInt64) {
        guard let id = id(of: account), readAt[id] <= block else { return }
        readAt[id] = block
        restingUntil[id] = 0
        if !restCounts.isEmpty { restCounts[id] = 0 }
        updateCount += 1
        guard let pair = reader.pair(of: account, state) else {
            pairs[id] = nil
            index.remove(id)
            return
        }
        pairs[id] = pair
        let key = reader.key(of: account, pair, state)
        index.update(
            id, market: market(pair, debt: key.debt), collateral: key.collateral, debt: key.debt)
    }

    /// Takes `account` out of the index for `interval` (ms) from `now`, doubled for each
    /// rest it had since it last changed (at most 32 times), for an agent that judged it
    /// not worth acting on: queries then neither visit nor test it. It comes back at the
    /// first `wake` after that, or at once if it changes (`refresh`). O(log N).
    public mutating func rest(_ account: Address, now: Int64, interval: Int64) {
        guard let id = id(of: account), restingUntil[id] == 0, let held = index.position(id)
        else { return }
        if restingKeys.isEmpty {
            restingKeys = Array(repeating: nil, count: accountCount)
            restCounts = Array(repeating: 0, count: accountCount)
        }
        restingKeys[id] = held
        let time = now + interval << Int64(min(restCounts[id], 5))
        restCounts[id] = min(restCounts[id] + 1, 5)
        index.remove(id)
        restingUntil[id] = time
        resting.append(id)
        nextWake = min(nextWake, time)
    }

    /// Puts back the accounts whose rest ended at or before `now` (ms), with the key they
    /// had. O(resting) when one is due, O(1) otherwise.
    public mutating func wake(now: Int64) {
        guard now >= nextWake else { return }
        nextWake = .max
        var kept = 0
        for id in resting {
            let until = restingUntil[id]
            if until == 0 { continue }
            if until <= now {
                restingUntil[id] = 0
                if let held = restingKeys[id] {
                    index.update(
                        id, market: held.market, collateral: held.collateral, debt: held.debt)
                }
            } else {
                resting[kept] = id
                kept += 1
                nextWake = min(nextWake, until)
            }
        }
        resting.removeLast(resting.count - kept)
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

    /// The pairs holding positions, ascending by `collateral · assetCount + debt`.
    public var activePairs: [LendingPair] {
        var found: [LendingPair] = []
        for pair in 0..<(assetCount * assetCount) {
            let base = pair * Self.buckets
            if (base..<(base + Self.buckets)).contains(where: { index.count(in: $0) > 0 }) {
                found.append(LendingPair(collateral: pair / assetCount, debt: pair % assetCount))
            }
        }
        return found
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
        queryCount += 1
        guard let terms = reader.terms(pair, state, at: timestamp, prices: prices) else {
            return []
        }
        let base = (pair.collateral * assetCount + pair.debt) * Self.buckets
        var lowest = 0
        if minimumDebtValue > 0, terms.debtValue > 0,
            let least = UInt256(truncating: minimumDebtValue / terms.debtValue)
        {
            lowest = Self.bucket(least)
        }
        let reader = self.reader
        let first = firstAccount
        var found: [Address] = []
        for bucket in stride(from: Self.buckets - 1, through: lowest, by: -1)
        where found.count < limit && index.count(in: base + bucket) > 0 {
            let ids = index.liquidatable(
                in: base + bucket, terms: terms, limit: limit - found.count
            ) { id in
                !skip(Address(first + UInt32(id)))
                    && reader.isLiquidatable(
                        Address(first + UInt32(id)), pair, state, at: timestamp, prices: prices)
            }
            found += ids.map(account)
        }
        returnedCount += found.count
        return found
    }
}
