/// Why a market cannot be built from its configuration: data errors a world file can
/// contain, each with a message that names the culprit.
public enum MarketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The correlation matrix is malformed (shape, diagonal, range, symmetry).
    case badCorrelation(String)
    /// The correlation matrix is not positive definite: the factorisation met a pivot
    /// ≤ 1e-12 at `row`.
    case notPositiveDefinite(row: Int, pivot: Double)
    /// An asset's process, shocks or table cannot be used.
    case badAsset(name: String, problem: String)
    /// Two assets share a name.
    case duplicateAsset(String)
    /// The horizon or resolution cannot be used.
    case badSampling(String)

    public var description: String {
        switch self {
        case .badCorrelation(let message):
            "market correlation: \(message)"
        case .notPositiveDefinite(let row, let pivot):
            "market correlation: the matrix is not positive definite "
                + "(pivot \(pivot) at row \(row)); no set of returns has these correlations"
        case .badAsset(let name, let problem):
            "market asset \(name): \(problem)"
        case .duplicateAsset(let name):
            "market asset \(name) is declared twice"
        case .badSampling(let message):
            "market sampling: \(message)"
        }
    }
}
