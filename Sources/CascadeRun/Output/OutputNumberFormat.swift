/// How off-chain measurements in `Double` are printed in every output file.
///
/// The format is Swift's `Double.description`: the shortest decimal that reads back as the
/// same `Double` (so nothing is lost and nothing is invented), independent of the host's
/// locale. It uses a plain form for magnitudes from 1e-4 to 2^53 (`0.00012`, `13.5`, `2.0`),
/// an exponent outside them (`1e-05`, `2.5e-07`, `1e+16`); every form is a valid JSON
/// number and is read as a float by pandas, R and spreadsheets. Two adjustments: `-0.0`
/// prints as `0.0`, and non-finite values (NaN, ±infinity) have no number form and are
/// written as absent (an empty CSV cell, JSON `null`).
///
/// On-chain amounts never come here: they are `DecimalText`.
package enum OutputNumberFormat {
    /// The text of a finite `value`, or nil for NaN and infinities.
    package static func text(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        return value == 0 ? "0.0" : value.description
    }
}
