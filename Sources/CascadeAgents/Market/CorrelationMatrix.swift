/// A correlation matrix between assets' diffusion shocks, and its Cholesky factor.
///
/// Correlated shocks are `z = L·ε`, where `ε` holds independent standard normals and `L`
/// is the lower-triangular Cholesky factor (`L·Lᵀ = C`). Then `Var(z_i) = 1` and
/// `Cov(z_i, z_j) = C_ij`.
///
/// Because `L` is lower-triangular, `z_i` depends only on `ε_1 … ε_i`: each asset draws its
/// own `ε` from its own stream, so appending an asset changes no earlier asset's path.
///
/// ```swift
/// let matrix = try CorrelationMatrix(rows: [[1, 0.8], [0.8, 1]])
/// let shocks = matrix.correlate([0.3, -1.2])
/// ```
///
/// Factoring is O(n³) once; `correlate` is O(n²) per step.
public struct CorrelationMatrix: Hashable, Sendable {
    /// The matrix as given (row-major), symmetric with a unit diagonal.
    public let rows: [[Double]]
    /// The lower-triangular Cholesky factor, row-major (entries above the diagonal are 0).
    public let factor: [[Double]]

    /// The identity: independent assets.
    public static func independent(count: Int) -> CorrelationMatrix {
        let rows = (0..<count).map { i in (0..<count).map { j in i == j ? 1.0 : 0.0 } }
        return CorrelationMatrix(uncheckedRows: rows, factor: rows)
    }

    private init(uncheckedRows rows: [[Double]], factor: [[Double]]) {
        self.rows = rows
        self.factor = factor
    }

    /// Checks `rows` (square, symmetric to 1e-12, unit diagonal, entries in [−1, 1]) and
    /// factors it.
    ///
    /// Throws `MarketError.badCorrelation` for a malformed matrix and
    /// `MarketError.notPositiveDefinite` when the factorisation meets a pivot ≤ 1e-12 —
    /// for example three assets with pairwise correlations 0.9, 0.9 and −0.9, which no
    /// real returns can have.
    public init(rows: [[Double]]) throws(MarketError) {
        let count = rows.count
        for (i, row) in rows.enumerated() {
            guard row.count == count else {
                throw .badCorrelation("row \(i) has \(row.count) entries, expected \(count)")
            }
            guard row[i] == 1 else {
                throw .badCorrelation("diagonal entry \(i) is \(row[i]), expected 1")
            }
            for j in 0..<count {
                guard row[j] >= -1 && row[j] <= 1 else {
                    throw .badCorrelation("entry (\(i), \(j)) = \(row[j]) is outside [-1, 1]")
                }
                guard abs(row[j] - rows[j][i]) <= 1e-12 else {
                    throw .badCorrelation("entries (\(i), \(j)) and (\(j), \(i)) differ")
                }
            }
        }
        self.rows = rows
        self.factor = try Self.cholesky(rows)
    }

    /// The Cholesky–Banachiewicz factorisation, row by row.
    static func cholesky(_ matrix: [[Double]]) throws(MarketError) -> [[Double]] {
        let count = matrix.count
        var lower = Array(repeating: Array(repeating: 0.0, count: count), count: count)
        for i in 0..<count {
            for j in 0...i {
                var sum = matrix[i][j]
                for k in 0..<j {
                    sum -= lower[i][k] * lower[j][k]
                }
                if i == j {
                    // A pivot at or near zero means the matrix is not positive definite (or
                    // is singular: two assets perfectly correlated). Refuse rather than
                    // divide by a rounding error.
                    guard sum > 1e-12 else { throw .notPositiveDefinite(row: i, pivot: sum) }
                    lower[i][i] = sum.squareRoot()
                } else {
                    lower[i][j] = sum / lower[j][j]
                }
            }
        }
        return lower
    }

    /// The number of assets.
    public var count: Int { rows.count }

    /// `L·ε`: correlated standard normals from independent ones.
    public func correlate(_ independent: [Double]) -> [Double] {
        precondition(independent.count == count, "one independent shock per asset")
        var result = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var sum = 0.0
            for k in 0...i {
                sum += factor[i][k] * independent[k]
            }
            result[i] = sum
        }
        return result
    }
}
