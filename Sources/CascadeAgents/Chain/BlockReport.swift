import CascadeChain
import CascadeCore
import CascadeKernel

/// What an agent sees of a block: the header, the contract state after the block, and the
/// receipts, read-only and shared by every observer of that block.
///
/// One report is made per block and passed by reference, so a broadcast to a hundred
/// agents allocates once. `state` is a value (copy-on-write): holding it costs nothing
/// until the producer writes the next block, and then only if a report is still alive —
/// agents should read what they need and let the report go.
///
/// Receipts are found by sender in O(log n): `receipt(of:nonce:)` and `receipts(of:)`.
public final class BlockReport<State: LedgerState> where State.Event: Sendable {
    /// The block's number, time, gas limit, gas used and base fee.
    public let header: BlockHeader
    /// The base fee the next block will charge: what an agent prices its next bid against.
    public let nextBaseFee: Wei
    /// The gas-weighted mean price of all gas in the block (agents' and background).
    public let averageGasPrice: Wei
    /// The contract state right after the block.
    public let state: State
    /// Agents' receipts, in block order.
    public let receipts: [Receipt]
    /// Transactions that left the pool in this block without being included.
    public let dropped: [DroppedTransaction]
    /// `(sender, nonce)` of every receipt with its index, sorted; a dense array, so a
    /// lookup's binary search touches 16-byte keys rather than whole receipts.
    private let bySender: [ReceiptKey]

    struct ReceiptKey: Comparable {
        var sender: UInt32
        var index: Int32
        var nonce: UInt64

        static func < (lhs: ReceiptKey, rhs: ReceiptKey) -> Bool {
            (lhs.sender, lhs.nonce) < (rhs.sender, rhs.nonce)
        }
    }

    /// The report of `result`, produced on top of `state`; `nextBaseFee` is the base fee of
    /// the block after it.
    public init(
        _ result: BlockResult<State.Call, State.Event>, state: State, nextBaseFee: Wei
    ) {
        header = BlockHeader(
            number: result.input.number, time: result.input.time,
            gasLimit: result.input.gasLimit, gasUsed: result.gasUsed,
            baseFee: result.input.baseFee)
        self.nextBaseFee = nextBaseFee
        averageGasPrice = result.averageGasPrice
        self.state = state
        receipts = result.receipts
        dropped = result.dropped
        var keys = [ReceiptKey]()
        keys.reserveCapacity(result.receipts.count)
        for index in result.receipts.indices {
            let receipt = result.receipts[index]
            keys.append(
                ReceiptKey(
                    sender: receipt.sender.rawValue, index: Int32(index), nonce: receipt.nonce))
        }
        // Ties cannot happen: a sender's nonce appears once in a block.
        keys.sort()
        bySender = keys
    }

    /// The receipt of `sender`'s transaction `nonce`, if this block included it.
    public func receipt(of sender: Address, nonce: UInt64) -> Receipt? {
        position(of: sender, nonce: nonce).map { receipts[$0] }
    }

    /// Whether `sender`'s transaction `nonce` succeeded, or nil if this block did not
    /// include it: `receipt(of:nonce:)` without copying the receipt.
    public func succeeded(_ sender: Address, nonce: UInt64) -> Bool? {
        position(of: sender, nonce: nonce).map { receipts[$0].status.isSuccess }
    }

    /// All of `sender`'s receipts in this block, by nonce.
    public func receipts(of sender: Address) -> [Receipt] {
        let start = lowerBound(sender: sender.rawValue, nonce: 0)
        var end = start
        while end < bySender.count && bySender[end].sender == sender.rawValue {
            end += 1
        }
        return bySender[start..<end].map { receipts[Int($0.index)] }
    }

    /// The drop record of `sender`'s transaction `nonce`, if it left the pool unincluded.
    public func dropped(of sender: Address, nonce: UInt64) -> DroppedTransaction? {
        dropped.first { $0.sender == sender && $0.nonce == nonce }
    }

    private func position(of sender: Address, nonce: UInt64) -> Int? {
        let position = lowerBound(sender: sender.rawValue, nonce: nonce)
        guard position < bySender.count, bySender[position].sender == sender.rawValue,
            bySender[position].nonce == nonce
        else { return nil }
        return Int(bySender[position].index)
    }

    private func lowerBound(sender: UInt32, nonce: UInt64) -> Int {
        var low = 0
        var high = bySender.count
        while low < high {
            let middle = (low + high) / 2
            let key = bySender[middle]
            if (key.sender, key.nonce) < (sender, nonce) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}

/// Where the producer sends each block as it is made: the run layer's writer of
/// `blocks.csv` and `events.jsonl`, or a collector in tests.
///
/// Called once per block at the block's time, before any agent observes it, with the
/// builder's full result (receipts, transactions, events, dropped) and the state after
/// the block. Both are borrowed: copy what you keep, and write incrementally so a long run
/// holds nothing it does not need.
public protocol BlockSink<State>: AnyObject {
    associatedtype State: LedgerState where State.Event: Sendable

    func didProduce(_ block: BlockResult<State.Call, State.Event>, state: State)
}

/// A sink that keeps every `BlockRecord` (a few dozen bytes a block) and, if given a way to
/// describe calls, every `TransactionRecord`; for tests and short runs.
public final class BlockRecordCollector<State: LedgerState>: BlockSink
where State.Event: Sendable {
    public private(set) var blocks: [BlockRecord] = []
    public private(set) var transactions: [TransactionRecord] = []
    /// Names each call for a `TransactionRecord`; nil keeps no transaction records.
    let describe: ((State.Call) -> String)?

    public init(describe: ((State.Call) -> String)? = nil) {
        self.describe = describe
    }

    public func didProduce(_ block: BlockResult<State.Call, State.Event>, state: State) {
        blocks.append(BlockRecord(block))
        guard let describe else { return }
        for index in block.transactions.indices {
            transactions.append(
                TransactionRecord(
                    transaction: block.transactions[index], receipt: block.receipts[index],
                    block: block.input.number, timeMs: block.input.time.milliseconds,
                    describe: describe))
        }
    }
}
