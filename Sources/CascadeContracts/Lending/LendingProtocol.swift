import CascadeCore

/// A lending protocol's books: a contract whose calls move ERC-20 tokens in a ledger it is
/// lent for the call, as `UniswapV2Pair`'s methods are.
///
/// Why the ledger is an argument: a world keeps one `TokenLedger` for every protocol (gas,
/// DAI, collateral, LP shares), and a lending pool only moves tokens between wallets and its
/// own custody addresses (Aave's aTokens, Compound's cTokens) in it. Taking the ledger
/// `inout` keeps the pool a pure value that a wider state can drive, and `LendingMarket`
/// pairs it with a ledger of its own where a standalone `Contract` is wanted (tests, small
/// worlds).
///
/// Contract rules hold as for `Contract`: no clock but `block`, no randomness, and a revert
/// leaves `self`, `ledger` and `events` exactly as they were (every call validates before
/// its first write).
public protocol LendingProtocol: Hashable, Sendable {
    associatedtype Call: Hashable & Sendable
    associatedtype Event: Hashable & Sendable

    mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, ledger: inout TokenLedger,
        events: inout [Event]
    ) throws(Revert)

    /// Verifies the protocol's own books (sums of balances equal totals); a violation is a
    /// bug, never user error.
    func checkInvariants() throws(InvariantViolation)
}

/// A lending protocol with a ledger of its own: a `Contract`.
///
/// ```swift
/// var market = LendingMarket(ledger: ledger, pool: AavePool(configuration: config))
/// try market.apply(.supply(asset: 0, amount: 10 * .wad), caller: alice, block: block,
///                  events: &events)
/// ```
public struct LendingMarket<Pool: LendingProtocol>: Contract, Hashable {
    public var ledger: TokenLedger
    public var pool: Pool

    public init(ledger: TokenLedger, pool: Pool) {
        self.ledger = ledger
        self.pool = pool
    }

    public mutating func apply(
        _ call: Pool.Call, caller: Address, block: BlockContext, events: inout [Pool.Event]
    ) throws(Revert) {
        try pool.apply(call, caller: caller, block: block, ledger: &ledger, events: &events)
    }

    /// The ledger conserves every token, and the pool's books add up.
    public func checkInvariants() throws(InvariantViolation) {
        try ledger.checkInvariants()
        try pool.checkInvariants()
    }
}

extension TokenLedger {
    /// `owner`'s balance of `token` as a `UInt256`.
    func amount(of token: TokenID, _ owner: Address) -> UInt256 {
        UInt256(balance(of: token, owner))
    }

    /// Reverts with the ledger's own reason unless `owner` holds `amount` of `token`: the
    /// check a lending call makes before its first write, so the transfers it makes last
    /// cannot fail.
    func requireBalance(of token: TokenID, _ owner: Address, atLeast amount: UInt256)
        throws(Revert)
    {
        guard amount <= self.amount(of: token, owner) else {
            throw Revert("\(symbol(of: token))/insufficient-balance")
        }
    }

    /// A transfer whose balance `requireBalance` has already checked: it cannot fail, so a
    /// failure here is a bug in the caller's validation.
    mutating func move(
        _ token: TokenID, from source: Address, to destination: Address, amount: UInt256
    ) {
        guard !amount.isZero else { return }
        do {
            try transfer(token, from: source, to: destination, amount: amount.toUInt128())
        } catch {
            preconditionFailure("lending: unvalidated transfer of \(symbol(of: token)): \(error)")
        }
    }
}

/// Solidity 0.8's checked arithmetic as reverts: `a * b` and `a + b` revert on overflow,
/// `a - b` on underflow, `a / b` on a zero divisor (Panic 0x11 and 0x12 on chain).
///
/// The lending formulas multiply amounts by prices chosen by callers and oracles; where a
/// product could exceed 2^256 the real contract reverts, and so does the model, instead of
/// stopping the simulation with a trap.
enum Checked {
    static func product(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw Revert("arithmetic overflow") }
        return value
    }

    static func sum(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
        let (value, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw Revert("arithmetic overflow") }
        return value
    }

    static func difference(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
        let (value, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw Revert("arithmetic underflow") }
        return value
    }

    /// `a / b` rounded down.
    static func quotient(_ a: UInt256, _ b: UInt256) throws(Revert) -> UInt256 {
        guard !b.isZero else { throw Revert("division by zero") }
        return a / b
    }

    /// `a * b / c` rounded down, reverting where Solidity's `a * b / c` would.
    static func mulDiv(_ a: UInt256, _ b: UInt256, _ c: UInt256) throws(Revert) -> UInt256 {
        try quotient(try product(a, b), c)
    }
}

/// The addresses with an entry in any of `tables` (one table per reserve or market, keyed
/// by address), ascending and without repeats: a pool's borrowers.
func addressesWithEntries<Value>(in tables: [DenseTable<Value>]) -> [Address] {
    var owners: [Int] = []
    for table in tables { owners.append(contentsOf: table.entries.map(\.index)) }
    owners.sort()
    var unique: [Address] = []
    for owner in owners where unique.last?.rawValue != UInt32(owner) {
        unique.append(Address(UInt32(owner)))
    }
    return unique
}
