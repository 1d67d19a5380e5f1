import CascadeCore

/// A figure of `runs.csv` read back exactly: a sign, a 256-bit magnitude and a decimal
/// scale, parsed from the text without floating point. Exponent forms (`1e-05`, which
/// measurements may print) are accepted. Ordered by value, so nearest-rank percentiles
/// pick observed values.
struct SweepDecimal: Comparable {
    var negative: Bool
    var magnitude: UInt256
    /// Digits after the point.
    var scale: Int
    /// The text as read: percentiles are written as the observed text.
    var text: String

    /// The largest scale kept; a measurement finer than 10^-60 does not occur in outputs.
    static let maximumScale = 60

    init?(_ text: String) {
        var body = Substring(text)
        negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(body[body.index(after: e)...]) else { return nil }
            exponent = value
            body = body[..<e]
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard let digits = UInt256(String(parts[0]) + String(fraction)) else { return nil }
        var scale = fraction.count - exponent
        var magnitude = digits
        if scale < 0 {
            guard -scale <= 77 else { return nil }
            let (scaled, overflow) = magnitude.multipliedReportingOverflow(
                by: UInt256.powerOfTen(-scale))
            guard !overflow else { return nil }
            magnitude = scaled
            scale = 0
        }
        guard scale <= Self.maximumScale else { return nil }
        self.magnitude = magnitude
        self.scale = scale
        self.text = text
        if magnitude.isZero { negative = false }
    }

    /// The magnitude at a larger scale; nil on overflow.
    func magnitude(atScale target: Int) -> UInt256? {
        precondition(target >= scale, "scale can only grow")
        let (value, overflow) = magnitude.multipliedReportingOverflow(
            by: UInt256.powerOfTen(target - scale))
        return overflow ? nil : value
    }

    static func < (lhs: SweepDecimal, rhs: SweepDecimal) -> Bool {
        if lhs.negative != rhs.negative { return lhs.negative }
        let scale = max(lhs.scale, rhs.scale)
        // Values here are far below 2^256 / 10^60, so alignment never overflows; if it
        // did, the larger magnitude is the one that overflowed.
        let left = lhs.magnitude(atScale: scale) ?? .max
        let right = rhs.magnitude(atScale: scale) ?? .max
        return lhs.negative ? right < left : left < right
    }

    static func == (lhs: SweepDecimal, rhs: SweepDecimal) -> Bool {
        !(lhs < rhs) && !(rhs < lhs)
    }

    /// The mean of `values`, exact up to its last digit: the sum is taken exactly in
    /// 256-bit integers at the largest scale among the values, divided by the count, and
    /// rounded half to even at the 18th decimal (trailing zeros trimmed). Nil for no values
    /// or, impossibly for Cascade's figures, a sum beyond 256 bits.
    static func mean(_ values: [SweepDecimal]) -> String? {
        guard !values.isEmpty else { return nil }
        let scale = values.map(\.scale).max() ?? 0
        var positive = UInt256.zero
        var negativeSum = UInt256.zero
        for value in values {
            guard let aligned = value.magnitude(atScale: scale) else { return nil }
            let (sum, overflow) =
                value.negative
                ? negativeSum.addingReportingOverflow(aligned)
                : positive.addingReportingOverflow(aligned)
            guard !overflow else { return nil }
            if value.negative { negativeSum = sum } else { positive = sum }
        }
        let isNegative = negativeSum > positive
        var total = isNegative ? negativeSum - positive : positive - negativeSum
        let outputScale = 18
        var divisor = UInt256(values.count)
        if scale < outputScale {
            let (scaled, overflow) = total.multipliedReportingOverflow(
                by: UInt256.powerOfTen(outputScale - scale))
            guard !overflow else { return nil }
            total = scaled
        } else if scale > outputScale {
            let (scaled, overflow) = divisor.multipliedReportingOverflow(
                by: UInt256.powerOfTen(scale - outputScale))
            guard !overflow else { return nil }
            divisor = scaled
        }
        var (quotient, remainder) = total.quotientAndRemainder(dividingBy: divisor)
        let twice = remainder + remainder
        if twice > divisor || (twice == divisor && quotient.low & 1 == 1) {
            quotient += .one
        }
        return DecimalText(quotient, scale: outputScale, negative: isNegative).text
    }
}

/// The statistics of one figure over a point's seeds, as `points.csv` writes them: the
/// mean (exact, rounded at the 18th decimal) and the nearest-rank p5, p50 and p95 (each an
/// observed value, written as observed). Empty cells (a delay in a run without
/// liquidations) are left out; with none left, every statistic is empty.
enum SweepStatistics {
    static let names = ["mean", "p5", "p50", "p95"]

    static func row(_ texts: [String]) -> [OutputValue] {
        let values = texts.compactMap { SweepDecimal($0) }
        guard !values.isEmpty else {
            return names.map { _ in .absent }
        }
        let percentiles = Percentiles(values)
        var row: [OutputValue] = [
            SweepDecimal.mean(values).flatMap { DecimalText(text: $0) }.map { .decimal($0) }
                ?? .absent
        ]
        for percent in [5, 50, 95] {
            row.append(percentiles.value(atPercent: percent).map { .text($0.text) } ?? .absent)
        }
        return row
    }
}
