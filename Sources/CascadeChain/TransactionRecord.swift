import CascadeCore

/// One `tx` line of the trace (INTERFACE.md): everything needed to recompute the fee.
///
/// A plain value; JSON writing belongs to the run layer. Wei amounts stay `Wei` here and
/// are written as exact decimal strings.
public struct TransactionRecord: Hashable, Sendable {
    public var block: UInt64
    public var timeMs: Int64
    public var hash: TransactionHash
    public var sender: Address
    public var nonce: UInt64
    public var gasLimit: Gas
    public var gasUsed: Gas
    /// EIP-1559 `max_fee_wei`; nil for a legacy bid.
    public var maxFeeWei: Wei?
    /// EIP-1559 `priority_fee_wei`; nil for a legacy bid.
    public var priorityFeeWei: Wei?
    /// Legacy `gas_price_wei`; nil for an EIP-1559 bid.
    public var gasPriceWei: Wei?
    public var effectiveGasPriceWei: Wei
    /// `"success"` or `"reverted"`.
    public var status: String
    /// The revert reason, or nil on success.
    public var revertReason: String?
    /// A short description of each call, in order.
    public var calls: [String]

    /// The record of `transaction` as `receipt` reports it; `describe` names each call.
    public init<Call>(
        transaction: Transaction<Call>, receipt: Receipt, block: UInt64, timeMs: Int64,
        describe: (Call) -> String
    ) {
        precondition(transaction.hash == receipt.hash, "receipt of another transaction")
        self.block = block
        self.timeMs = timeMs
        hash = transaction.hash
        sender = transaction.sender
        nonce = transaction.nonce
        gasLimit = transaction.gasLimit
        gasUsed = receipt.gasUsed
        switch transaction.bid {
        case .eip1559(let maxFee, let priorityFee):
            maxFeeWei = maxFee
            priorityFeeWei = priorityFee
            gasPriceWei = nil
        case .legacy(let gasPrice):
            maxFeeWei = nil
            priorityFeeWei = nil
            gasPriceWei = gasPrice
        }
        effectiveGasPriceWei = receipt.effectiveGasPrice
        switch receipt.status {
        case .success:
            status = "success"
            revertReason = nil
        case .reverted(let revert):
            status = "reverted"
            revertReason = revert.reason
        }
        calls = transaction.calls.map(describe)
    }
}

/// The chain's columns of one `blocks.csv` row (INTERFACE.md): `block, time_ms, gas_limit,
/// gas_used, base_fee_wei, txs, agent_txs, reverted_txs`. Market and protocol columns are
/// appended by the layers that own them.
public struct BlockRecord: Hashable, Sendable {
    public var block: UInt64
    public var timeMs: Int64
    public var gasLimit: Gas
    /// Agents' and background gas.
    public var gasUsed: Gas
    public var baseFeeWei: Wei
    /// Agents' transactions plus the background's estimated count.
    public var transactions: Int
    public var agentTransactions: Int
    /// Agents' reverted transactions (background traffic does not revert).
    public var revertedTransactions: Int

    public init<Call, Event>(_ result: BlockResult<Call, Event>) {
        block = result.input.number
        timeMs = result.input.time.milliseconds
        gasLimit = result.input.gasLimit
        gasUsed = result.gasUsed
        baseFeeWei = result.input.baseFee
        agentTransactions = result.transactions.count
        transactions = agentTransactions + result.backgroundTransactionEstimate
        revertedTransactions = result.revertedCount
    }
}
