import CascadeAgents
import CascadeKernel
import Testing

@Suite("Latency models")
struct LoopLatencyTests {
    @Test func fixedDelaysDrawNothing() {
        var random = RandomStream(seed: 1, name: "latency")
        let before = random
        #expect(LatencyModel.fixed(milliseconds: 250).draw(using: &random) == .milliseconds(250))
        #expect(random == before)
    }

    /// The tabulated sampler must give exactly the model's draws and consume the same
    /// randomness: the table is an optimisation, not a different distribution.
    @Test(arguments: [
        LatencyModel.logNormal(medianMs: 100, sigma: 0.5),
        .logNormal(medianMs: 300, sigma: 0.5), .logNormal(medianMs: 1, sigma: 4),
        .logNormal(medianMs: 40_000, sigma: 2), .logNormal(medianMs: 250, sigma: 0),
        .exponential(meanMs: 500), .uniform(minimumMs: 3, maximumMs: 9),
        .fixed(milliseconds: 7),
    ])
    func samplerDrawsWhatTheModelDraws(model: LatencyModel) {
        let sampler = LatencySampler(model)
        for seed in 0..<8 {
            var direct = RandomStream(seed: UInt64(seed), name: "sampler")
            var tabulated = direct
            for draw in 0..<20_000 {
                let expected = model.draw(using: &direct)
                let actual = sampler.draw(using: &tabulated)
                if expected != actual {
                    Issue.record("\(model) seed \(seed) draw \(draw): \(actual) != \(expected)")
                    return
                }
            }
            #expect(direct == tabulated, "\(model) seed \(seed)")
        }
    }

    @Test(arguments: 0..<20)
    func drawsStayInRangeAndNearTheirCentre(seed: Int) {
        var random = RandomStream(seed: UInt64(seed), name: "latency")
        let uniform = LatencyModel.uniform(minimumMs: 100, maximumMs: 300)
        var uniformSum: Int64 = 0
        var exponentialSum: Int64 = 0
        var logNormal: [Int64] = []
        let count = 4_000
        for _ in 0..<count {
            let delay = uniform.draw(using: &random).milliseconds
            #expect((100...300).contains(delay), "seed \(seed)")
            uniformSum += delay
            let exponential = LatencyModel.exponential(meanMs: 500).draw(using: &random)
            #expect(exponential >= .zero, "seed \(seed)")
            exponentialSum += exponential.milliseconds
            logNormal.append(
                LatencyModel.logNormal(medianMs: 200, sigma: 0.5).draw(using: &random)
                    .milliseconds)
        }
        let uniformMean = Double(uniformSum) / Double(count)
        let exponentialMean = Double(exponentialSum) / Double(count)
        let median = logNormal.sorted()[count / 2]
        #expect(abs(uniformMean - 200) < 5, "seed \(seed): \(uniformMean)")
        #expect(abs(exponentialMean - 500) < 40, "seed \(seed): \(exponentialMean)")
        #expect(abs(median - 200) < 12, "seed \(seed): \(median)")
    }

    @Test func invalidModelsSayWhy() {
        #expect(LatencyModel.fixed(milliseconds: -1).problem != nil)
        #expect(LatencyModel.uniform(minimumMs: 5, maximumMs: 4).problem != nil)
        #expect(LatencyModel.exponential(meanMs: .nan).problem != nil)
        #expect(LatencyModel.logNormal(medianMs: 0, sigma: 1).problem != nil)
        #expect(LatencyModel.logNormal(medianMs: 100, sigma: 0.5).problem == nil)
    }
}
