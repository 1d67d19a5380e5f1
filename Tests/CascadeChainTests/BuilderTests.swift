import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeChain

@Suite("Builder and execution")
struct BuilderTests {
    @Test func higherTipFirst() {
        var fixture = ChainFixture(market: .eip1559, agents: 4)
        fixture.submit(1, bid: .eip1559(maxFee: .gwei(100), priorityFee: .gwei(1)))
        fixture.submit(2, bid: .eip1559(maxFee: .gwei(100), priorityFee: .gwei(3)))
        fixture.submit(3, bid: .eip1559(maxFee: .gwei(100), priorityFee: .gwei(2)))
        fixture.produce()
        #expect(fixture.includedSenders == [2, 3, 1].map(ChainFixture.agent))
        #expect(fixture.result.receipts.map(\.index) == [0, 1, 2])
    }

    /// Equal effective tips go by arrival; a tip capped by `maxFee − baseFee` counts as
    /// the capped value.
    @Test func tiesByArrivalAndCappedTips() {
        var fixture = ChainFixture(market: .eip1559, agents: 4)
        // Base fee is 1 gwei: agent 3's tip is capped at 2 gwei, tying with 1 and 2.
        fixture.submit(3, bid: .eip1559(maxFee: .gwei(3), priorityFee: .gwei(9)))
        fixture.submit(1, bid: .eip1559(maxFee: .gwei(100), priorityFee: .gwei(2)))
        fixture.submit(2, bid: .eip1559(maxFee: .gwei(100), priorityFee: .gwei(2)))
        fixture.produce()
        #expect(fixture.includedSenders == [3, 1, 2].map(ChainFixture.agent))
        #expect(fixture.result.receipts[0].effectiveGasPrice == .gwei(3))
    }

    @Test func sequencerIsFirstComeFirstServed() {
        var fixture = ChainFixture(market: .sequencer(baseFee: 100), agents: 4)
        fixture.submit(1, bid: .legacy(gasPrice: 200))
        fixture.submit(2, bid: .legacy(gasPrice: 900))
        fixture.submit(3, bid: .legacy(gasPrice: 500))
        fixture.produce()
        #expect(fixture.includedSenders == [1, 2, 3].map(ChainFixture.agent))
    }

    @Test func sendersKeepNonceOrderEvenWhenLaterNoncesTipMore() {
        var fixture = ChainFixture(market: .legacy, agents: 3)
        fixture.submit(1, bid: .legacy(gasPrice: 10))
        fixture.submit(1, bid: .legacy(gasPrice: 90))
        fixture.submit(2, bid: .legacy(gasPrice: 50))
        fixture.produce()
        #expect(fixture.result.transactions.map(\.nonce) == [0, 0, 1])
        #expect(fixture.includedSenders == [2, 1, 1].map(ChainFixture.agent))
    }

    @Test func nonceGapWaits() {
        var fixture = ChainFixture(market: .legacy, agents: 2)
        fixture.submit(1, nonce: 1, bid: .legacy(gasPrice: 10))
        fixture.produce()
        #expect(fixture.result.transactions.isEmpty)
        #expect(fixture.chain.pool.count == 1)
        fixture.submit(1, nonce: 0, bid: .legacy(gasPrice: 10))
        fixture.produce()
        #expect(fixture.result.transactions.map(\.nonce) == [0, 1])
        #expect(fixture.chain.pool.count == 0)
        #expect(fixture.chain.pool.nextNonce(of: ChainFixture.agent(1)) == 2)
    }

    /// A max fee below the base fee waits in the pool and is included once the base fee
    /// falls to it.
    @Test func feeCapBelowBaseFeeWaits() {
        var fixture = ChainFixture(market: .eip1559, agents: 2)
        let bid = GasBid.eip1559(maxFee: 900_000_000, priorityFee: 1)
        fixture.submit(1, bid: bid)
        fixture.produce()  // base fee 1 gwei: waits
        #expect(fixture.result.transactions.isEmpty)
        var blocks = 1
        while fixture.result.transactions.isEmpty && blocks < 10 {
            fixture.produce()  // empty blocks: the base fee falls 12.5% a block
            blocks += 1
        }
        #expect(fixture.result.transactions.count == 1)
        #expect(fixture.result.input.baseFee <= 900_000_000)
        #expect(blocks == 2)
    }

