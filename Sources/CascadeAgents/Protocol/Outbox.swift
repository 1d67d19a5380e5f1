import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// One account's transactions in flight: nonces, bids, and what each was for.
///
/// An agent learns of its transactions only by observing blocks (`settle`) and the pool's
/// refusals (`reject`): there is no other feedback, as for a node that sees no mempool.
/// `Purpose` is the agent's own note on each transaction (which vault or auction).
struct Outbox<Purpose> {
    struct Entry {
        var nonce: UInt64
        var bid: GasBid
        var calls: [ProtocolState.Call]
        var gasLimit: Gas
        /// When it was last sent (first send or raise).
        var sentAt: SimTime
        var purpose: Purpose
        var raises = 0
    }

    /// How a transaction ended, as a block told.
    enum Outcome {
        case succeeded(Entry, Receipt)
        case reverted(Entry, Receipt, Revert)
        /// Left the pool unincluded (cannot pay for gas); its nonce is free again.
        case dropped(Entry)
    }

    let address: Address
    let producer: AgentID
    let propagation: LatencySampler
    private(set) var nextNonce: UInt64 = 0
    private(set) var pending: [Entry] = []
    private(set) var sentCount = 0
    private(set) var raisedCount = 0

    init(address: Address, producer: AgentID, propagation: LatencySampler) {
        self.address = address
        self.producer = producer
        self.propagation = propagation
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Signs `calls` at the next nonce and sends them after a propagation delay drawn from
    /// the agent's stream.
    mutating func send(
        _ calls: [ProtocolState.Call], gasLimit: Gas, bid: GasBid, purpose: Purpose,
        _ context: Context<ProtocolMessage>
    ) {
        let entry = Entry(
            nonce: nextNonce, bid: bid, calls: calls, gasLimit: gasLimit, sentAt: context.now,
            purpose: purpose)
        nextNonce += 1
        // Sent, then moved into the list: appending first copied the entry (through the
        // generic `Entry`'s value witness) to send it after.
        transmit(nonce: entry.nonce, gasLimit: gasLimit, bid: bid, calls: calls, context)
        pending.append(consume entry)
    }

    /// Replaces pending transaction `index` with the same calls at `bid`.
    mutating func replace(at index: Int, bid: GasBid, _ context: Context<ProtocolMessage>) {
        pending[index].bid = bid
        pending[index].sentAt = context.now
        pending[index].raises += 1
        raisedCount += 1
        transmit(
            nonce: pending[index].nonce, gasLimit: pending[index].gasLimit, bid: bid,
            calls: pending[index].calls, context)
    }

    /// Replaces pending transaction `index` with the same calls at `gas`'s raise of its bid
    /// (at least the pool's replacement step, up to the policy's cap); false, and nothing
    /// sent, when the policy has no raise or the cap leaves none.
    mutating func raise(at index: Int, gas: GasPolicy, _ context: Context<ProtocolMessage>)
        -> Bool
    {
        guard let bid = gas.raised(pending[index].bid) else { return false }
        replace(at: index, bid: bid, context)
        return true
    }

    /// Raises (`raise(at:gas:_:)`) each pending transaction sent before `blockTime` whose
    /// purpose `worthRaising` picks: a keeper's priority gas auction. Returns how many.
    mutating func raisePending(
        sentBefore blockTime: SimTime, gas: GasPolicy, where worthRaising: (Purpose) -> Bool,
        _ context: Context<ProtocolMessage>
    ) -> Int {
        guard gas.raisePercent != nil else { return 0 }
        var raised = 0
        for index in pending.indices {
            // Field by field: a copy of the entry retained its calls, for every pending
            // transaction of every block.
            guard pending[index].sentAt < blockTime, worthRaising(pending[index].purpose),
                raise(at: index, gas: gas, context)
            else { continue }
            raised += 1
        }
        return raised
    }

    /// Sends the transaction at `nonce`. Given the fields, not the entry: a copy of the
    /// generic `Entry` went through its value witness, once for every send and raise.
    private mutating func transmit(
        nonce: UInt64, gasLimit: Gas, bid: GasBid, calls: [ProtocolState.Call],
        _ context: Context<ProtocolMessage>
    ) {
        sentCount += 1
        let request = TransactionRequest(
            sender: address, replyTo: context.agent, nonce: nonce, gasLimit: gasLimit,
            bid: bid, calls: calls)
        context.send(
            .submit(request), to: producer, after: propagation.draw(using: &context.random))
    }

    /// Removes and returns the transactions that `report` included or dropped. A drop
    /// frees its nonce: every later pending transaction is forgotten too (it can never be
    /// included before the gap is filled) and the next send reuses the nonce.
    mutating func settle(_ report: BlockReport<ProtocolState>) -> [Outcome] {
        var outcomes: [Outcome] = []
        settle(report) { outcomes.append($0) }
        return outcomes
    }

    /// `settle`, handing each outcome to `handle` in order as it is found, for an agent
    /// that settles on every block it observes: no array of outcomes. A keeper's buffer of
    /// them, emptied after each block, was destroyed element by element through the
    /// runtime's generic path (about 1,100 instructions a block that settled anything:
    /// 20 M of the world bench). `handle` must not touch this outbox.
    mutating func settle(_ report: BlockReport<ProtocolState>, each handle: (Outcome) -> Void) {
        guard !pending.isEmpty else { return }
        var index = 0
        while index < pending.count {
            // An entry is copied out only when the block settles it: most observed blocks
            // settle none of an agent's pending transactions.
            let nonce = pending[index].nonce
            if let receipt = report.receipt(of: address, nonce: nonce) {
                // Moved into the outcome: a copy of the generic `Entry` would go through its
                // value witness.
                let entry = pending.remove(at: index)
                switch receipt.status {
                case .success: handle(.succeeded(consume entry, receipt))
                case .reverted(let revert): handle(.reverted(consume entry, receipt, revert))
                }
            } else if report.dropped(of: address, nonce: nonce) != nil {
                nextNonce = nonce
                for later in pending[index...] {
                    handle(.dropped(later))
                }
                pending.removeSubrange(index...)
            } else {
                index += 1
            }
        }
    }

    /// `settle`, for agents that only count how their transactions ended.
    mutating func settle(
        _ report: BlockReport<ProtocolState>, succeeded: inout Int, reverted: inout Int
    ) {
        for outcome in settle(report) {
            switch outcome {
            case .succeeded: succeeded += 1
            case .reverted: reverted += 1
            case .dropped: break
            }
        }
    }

    /// The pool refused a transaction. A fresh transaction refused as underpriced never
    /// entered the pool: when it is the last one, its nonce is taken back (and returned).
    mutating func reject(_ rejection: TransactionRejection) -> Entry? {
        guard rejection.reason == .underpriced || rejection.reason == .intrinsicGasTooLow,
            let last = pending.last, last.nonce == rejection.nonce,
            last.raises == 0
        else { return nil }
        pending.removeLast()
        nextNonce = last.nonce
        return last
    }
}
