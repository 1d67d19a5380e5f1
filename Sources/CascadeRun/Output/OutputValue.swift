/// One value in an output file: a CSV cell, or a scalar in JSON.
///
/// The cases say how the value is printed, so the same value prints the same in every
/// file: integers plainly, exact decimals as canonical decimal text (see `DecimalText`),
/// measurements by `OutputNumberFormat`, and `absent` as an empty cell (a block where an
/// event never happened) or JSON `null`.
package enum OutputValue: Hashable, Sendable {
    case absent
    case integer(Int)
    case unsigned(UInt64)
    /// An exact decimal in human units (`5670000.25` DAI), or base units at scale 0.
    case decimal(DecimalText)
    /// An off-chain measurement (seconds of lag, a ratio); never money on chain.
    case double(Double)
    case text(String)
    case boolean(Bool)

    /// `baseUnits / 10^scale` as an exact decimal.
    package static func decimal(_ baseUnits: UInt128, scale: Int) -> OutputValue {
        .decimal(DecimalText(baseUnits, scale: scale))
    }

    /// `baseUnits / 10^scale`, signed.
    package static func decimal(signed baseUnits: Int128, scale: Int) -> OutputValue {
        .decimal(DecimalText(signed: baseUnits, scale: scale))
    }

    /// An optional value: `absent` when nil.
    package static func optional<T>(_ value: T?, _ make: (T) -> OutputValue) -> OutputValue {
        value.map(make) ?? .absent
    }

    /// The printed form in a CSV cell, before quoting; nil when the cell is empty.
    var plainText: String? {
        switch self {
        case .absent: nil
        case .integer(let value): String(value)
        case .unsigned(let value): String(value)
        case .decimal(let value): value.text
        case .double(let value): OutputNumberFormat.text(value)
        case .text(let value): value
        case .boolean(let value): value ? "true" : "false"
        }
    }
}
