import CascadeChain

/// What an agent that bids for gas keeps of the blocks it has seen: the newest block's
/// number, the base fee the block after it will charge, and the mean price the newest
/// non-empty block paid (the "market" a bid may follow). A report older than the newest
/// (observation delays reorder them) changes nothing.
struct NewestBlock {
    private(set) var number: UInt64 = 0
    private(set) var nextBaseFee: Wei
    private(set) var marketGasPrice: Wei = 0

    init(initialBaseFee: Wei) {
        nextBaseFee = initialBaseFee
    }

    /// Takes `report` in when it is newer than every report before; returns whether it was.
    mutating func observe<State>(_ report: BlockReport<State>) -> Bool {
        guard report.header.number > number else { return false }
        number = report.header.number
        nextBaseFee = report.nextBaseFee
        if report.averageGasPrice > 0 { marketGasPrice = report.averageGasPrice }
        return true
    }

    /// `policy`'s bid for the next block, or nil above its ceiling.
    func bid(_ policy: GasPolicy) -> GasBid? {
        policy.bid(nextBaseFee: nextBaseFee, marketPrice: marketGasPrice)
    }
}
