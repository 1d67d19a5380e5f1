import CascadeCore

/// The simplest contract: ERC-20 style tokens held in the ledger, to exercise the chain.
///
/// Every token in `ledger` (the native one included) can be transferred or burned by its
/// holder; only `minter` may mint. Reverts change nothing (validation before writing).
///
/// **Isolation: in place.** Each call validates everything before its first write, so a
/// transaction of one call (the usual case) runs on the kept state with nothing to undo.
/// A transaction of several calls keeps the ledger as it was before its first call
/// (copy-on-write: the first write then duplicates the touched row) and puts it back on a
/// revert. The `.copy` isolation this replaced duplicated a ledger row on every transfer.
public struct Token: LedgerState, Hashable {
    public enum Call: GasMetered, Hashable, Sendable {
        case transfer(TokenID, to: Address, amount: UInt128)
        case mint(TokenID, to: Address, amount: UInt128)
        case burn(TokenID, amount: UInt128)
        /// Reverts with `reason`: a stand-in for any failing contract call in tests.
        case fail(reason: String)

        /// Net of the 21,000 intrinsic gas, near an ERC-20's cost on mainnet.
        public var gasCost: Gas {
            switch self {
            case .transfer: 30_000
            case .mint: 35_000
            case .burn: 25_000
            case .fail: 5_000
            }
        }
    }

    public enum Event: Hashable, Sendable {
        case transferred(TokenID, from: Address, to: Address, amount: UInt128)
        case minted(TokenID, to: Address, amount: UInt128)
        case burned(TokenID, from: Address, amount: UInt128)
    }

    public var ledger: TokenLedger
    public var minter: Address
    /// The ledger before the current transaction, while a transaction of several calls
    /// runs; nil otherwise. Not part of the state's value (`==`, `hash`).
    @usableFromInline var ledgerBeforeTransaction: TokenLedger?

    public init(ledger: TokenLedger, minter: Address) {
        self.ledger = ledger
        self.minter = minter
    }

    public static var isolation: TransactionIsolation { .inPlace }

    // The transaction hooks and `apply` are `@inlinable` so that the builder, specialised
    // where the chain runs, inlines them: as calls into this module each call was copied
    // for `apply` (its enum's outlined copy and destroy) and each hook was a call.
    @inlinable
    public mutating func beginTransaction(_ calls: [Call]) {
        if calls.count > 1 {
            ledgerBeforeTransaction = ledger
        }
    }

    @inlinable
    public mutating func commitTransaction() {
        if ledgerBeforeTransaction != nil {
            ledgerBeforeTransaction = nil
        }
    }

    @inlinable
    public mutating func rollBackTransaction() {
        // One call: it threw before writing, or never ran (out of gas); nothing to undo.
        if let before = ledgerBeforeTransaction {
            ledger = before
            ledgerBeforeTransaction = nil
        }
    }

    public static func == (lhs: Token, rhs: Token) -> Bool {
        lhs.ledger == rhs.ledger && lhs.minter == rhs.minter
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ledger)
        hasher.combine(minter)
    }

    @inlinable @inline(__always)
    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .transfer(let token, let destination, let amount):
            try checkToken(token)
            try ledger.transfer(token, from: caller, to: destination, amount: amount)
            events.append(.transferred(token, from: caller, to: destination, amount: amount))
        case .mint(let token, let destination, let amount):
            try checkToken(token)
            guard caller == minter else { throw Revert("Token/not-minter") }
            guard UInt128.max - ledger.totalSupply(of: token) >= amount else {
                throw Revert("Token/supply-overflow")
            }
            ledger.mint(token, to: destination, amount: amount)
            events.append(.minted(token, to: destination, amount: amount))
        case .burn(let token, let amount):
            try checkToken(token)
            try ledger.burn(token, from: caller, amount: amount)
            events.append(.burned(token, from: caller, amount: amount))
        case .fail(let reason):
            throw Revert(reason)
        }
    }

    public func checkInvariants() throws(InvariantViolation) {
        try ledger.checkInvariants()
    }

    @inlinable
    func checkToken(_ token: TokenID) throws(Revert) {
        guard Int(token.rawValue) < ledger.tokenCount else { throw Revert("Token/unknown-token") }
    }
}
