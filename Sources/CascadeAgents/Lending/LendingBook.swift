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
/// `[firstAccount, firstAccount + accountCount)`; others are not tracked. An account is
/// filed under its pair's market, `collateral · assetCount + debt`.
public struct LendingBook: Sendable {
    public let reader: LendingPoolReader
    public let firstAccount: UInt32
    public let accountCount: Int
    public let assetCount: Int
    public private(set) var index = LendingLiquidationIndex()
    /// Per id, the block its entry was read at, and the pair it is filed under.
    private var readAt: [UInt64]
    private var pairs: [LendingPair?]
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

    /// The market (pair) number of `pair`.
    public func market(_ pair: LendingPair) -> Int {
        pair.collateral * assetCount + pair.debt
    }

    /// The pair `account` is filed under, if any.
    public func pair(of account: Address) -> LendingPair? {
        id(of: account).flatMap { pairs[$0] }
    }

    /// Re-reads `account` from `state`, the state after block `block`.
    public mutating func refresh(_ account: Address, in state: ProtocolState, block: UInt64) {
        guard let id = id(of: account), readAt[id] <= block else { return }
        readAt[id] = block
        updateCount += 1
        guard let pair = reader.pair(of: account, state) else {
            pairs[id] = nil
            index.remove(id)
            return
        }
        pairs[id] = pair
        let key = reader.key(of: account, pair, state)
        index.update(id, market: market(pair), collateral: key.collateral, debt: key.debt)
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
            case .priceSet:
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

    /// The markets holding positions, ascending (at most assets²).
    public var markets: [Int] {
        (0..<(assetCount * assetCount)).filter { index.count(in: $0) > 0 }
    }

    /// The accounts of `market` the pool would liquidate at `timestamp`, at its own prices
    /// or at `prices` (WAD per asset); at most `limit`. O(log N + k).
    public mutating func liquidatable(
        market: Int, state: ProtocolState, at timestamp: UInt64, prices: [UInt256]? = nil,
        limit: Int = .max
    ) -> [Address] {
        let pair = LendingPair(collateral: market / assetCount, debt: market % assetCount)
        queryCount += 1
        guard let terms = reader.terms(pair, state, at: timestamp, prices: prices) else {
            return []
        }
        let reader = self.reader
        let first = firstAccount
        let ids = index.liquidatable(in: market, terms: terms, limit: limit) { id in
            reader.isLiquidatable(
                Address(first + UInt32(id)), pair, state, at: timestamp, prices: prices)
        }
        returnedCount += ids.count
        return ids.map(account)
    }
}
