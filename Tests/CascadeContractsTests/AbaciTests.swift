import CascadeContracts
import CascadeCore
import CascadeTestSupport
import Testing

/// The price curves against dss's own tests (dss src/test/abaci.t.sol and clip.t.sol,
/// REFERENCE.md §2.5).
@Suite("Abaci price curves")
struct AbaciTests {
    let ray = UInt256.ray

    /// dss src/test/abaci.t.sol `test_linear_decrease`: tau 3600, top 1000 RAY; every 360 s
    /// the price falls by exactly 100 RAY, and is 0 from 3600 s.
    @Test func linearDecrease() {
        let curve = PriceCurve.linearDecrease(tauSeconds: 3600)
        let top = UInt256(1000) * ray
        for step in 0..<10 {
            let price = curve.price(top: top, elapsedSeconds: UInt64(360 * step))
            #expect(price == UInt256(1000 - 100 * step) * ray, "after \(360 * step) s")
        }
        #expect(curve.price(top: top, elapsedSeconds: 3600) == .zero)
        #expect(curve.price(top: top, elapsedSeconds: 100_000) == .zero)
    }

    /// dss src/test/abaci.t.sol `test_continuous_exp_decrease`: cut 0.999230132966 RAY (a
    /// 900 s half-life), top 4000 RAY; each half-life halves the price within 0.001 RAY.
    @Test func continuousExponentialDecrease() {
        let cut = UInt256(999_230_132_966) * UInt256.powerOfTen(15)
        let curve = PriceCurve.exponentialDecrease(cut: cut)
        let top = UInt256(4000) * ray
        let tolerance = ray / UInt256(1000)
        var expected = top
        for halfLives in 0..<5 {
            let price = curve.price(top: top, elapsedSeconds: UInt64(900 * halfLives))
            let difference = price > expected ? price - expected : expected - price
            #expect(difference <= tolerance, "after \(halfLives) half-lives: \(price)")
            expected = expected / UInt256(2)
        }
    }

    /// dss src/test/abaci.t.sol `test_stairstep_exp_decrease`: for 10 minutes, each second's
    /// price equals the previous one times cut on step boundaries and is unchanged between,
    /// within 1e8 at top = 5e7 RAY and within 1 at top = 1e-7 RAY.
    @Test(arguments: [
        (UInt64(1), "11234567890000000000000000"), (UInt64(1), "21234567890000000000000000"),
        (UInt64(5), "11234567890000000000000000"), (UInt64(5), "21234567890000000000000000"),
        (UInt64(300), "11234567890000000000000000"),
    ])
    func stairstepExponentialDecrease(step: UInt64, decrease: String) throws {
        let cut = ray - (try #require(UInt256(decrease)))
        let curve = PriceCurve.stairstepExponentialDecrease(stepSeconds: step, cut: cut)
        let cases = [
            (UInt256(50_000_000) * ray, UInt256(100_000_000)),
            (ray / UInt256(10_000_000), UInt256.one),
        ]
        for (top, tolerance) in cases {
            var price = curve.price(top: top, elapsedSeconds: 0)
            #expect(price == top)
            for second in UInt64(1)..<600 {
                let last = price
                price = curve.price(top: top, elapsedSeconds: second)
                let expected = second % step == 0 ? last * cut / ray : last
                let difference = price > expected ? price - expected : expected - price
                #expect(difference <= tolerance, "step \(step), top \(top), t \(second)")
            }
        }
    }

    /// dss src/test/clip.t.sol: top 5 RAY, stairstep cut RAY − 0.01 RAY, step 1 gives
    /// 2735783211953807380973706855 after 60 s (`test_take_bid_avoids_recalculate_due_no_more_lot`)
    /// and 1830161706366147524653080130 after 100 s (`test_redo_incentive`).
    @Test func clipperVectors() {
        let curve = PriceCurve.stairstepExponentialDecrease(
            stepSeconds: 1, cut: ray - ray / UInt256(100))
        let top = UInt256(5) * ray
        #expect(
            curve.price(top: top, elapsedSeconds: 60).description
                == "2735783211953807380973706855")
        #expect(
            curve.price(top: top, elapsedSeconds: 100).description
                == "1830161706366147524653080130")
    }

    @Test func validity() {
        #expect(PriceCurve.linearDecrease(tauSeconds: 3600).isValid)
        #expect(!PriceCurve.linearDecrease(tauSeconds: 0).isValid)
        #expect(!PriceCurve.exponentialDecrease(cut: ray + .one).isValid)
        #expect(!PriceCurve.stairstepExponentialDecrease(stepSeconds: 0, cut: ray).isValid)
    }

    /// The Clipper's memo of stairstep factors gives `rpow(cut, n, RAY)` exactly, whether
    /// it computes the factor, remembers it, or (past `maxSteps`) computes it every time,
    /// with two curves' lists interleaved; its prices are the curves' own, for all three
    /// curves.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func stairstepFactorsAreRpow(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        var memo = StairstepFactors()
        let curves: [(step: UInt64, cut: UInt256)] = [
            (90, ray - ray / UInt256(100)),
            (1 + random.next(below: 120), ray - (ray >> 48) * UInt256(random.next(below: 1 << 40))),
        ]
        for _ in 0..<400 {
            let curve = curves[Int(random.next(below: 2))]
            let steps =
                random.next(below: 16) == 0
                ? StairstepFactors.maxSteps + random.next(below: 100)
                : random.next(below: 200)
            #expect(
                memo.factor(step: curve.step, cut: curve.cut, steps: steps)
                    == rpow(curve.cut, steps, .ray),
                "step \(curve.step), cut \(curve.cut), \(steps) steps")
        }
        let top = UInt256(1 + random.next(below: 10_000)) * ray
        for curve in [
            PriceCurve.stairstepExponentialDecrease(
                stepSeconds: curves[1].step, cut: curves[1].cut),
            .linearDecrease(tauSeconds: 3_600),
            .exponentialDecrease(cut: curves[1].cut),
        ] {
            for _ in 0..<20 {
                let elapsed = random.next(below: 20_000)
                #expect(
                    memo.price(curve, top: top, elapsedSeconds: elapsed)
                        == curve.price(top: top, elapsedSeconds: elapsed),
                    "\(curve) after \(elapsed) s")
            }
        }
    }

    /// A memo is not state: however much two memos hold, they are equal and hash alike, so
    /// a `MakerSystem` that has priced with one compares by its state alone.
    @Test func stairstepFactorsAreNotState() {
        var filled = StairstepFactors()
        _ = filled.factor(step: 90, cut: ray - ray / UInt256(100), steps: 12)
        #expect(filled == StairstepFactors())
        #expect(filled.hashValue == StairstepFactors().hashValue)
    }
}