    /// A reverted transaction changes no contract state but pays its gas: base fee burned,
    /// tip to the producer, nonce used.
    @Test func revertChangesNothingButPaysGas() throws {
        var fixture = ChainFixture(market: .eip1559, agents: 2)
        let before = fixture.chain.state
        let sender = ChainFixture.agent(1)
        fixture.submit(
            1, bid: .eip1559(maxFee: .gwei(10), priorityFee: .gwei(2)),
            calls: [
                .transfer(fixture.usd, to: ChainFixture.agent(0), amount: 400),
                .fail(reason: "Test/refused"),
                .transfer(fixture.usd, to: ChainFixture.agent(0), amount: 1),
            ])
        fixture.produce()
        let receipt = try #require(fixture.result.receipts.first)
        #expect(receipt.status == .reverted(Revert("Test/refused")))
        #expect(receipt.failedCall == 1)
        #expect(receipt.gasUsed == 21_000 + 30_000 + 5_000)
        #expect(receipt.effectiveGasPrice == .gwei(3))
        #expect(receipt.events.isEmpty)
        #expect(fixture.result.events.isEmpty)
        #expect(fixture.result.revertedCount == 1)
        var expected = before
        try expected.ledger.burn(fixture.eth, from: sender, amount: 56_000 * Wei.gwei(1))
        try expected.ledger.transfer(
            fixture.eth, from: sender, to: ChainFixture.producer, amount: 56_000 * Wei.gwei(2))
        #expect(fixture.chain.state == expected)
        #expect(fixture.chain.pool.nextNonce(of: sender) == 1)
    }

    @Test func successfulBundleAppliesAllCallsAndSettlesGas() throws {
        var fixture = ChainFixture(market: .eip1559, agents: 2)
        let sender = ChainFixture.agent(1)
        fixture.submit(
            1, bid: .eip1559(maxFee: .gwei(10), priorityFee: .gwei(2)),
            calls: [
                .transfer(fixture.usd, to: ChainFixture.agent(0), amount: 400),
                .burn(fixture.usd, amount: 100),
            ])
        fixture.produce()
        let receipt = try #require(fixture.result.receipts.first)
        #expect(receipt.status == .success)
        #expect(receipt.gasUsed == 76_000)
        #expect(receipt.events == 0..<2)
        let ledger = fixture.chain.state.ledger
        #expect(ledger.balance(of: fixture.usd, sender) == 500)
        #expect(ledger.balance(of: fixture.eth, sender) == .weiPerEther - 76_000 * Wei.gwei(3))
        #expect(ledger.balance(of: fixture.eth, ChainFixture.producer) == 76_000 * Wei.gwei(2))
        #expect(ledger.totalSupply(of: fixture.eth) == 2 * .weiPerEther - 76_000 * Wei.gwei(1))
        try ledger.checkInvariants()
    }

    @Test func outOfGasRevertsAndUsesTheWholeLimit() throws {
        var fixture = ChainFixture(market: .legacy, agents: 2)
        fixture.submit(
            1, bid: .legacy(gasPrice: .gwei(5)),
            calls: [
                .transfer(fixture.usd, to: ChainFixture.agent(0), amount: 1),
                .transfer(fixture.usd, to: ChainFixture.agent(0), amount: 1),
            ], gasLimit: 60_000)
        fixture.produce()
        let receipt = try #require(fixture.result.receipts.first)
        #expect(receipt.status == .reverted(Revert("out of gas")))
        #expect(receipt.gasUsed == 60_000)
        #expect(fixture.chain.state.ledger.balance(of: fixture.usd, ChainFixture.agent(0)) == 1_000)
    }

    @Test func insufficientFundsAreDropped() {
        var fixture = ChainFixture(market: .legacy, agents: 2, ethEach: 1_000)
        fixture.submit(1, bid: .legacy(gasPrice: .gwei(5)))
        fixture.produce()
        #expect(fixture.result.transactions.isEmpty)
        #expect(fixture.result.dropped.map(\.reason) == [.insufficientFunds])
        #expect(fixture.chain.pool.count == 0)
        #expect(fixture.chain.pool.nextNonce(of: ChainFixture.agent(1)) == 0)
    }

