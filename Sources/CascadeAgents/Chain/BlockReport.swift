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
/// Receipts are found by sender in O(1): `receipt(of:nonce:)` and `receipts(of:)`.
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
    /// The block's contract events (each receipt's `events` range indexes it), or empty
    /// when the producer does not report events (`ChainProducer.reportsEvents`): agents
    /// that follow contract changes (keepers' vault books) read them here instead of
    /// scanning the state.
    public let events: [State.Event]
    /// Finds a sender's receipts in O(1): see `ReceiptIndex`.
    private let index: ReceiptIndex

    /// The report of `result`, produced on top of `state`; `nextBaseFee` is the base fee of
    /// the block after it; `includesEvents` copies the block's events into the report.
    public init(
        _ result: BlockResult<State.Call, State.Event>, state: State, nextBaseFee: Wei,
        includesEvents: Bool = false
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
        events = includesEvents ? result.events : []
        index = ReceiptIndex(result.receipts)
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
        var found: [Receipt] = []
        var position = index.first(of: sender.rawValue)
        while position >= 0 {
            found.append(receipts[Int(position)])
            position = index.next(after: position)
        }
        return found
    }

    /// The drop record of `sender`'s transaction `nonce`, if it left the pool unincluded.
    public func dropped(of sender: Address, nonce: UInt64) -> DroppedTransaction? {
        dropped.first { $0.sender == sender && $0.nonce == nonce }
    }

    private func position(of sender: Address, nonce: UInt64) -> Int? {
        // A sender rarely has more than one transaction in a block: the chain is short.
        var position = index.first(of: sender.rawValue)
        while position >= 0 {
            if receipts[Int(position)].nonce == nonce { return Int(position) }
            position = index.next(after: position)
        }
        return nil
    }
}

/// Each sender's receipts in a block, as chains of receipt positions: O(1) to find a
/// sender's first receipt, then one step per further receipt of the same sender.
///
/// Addresses are small integers (a world numbers its accounts densely), so the chains'
/// heads sit in a dense array over the block's range of senders: building is
/// O(n + range), a lookup a bounds check and a load. An earlier version sorted
/// `(sender, nonce)` keys and binary-searched them; the sort and the search's mispredicted
/// branches were 9% of the chain benchmark. When the senders are spread too thinly for a
/// dense array (range above `4n + 256`), heads are found by binary search over the
/// distinct senders, sorted once.
struct ReceiptIndex {
    /// `links[0..<count]`: per receipt, the next receipt of the same sender, or −1.
    /// `links[count...]`: per sender (dense: at `sender − lowestSender`; sparse: at its
    /// position in `sparseSenders`), its first receipt, or −1.
    private var links: [Int32]
    private let count: Int
    private let lowestSender: UInt32
    private let isDense: Bool
    /// The distinct senders, ascending, when not dense.
    private let sparseSenders: [UInt32]

    init(_ receipts: [Receipt]) {
        count = receipts.count
        var lowest = UInt32.max
        var highest: UInt32 = 0
        for receipt in receipts {
            lowest = min(lowest, receipt.sender.rawValue)
            highest = max(highest, receipt.sender.rawValue)
        }
        lowestSender = receipts.isEmpty ? 0 : lowest
        let range = receipts.isEmpty ? 0 : Int(highest - lowest) + 1
        isDense = range <= 4 * receipts.count + 256
        if isDense {
            sparseSenders = []
        } else {
            var senders = receipts.map(\.sender.rawValue)
            senders.sort()
            var unique: [UInt32] = []
            for sender in senders where unique.last != sender {
                unique.append(sender)
            }
            sparseSenders = unique
        }
        links = Array(repeating: -1, count: count + (isDense ? range : sparseSenders.count))
        // Backwards, so each chain runs in block order (a sender's nonces ascend in a block).
        var position = count - 1
        while position >= 0 {
            let head = count + slot(of: receipts[position].sender.rawValue)
            links[position] = links[head]
            links[head] = Int32(position)
            position -= 1
        }
    }

    /// Where `sender`'s head is, past `count` (the sender must occur in the block).
    private func slot(of sender: UInt32) -> Int {
        if isDense { return Int(sender - lowestSender) }
        var low = 0
        var high = sparseSenders.count
        while low < high {
            let middle = (low + high) / 2
            if sparseSenders[middle] < sender {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    /// The first receipt of `sender` in the block, or −1.
    @inline(__always)
    func first(of sender: UInt32) -> Int32 {
        if isDense {
            guard sender >= lowestSender else { return -1 }
            let offset = Int(sender - lowestSender)
            return offset < links.count - count ? links[count + offset] : -1
        }
        let position = slot(of: sender)
        guard position < sparseSenders.count, sparseSenders[position] == sender else {
            return -1
        }
        return links[count + position]
    }

    /// The receipt of the same sender after receipt `position`, or −1.
    func next(after position: Int32) -> Int32 {
        links[Int(position)]
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
