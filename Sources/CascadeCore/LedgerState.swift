/// A contract call that knows its gas cost.
///
/// The chain does not interpret EVM opcodes: each call states a fixed cost (calibrated to
/// what the real contract's function uses, net of the 21,000 intrinsic gas). A revert
/// consumes gas up to and including the failing call. The cost is in gas units (`UInt64`,
/// the chain's `Gas`).
public protocol GasMetered {
    /// Gas this call consumes when executed (whether it succeeds or reverts).
    var gasCost: UInt64 { get }
}

/// How the chain keeps a transaction atomic against a `LedgerState`.
public enum TransactionIsolation: Hashable, Sendable {
    /// The chain applies the calls to a copy of the state and keeps the copy on success.
    /// Simple and always correct, but with copy-on-write the first write to a collection
    /// inside the copy duplicates that whole collection: O(state) per transaction.
    case copy
    /// The chain applies the calls to the state itself. The state makes each transaction
    /// undoable (`beginTransaction` … `commitTransaction`/`rollBackTransaction`), saving
    /// only what the calls are about to overwrite: O(touched) per transaction.
    case inPlace
}

/// Contract state the chain can run transactions against: a `Contract` that holds the
/// token ledger, native token included.
///
/// Design: gas is paid in the native token through the same ledger the contracts use,
/// so one `checkInvariants()` covers fees and contract transfers alike, and an atomic
/// rollback of a bundle covers both. The native token's id is given to the builder.
///
/// **Atomicity.** A reverted transaction changes no contract state but pays for its gas.
/// A state chooses how (`isolation`): `.copy` (the default) lets the chain work on a copy;
/// `.inPlace` states are driven through the transaction hooks, in this order:
///
/// ```
/// beginTransaction(calls)            (after the gas is prepaid)
/// apply(call) for each call          (stops at the first revert)
/// finishTransaction()                (only if every call succeeded; may revert)
/// commitTransaction() or rollBackTransaction()
/// ```
///
/// After `rollBackTransaction()` the state must compare equal (`==`) to the state before
/// `beginTransaction`. The hooks have no-op defaults, so a `.copy` state implements none.
public protocol LedgerState: Contract where Call: GasMetered & Sendable {
    var ledger: TokenLedger { get set }

    /// How the chain keeps transactions atomic; `.copy` unless the state says otherwise.
    static var isolation: TransactionIsolation { get }

    /// A transaction of `calls` is about to run (in-place states only).
    mutating func beginTransaction(_ calls: [Call])

    /// Obligations checked when every call succeeded (an unpaid flash take, for instance);
    /// a throw reverts the whole transaction.
    mutating func finishTransaction() throws(Revert)

    /// Keeps the transaction's writes (in-place states only).
    mutating func commitTransaction()

    /// Undoes every write since `beginTransaction` (in-place states only).
    mutating func rollBackTransaction()
}

extension LedgerState {
    public static var isolation: TransactionIsolation { .copy }
    public mutating func beginTransaction(_ calls: [Call]) {}
    public mutating func finishTransaction() throws(Revert) {}
    public mutating func commitTransaction() {}
    public mutating func rollBackTransaction() {}
}