    /// Legacy: background gas bidding above an agent fills the block ahead of it.
    @Test func backgroundCrowdsOutLowBidders() {
        var fixture = ChainFixture(market: .legacy, agents: 3)
        let background = BackgroundBlock(
            tierGas: [5_000_000, 5_000_000, 5_000_000],
            tierPrices: [.gwei(200), .gwei(100), .gwei(20)], priorityFee: 0)
        fixture.submit(1, bid: .legacy(gasPrice: .gwei(50)))
        fixture.submit(2, bid: .legacy(gasPrice: .gwei(150)))
        fixture.produce(background: background)
        #expect(fixture.includedSenders == [ChainFixture.agent(2)])
        #expect(fixture.result.gasUsed == 10_000_000)
        #expect(fixture.result.backgroundGasUsed == 10_000_000 - fixture.result.agentGasUsed)
        #expect(fixture.chain.pool.count == 1)
        // 51,000 gas at 150 gwei, 5M at 200, the rest at 100.
        let agentGas = Wei(fixture.result.agentGasUsed)
        let expectedFees =
            agentGas * .gwei(150) + 5_000_000 * .gwei(200)
            + (5_000_000 - agentGas) * .gwei(100)
        #expect(fixture.result.averageGasPrice == expectedFees / 10_000_000)
    }

    /// EIP-1559: only background willing to pay the base fee shows up, and it tips its
    /// priority fee, so an agent tipping more goes first.
    @Test func eip1559BackgroundRespondsToBaseFee() {
        var fixture = ChainFixture(market: .eip1559, agents: 2)
        let background = BackgroundBlock(
            tierGas: [6_000_000, 6_000_000], tierPrices: [.gwei(5), 500_000_000],
            priorityFee: .gwei(2))
        fixture.submit(1, bid: .eip1559(maxFee: .gwei(50), priorityFee: .gwei(3)))
        fixture.produce(background: background)
        #expect(fixture.result.input.baseFee == .gwei(1))
        #expect(fixture.result.transactions.count == 1)
        #expect(fixture.result.backgroundGasUsed == 6_000_000)
        #expect(fixture.result.backgroundTips == 6_000_000 * Wei.gwei(2))
        #expect(fixture.result.backgroundBurned == 6_000_000 * Wei.gwei(1))
    }

    @Test func transactionRecordCarriesTheTraceFields() throws {
        var fixture = ChainFixture(market: .eip1559, agents: 2)
        fixture.submit(1, bid: .eip1559(maxFee: .gwei(10), priorityFee: .gwei(2)))
        fixture.produce()
        let transaction = try #require(fixture.result.transactions.first)
        let receipt = try #require(fixture.result.receipts.first)
        let record = TransactionRecord(
            transaction: transaction, receipt: receipt, block: 1, timeMs: 12_000,
            describe: { "\($0)" })
        #expect(record.status == "success")
        #expect(record.maxFeeWei == .gwei(10))
        #expect(record.priorityFeeWei == .gwei(2))
        #expect(record.gasPriceWei == nil)
        #expect(record.effectiveGasPriceWei == .gwei(3))
        #expect(record.gasUsed == 51_000)
        #expect(record.calls.count == 1)
    }

    /// EIP-1559 with more background than the block holds: an agent tipping less than the
    /// crowd's 2 gwei waits; one tipping more goes in ahead of it.
    @Test func eip1559AgentsCompeteOnTipAgainstTheCrowd() {
        var fixture = ChainFixture(market: .eip1559, agents: 3)
        let background = BackgroundBlock(
            tierGas: [20_000_000], tierPrices: [.gwei(100)], priorityFee: .gwei(2))
        fixture.submit(1, bid: .eip1559(maxFee: .gwei(100), priorityFee: .gwei(1)))
        fixture.submit(2, bid: .eip1559(maxFee: .gwei(100), priorityFee: .gwei(3)))
        fixture.produce(background: background)
        #expect(fixture.includedSenders == [ChainFixture.agent(2)])
        #expect(fixture.result.gasUsed == 10_000_000)
        #expect(fixture.chain.pool.count == 1)
    }

    @Test func blockRecordHasTheChainColumns() {
        var fixture = ChainFixture(market: .eip1559, agents: 2)
        fixture.submit(1, bid: .eip1559(maxFee: .gwei(10), priorityFee: .gwei(2)))
        fixture.submit(
            1, bid: .eip1559(maxFee: .gwei(10), priorityFee: .gwei(2)),
            calls: [
                .fail(reason: "Test/no")
            ])
        fixture.produce(
            background: BackgroundBlock(
                tierGas: [500_000], tierPrices: [.gwei(10)], priorityFee: .gwei(1)))
        let record = BlockRecord(fixture.result)
        #expect(record.block == 1)
        #expect(record.timeMs == 12_000)
        #expect(record.gasLimit == 10_000_000)
        #expect(record.gasUsed == 51_000 + 26_000 + 500_000)
        #expect(record.baseFeeWei == .gwei(1))
        #expect(record.agentTransactions == 2)
        #expect(record.transactions == 12)
        #expect(record.revertedTransactions == 1)
    }
}
