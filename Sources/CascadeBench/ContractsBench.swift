import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// `contracts takes_per_second` and `contracts swaps_per_second`: Clipper takes and AMM
/// swaps executed through the chain's transaction path (`BlockBuilder.execute`: gas
/// prepaid, the call applied in place, receipt, refund and tip), against a state holding
/// 10,000 vaults and 5,000 live auctions, so any per-transaction copy of the state would
/// show. Events are cleared every 1,000 transactions, as a block's would be.
func runContractsBench() {
    var sample = ProtocolSample(vaults: 10_000, auctions: 5_000)
    let keeper = ProtocolSample.keeper
    // Takes pay from the keeper's Vat DAI (no flash), a sliver of each auction in turn.
    sample.state.maker.mintDai(to: keeper, amount: UInt256(1_000_000_000 as UInt64) * .rad)
    let now = sample.now + 1_800
    let input = BlockInput(
        number: 2, time: SimTime(milliseconds: Int64(now) * 1_000), gasLimit: 30_000_000,
        baseFee: .gwei(1), producer: Address(5_000_000), market: .eip1559,
        nativeToken: sample.eth)
    let bid = GasBid.eip1559(maxFee: .gwei(3), priorityFee: .gwei(1))
    let tip = Wei.gwei(1)
    let sliver = UInt256(1_000_000_000_000 as UInt64)  // 1e-6 WETH
    let takes = sample.auctionIDs.enumerated().map { index, id in
        Transaction<ProtocolState.Call>(
            sender: keeper, nonce: UInt64(index), gasLimit: 200_000, bid: bid,
            calls: [
                .maker(.take(auction: id, amt: sliver, max: .max, who: keeper, flash: false))
            ],
            arrival: UInt64(index))
    }
    let takeCount = 4_000_000
    var state = sample.state
    var events: [ProtocolState.Event] = []
    events.reserveCapacity(4_096)
    var reverted = 0
    let takeResult = measure {
        for index in 0..<takeCount {
            let receipt = BlockBuilder.execute(
                takes[index % takes.count], tip: tip, index: index, input: input,
                state: &state, events: &events)
            if !receipt.status.isSuccess { reverted += 1 }
            if events.count >= 1_000 { events.removeAll(keepingCapacity: true) }
        }
        return takeCount
    }
    precondition(reverted == 0, "bench takes reverted: \(reverted)")
    print(
        "contracts takes_per_second=\(Int(Double(takeResult.count) / takeResult.seconds))"
            + " vaults=10000 auctions=5000")

    // Swaps: a trader alternates WETH→DAI and DAI→WETH so the pool stays near its price.
    var swapState = sample.state
    let trader = Address(30)
    swapState.ledger.mint(sample.weth, to: trader, amount: 1_000_000 * 1_000_000_000_000_000_000)
    swapState.ledger.mint(sample.dai, to: trader, amount: 1_000_000_000 * 1_000_000_000_000_000_000)
    swapState.ledger.mint(
        sample.eth, to: trader, amount: 1_000_000_000 * 1_000_000_000_000_000_000)
    let swaps = (0..<2).map { index in
        Transaction<ProtocolState.Call>(
            sender: trader, nonce: UInt64(index), gasLimit: 200_000, bid: bid,
            calls: [
                index == 0
                    ? .swap(
                        pair: sample.pair, tokenIn: sample.weth, amountIn: UInt256.wad,
                        amountOutMin: .zero, to: trader)
                    : .swap(
                        pair: sample.pair, tokenIn: sample.dai,
                        amountIn: UInt256(150 as UInt64) * .wad, amountOutMin: .zero, to: trader)
            ],
            arrival: UInt64(index))
    }
    let swapCount = 4_000_000
    reverted = 0
    let swapResult = measure {
        for index in 0..<swapCount {
            let receipt = BlockBuilder.execute(
                swaps[index & 1], tip: tip, index: index, input: input, state: &swapState,
                events: &events)
            if !receipt.status.isSuccess { reverted += 1 }
            if events.count >= 1_000 { events.removeAll(keepingCapacity: true) }
        }
        return swapCount
    }
    precondition(reverted == 0, "bench swaps reverted: \(reverted)")
    print(
        "contracts swaps_per_second=\(Int(Double(swapResult.count) / swapResult.seconds))"
            + " vaults=10000 auctions=5000")
    do {
        try state.checkInvariants()
        try swapState.checkInvariants()
    } catch {
        preconditionFailure("bench broke an invariant: \(error)")
    }
}
