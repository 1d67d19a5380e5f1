import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeChain

/// The builder books the background's fees by groups of tiers (`BackgroundCurve.fillRest`);
/// these tests hold it to the plain booking, one `FeeSplit` per filled tier.
@Suite("Background fill")
struct BackgroundFillTests {
    /// The tier-by-tier booking the grouped sums must equal, wei for wei.
    static func bookedTierByTier(
        _ background: BackgroundBlock, input: BlockInput, agentGas: Gas
    ) -> (gas: Gas, burned: Wei, tips: Wei) {
        var room = input.gasLimit - agentGas
        var booked: (gas: Gas, burned: Wei, tips: Wei) = (0, 0, 0)
        for index in background.tierPrices.indices where room > 0 {
            let price = background.tierPrices[index]
            guard price >= input.baseFee else { break }
            let headroom = price - input.baseFee
            let tip = input.market == .legacy ? headroom : min(background.priorityFee, headroom)
            let gas = min(room, background.tierGas[index])
            room -= gas
            let fee = FeeSplit(gasUsed: gas, baseFee: input.baseFee, effectiveTip: tip)
            booked.gas += gas
            booked.burned += fee.burned
            booked.tips += fee.tip
        }
        return booked
    }

    /// Random tiers (descending prices, some tiers empty, prices on both sides of the base
    /// fee and of base fee plus priority fee), random base fees and agent gas, both tip
    /// rules: the grouped booking equals the plain one on every draw.
    @Test(arguments: [FeeMarket.eip1559, .legacy])
    func groupedBookingMatchesTierByTier(market: FeeMarket) {
        var random = RandomStream(seed: 7, name: "background-fill")
        var partial = 0
        var flatAndTail = 0
        for _ in 0..<4_000 {
            let tiers = Int(random.uniformInt(below: 40))
            var prices: [Wei] = []
            for _ in 0..<tiers { prices.append(Wei(random.uniformInt(below: 60)) * .gwei(1)) }
            prices.sort(by: >)
            let gas: [Gas] = (0..<tiers).map { _ in
                random.uniformInt(below: 5) == 0 ? 0 : random.uniformInt(below: 2_000_000)
            }
            let background = BackgroundBlock(
                tierGas: gas, tierPrices: prices,
                priorityFee: Wei(random.uniformInt(below: 5)) * .gwei(1))
            let input = BlockInput(
                number: 1, time: .seconds(12), gasLimit: 30_000_000,
                baseFee: Wei(random.uniformInt(below: 40)) * .gwei(1) + 7, producer: Address(1),
                market: market, nativeToken: TokenID(rawValue: 0))
            let agentGas = random.uniformInt(below: 31_000_000) * 30 / 31
            var result = BlockResult<Int, Int>(input: input)
            result.agentGasUsed = agentGas
            let curve = BackgroundCurve(background, input: input)
            curve.fillRest(agentGas: agentGas, into: &result)
            let expected = Self.bookedTierByTier(background, input: input, agentGas: agentGas)
            #expect(result.backgroundGasUsed == expected.gas)
            #expect(result.backgroundBurned == expected.burned)
            #expect(result.backgroundTips == expected.tips)
            #expect(
                result.backgroundTransactionEstimate
                    == Int(expected.gas / background.gasPerTransaction))
            if expected.gas < background.tierGas.reduce(0, +) && expected.gas > 0 { partial += 1 }
            let full = background.tierPrices.filter {
                $0 >= input.baseFee && $0 - input.baseFee >= background.priorityFee
            }.count
            let eligible = background.tierPrices.filter { $0 >= input.baseFee }.count
            if full > 0 && eligible > full { flatAndTail += 1 }
        }
        // The draws reach the cases the grouping splits on.
        #expect(partial > 100)
        if market == .eip1559 { #expect(flatAndTail > 100) }
    }
}
