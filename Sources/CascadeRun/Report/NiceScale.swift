/// Axis ticks at "nice" values: steps of 1, 2 or 5 times a power of ten, and a domain
/// widened to whole steps, so a reader can interpolate between labels at a glance.
///
/// `NiceScale(minimum: 0.3, maximum: 97, targetTickCount: 5)` steps by 20 from 0 to 100.
/// Labels are exact (a tick is an integer multiple of the step, printed as an exact
/// decimal, never `0.30000000000000004`) and shortened with a suffix: thousands (`k`) from
/// 10 000, then millions (`M`), billions (`B`) and trillions (`T`) from one of each, so
/// `20k`, `2.5M`, `1B` (the largest tick decides the suffix for all).
///
/// Everything is computed with plain IEEE arithmetic and integer loops (no `log10`, no
/// `pow`), so the same data gives the same ticks on every machine.
package struct NiceScale: Hashable, Sendable {
    /// The first and last tick: the domain the axis shows.
    package let lower: Double
    package let upper: Double
    /// The step is `stepMantissa · 10^stepExponent`, with a mantissa of 1, 2 or 5.
    package let stepMantissa: Int
    package let stepExponent: Int
    /// Tick `i` is at `(firstTickIndex + i) · step`.
    let firstTickIndex: Int
    let tickCount: Int

    /// Ticks covering `minimum...maximum` with about `targetTickCount` intervals. A single
    /// value is widened to a range around it; non-finite bounds give 0...1.
    ///
    /// With `extendsToTicks` (the default, for value axes) the domain grows to the ticks
    /// around the data, so the top gridline sits above the highest value. Without it (time
    /// axes) the domain is the data's own range and only the ticks inside it are kept, so a
    /// 72-hour run is not drawn on an 80-hour axis.
    package init(
        minimum: Double, maximum: Double, targetTickCount: Int = 5, extendsToTicks: Bool = true
    ) {
        precondition(targetTickCount >= 1, "at least one interval")
        var low = minimum.isFinite ? minimum : 0
        var high = maximum.isFinite ? maximum : 1
        if low > high { swap(&low, &high) }
        if low == high {
            let pad = low == 0 ? 1 : abs(low) / 10
            low -= pad
            high += pad
            if minimum >= 0 && low < 0 { low = 0 }
        }
        let (mantissa, exponent) = NiceScale.niceStep(
            rawStep: (high - low) / Double(targetTickCount))
        let step = Double(mantissa) * NiceScale.powerOfTen(exponent)
        // A small tolerance keeps 0.30000000000000004 from opening a tick of its own.
        self.stepMantissa = mantissa
        self.stepExponent = exponent
        if extendsToTicks {
            let first = Int((low / step + 1e-9).rounded(.down))
            let last = Int((high / step - 1e-9).rounded(.up))
            self.firstTickIndex = first
            self.tickCount = max(last - first, 1) + 1
            self.lower = Double(first) * step
            self.upper = Double(first + tickCount - 1) * step
        } else {
            let first = Int((low / step - 1e-9).rounded(.up))
            let last = Int((high / step + 1e-9).rounded(.down))
            self.firstTickIndex = first
            self.tickCount = max(last - first + 1, 0)
            self.lower = low
            self.upper = high
        }
    }

    package var step: Double { Double(stepMantissa) * NiceScale.powerOfTen(stepExponent) }

    /// The tick values, ascending.
    package var ticks: [Double] {
        (0..<tickCount).map { Double((firstTickIndex + $0) * stepMantissa) * scaleFactor }
    }

    /// The tick labels, one per tick, sharing one suffix rule.
    package var labels: [String] {
        let largest = max(abs(lower), abs(upper))
        var suffixPower = 0
        for (power, threshold) in [(12, 1e12), (9, 1e9), (6, 1e6), (3, 1e4)]
        where largest >= threshold {
            suffixPower = power
            break
        }
        let suffix =
            switch suffixPower {
            case 3: "k"
            case 6: "M"
            case 9: "B"
            case 12: "T"
            default: ""
            }
        return (0..<tickCount).map { index in
            let multiple = Int128((firstTickIndex + index) * stepMantissa)
            let exponent = stepExponent - suffixPower
            let text: String
            if multiple == 0 {
                return "0"
            } else if exponent > 18 {
                text = "\(multiple)e\(exponent)"
            } else if exponent >= 0 {
                text =
                    DecimalText(
                        signed: multiple * Int128(NiceScale.integerPowerOfTen(exponent)), scale: 0
                    ).text
            } else {
                text = DecimalText(signed: multiple, scale: -exponent).text
            }
            return text + suffix
        }
    }

    private var scaleFactor: Double { NiceScale.powerOfTen(stepExponent) }

    /// The 1-2-5 step at or above `rawStep`.
    static func niceStep(rawStep: Double) -> (mantissa: Int, exponent: Int) {
        guard rawStep.isFinite && rawStep > 0 else { return (1, 0) }
        var exponent = 0
        var fraction = rawStep
        while fraction >= 10 {
            fraction /= 10
            exponent += 1
        }
        while fraction < 1 {
            fraction *= 10
            exponent -= 1
        }
        switch fraction {
        case ...1.0000001: return (1, exponent)
        case ...2.0000001: return (2, exponent)
        case ...5.0000001: return (5, exponent)
        default: return (1, exponent + 1)
        }
    }

    /// 10^exponent by repeated multiplication (exact up to 10^22).
    static func powerOfTen(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<abs(exponent) { value *= 10 }
        return exponent >= 0 ? value : 1 / value
    }

    static func integerPowerOfTen(_ exponent: Int) -> Int {
        var value = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
