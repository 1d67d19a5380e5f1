import CascadeCore

extension ProtocolState {
    /// A dry run: the state after `calls` run as one transaction by `caller` in `block`,
    /// through the same hooks the chain uses (without gas), or the revert that would undo
    /// it. `self` is not touched — the contracts are values, so an agent can try a bundle
    /// on a copy of the state it observed and read the outcome from the contracts' own
    /// arithmetic.
    ///
    /// With `settling` false it stops after the last call, before the end of the
    /// transaction's settlement (flash loans still owed, a flash take not yet checked):
    /// the state in the middle of a bundle, for reading what the next call would meet.
    public func dryRun(
        _ calls: [Call], caller: Address, block: BlockContext, settling: Bool = true
    ) throws(Revert) -> ProtocolState {
        var copy = self
        var events: [Event] = []
        copy.beginTransaction(calls)
        // Nothing is rolled back: a copy that reverts is dropped whole, so no journal.
        copy.journal.isRecording = false
        for call in calls {
            try copy.apply(call, caller: caller, block: block, events: &events)
        }
        if settling { try copy.finishTransaction() }
        copy.commitTransaction()
        return copy
    }
}
