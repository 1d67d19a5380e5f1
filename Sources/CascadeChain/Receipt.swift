import CascadeCore

/// How a transaction ended.
public enum TransactionStatus: Hashable, Sendable {
    case success
    /// A call reverted (or the gas ran out): no contract state changed, the gas was paid.
    case reverted(Revert)

    public var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

/// What the chain publishes for an included transaction.
///
/// Reverted transactions are included too: they are in the block, consumed their nonce and
/// paid `fee.paid`. `events` indexes the block result's event array (empty on a revert).
public struct Receipt: Hashable, Sendable {
    public var hash: TransactionHash
    public var sender: Address
    public var nonce: UInt64
    /// The position in the block among agents' transactions (background gas has none).
    public var index: Int
    public var status: TransactionStatus
    /// Intrinsic gas plus the calls' costs, up to and including a failing call; the whole
    /// limit when the gas ran out.
    public var gasUsed: Gas
    /// Base fee plus effective tip, wei per gas.
    public var effectiveGasPrice: Wei
    public var fee: FeeSplit
    /// The index of the call that reverted; nil on success, and nil on a revert by the
    /// state's end-of-transaction check (an unpaid flash take) after every call succeeded.
    public var failedCall: Int?
    /// The range of this transaction's events in `BlockResult.events`.
    public var events: Range<Int>

    @inlinable
    public init(
        hash: TransactionHash, sender: Address, nonce: UInt64, index: Int,
        status: TransactionStatus, gasUsed: Gas, effectiveGasPrice: Wei, fee: FeeSplit,
        failedCall: Int?, events: Range<Int>
    ) {
        self.hash = hash
        self.sender = sender
        self.nonce = nonce
        self.index = index
        self.status = status
        self.gasUsed = gasUsed
        self.effectiveGasPrice = effectiveGasPrice
        self.fee = fee
        self.failedCall = failedCall
        self.events = events
    }
}

/// Why a transaction left the mempool without being included.
public enum DropReason: Hashable, Sendable {
    /// The sender cannot pay `gasLimit × feeCap` in the native token (go-ethereum's
    /// "insufficient funds for gas * price + value").
    case insufficientFunds
    /// Its gas limit is above the block's gas limit: it could never be included.
    case gasLimitAboveBlockLimit
}

extension Receipt {
    /// The receipt of `transaction`, executed as `execution` says, at `index` in its block;
    /// `events` is the block's event count after it. Made in one piece so that it can be
    /// built in place in the block's receipt array.
    @inlinable @inline(__always)
    init<Call>(
        _ transaction: borrowing Transaction<Call>, index: Int,
        execution: borrowing BlockBuilder.Execution, events: Int
    ) {
        let failure = execution.outcome.failure
        self.init(
            hash: transaction.hash, sender: transaction.sender, nonce: transaction.nonce,
            index: index, status: failure.map { .reverted($0.revert) } ?? .success,
            gasUsed: execution.outcome.gasUsed, effectiveGasPrice: execution.price,
            fee: execution.fee, failedCall: failure?.call,
            events: execution.eventsBefore..<events)
    }
}
