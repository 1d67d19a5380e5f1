import CascadeChain
import CascadeKernel
import Testing

@testable import CascadeAgents

/// The recheck's shortcut (`RecheckCurve.farRatio`): at or below the ratio it gives, the
/// curve's wait, computed with the logarithm as before, is never below the limit; just
/// above the exact threshold it can be, so the bound is not merely small.
@Suite("Keepers: the recheck's far ratio")
struct RecheckCurveTests {
    /// A stairstep or exponential curve with a limit (seconds) and an elapsed time.
    struct Case {
        var curve: ClipFacts.RecheckCurve
        var limit: Int64
        var elapsed: Int64
        /// The step (1 for the exponential, whose wait is in whole seconds).
        var step: Int64
        var logCut: Double
    }

    static func draw(_ random: inout RandomStream, stairstep: Bool) -> Case {
        let limit = random.uniformInt(in: 0...7_200)
        if stairstep {
            let step = random.uniformInt(in: 1...600)
            let logCut = DeterministicMath.log(random.uniform(0.3, 0.99999))
            return Case(
                curve: .stairstep(step: step, logCut: logCut), limit: limit,
                elapsed: random.uniformInt(in: 0...100_000), step: step, logCut: logCut)
        }
        let logCut = DeterministicMath.log(random.uniform(0.9, 0.999_999))
        return Case(
            curve: .exponential(logCut: logCut), limit: limit,
            elapsed: random.uniformInt(in: 0...100_000), step: 1, logCut: logCut)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func atOrBelowItTheWaitReachesTheLimit(seed: UInt64) throws {
        var random = RandomStream(seed: seed, name: "far-ratio")
        for trial in 0..<4_000 {
            let test = Self.draw(&random, stairstep: trial % 2 == 0)
            let far = test.curve.farRatio(limit: test.limit)
            // No bound only where the power would near the subnormals.
            guard far > 0 else {
                #expect(Double(test.limit) * test.logCut < -690)
                continue
            }
            // The bound itself, and ratios below it down to a millionth of it (below one:
            // a bound of one or more, for a limit within a step, holds for every ratio).
            let top = min(far, 1 - 0x1p-40)
            for ratio in [top, top * random.uniform(0.999, 1), top * random.uniform(1e-6, 1)] {
                let wait = try #require(
                    test.curve.wait(ratio: ratio, target: ratio, elapsed: test.elapsed))
                #expect(wait >= test.limit, "\(test.curve) limit \(test.limit) ratio \(ratio)")
            }
        }
    }

    /// At the exact threshold `cut^K` raised by a millionth, with the elapsed time at the
    /// last second of a step (the stairstep's shortest wait for its step count), the wait
    /// is below the limit: the bound is the threshold, not something smaller.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func justAboveTheThresholdTheWaitCanFallShort(seed: UInt64) throws {
        var random = RandomStream(seed: seed, name: "far-ratio-tight")
        for trial in 0..<2_000 {
            var test = Self.draw(&random, stairstep: trial % 2 == 0)
            // A limit of at least a step and a quotient large enough for a millionth to
            // stay inside one step count.
            test.limit = max(test.limit, test.step + 1)
            test.elapsed = test.step * random.uniformInt(in: 0...100) + test.step - 1
            let far = test.curve.farRatio(limit: test.limit)
            guard far > 0 else { continue }
            let threshold = far / (1 - 1e-9)
            let exponent = DeterministicMath.log(threshold) / test.logCut
            guard exponent >= 1, exponent < 1e5 else { continue }
            let ratio = threshold * (1 + 1e-7 * -test.logCut)
            let wait = try #require(
                test.curve.wait(ratio: ratio, target: ratio, elapsed: test.elapsed))
            #expect(wait < test.limit, "\(test.curve) limit \(test.limit) ratio \(ratio)")
        }
    }

    @Test func curvesThatNeverFallOrFallLinearlyHaveNoShortcut() {
        #expect(ClipFacts.RecheckCurve.none.farRatio(limit: 600) == 0)
        #expect(ClipFacts.RecheckCurve.linear(tau: 3_600, top: 250).farRatio(limit: 600) == 0)
        #expect(ClipFacts.RecheckCurve.stairstep(step: 0, logCut: -0.01).farRatio(limit: 600) == 0)
        #expect(ClipFacts.RecheckCurve.exponential(logCut: -0.01).farRatio(limit: -1) == 0)
    }
}
