/// Test fixtures for the market: historical tables as plain numbers.
public enum MarketFixtures {
    /// ETH/USD hourly bars of Black Thursday, 2020-03-12 UTC: `(hour, open, high, low,
    /// close)`.
    ///
    /// Source: /work/shared/HISTORY.md §1, "Market path, hourly" — CoinAPI 10-minute OHLC
    /// aggregated to hours, as used by the StableSims study (confidence H as data). The
    /// numbers are facts, copied as published.
    public static let blackThursdayETH:
        [(hour: Int, open: Double, high: Double, low: Double, close: Double)] = [
            (0, 195.21, 195.43, 192.17, 193.55),
            (1, 193.59, 193.68, 184.01, 184.71),
            (2, 184.52, 186.98, 182.38, 183.78),
            (3, 183.44, 185.05, 181.17, 182.84),
            (4, 182.84, 182.84, 179.21, 181.21),
            (5, 181.29, 181.79, 179.78, 181.39),
            (6, 181.52, 181.52, 171.14, 173.46),
            (7, 173.44, 173.68, 167.11, 171.36),
            (8, 171.11, 171.93, 166.01, 169.32),
            (9, 168.78, 169.94, 167.12, 167.22),
            (10, 167.46, 168.20, 124.05, 133.75),
            (11, 132.85, 148.95, 127.73, 136.37),
            (12, 136.95, 142.66, 135.17, 137.24),
            (13, 137.92, 140.09, 126.03, 134.59),
            (14, 135.20, 145.99, 133.37, 141.28),
            (15, 139.99, 141.56, 137.21, 141.13),
            (16, 141.13, 142.07, 134.31, 138.75),
            (17, 138.90, 145.41, 138.30, 141.81),
            (18, 141.82, 142.78, 136.66, 137.03),
            (19, 137.33, 139.47, 136.63, 137.45),
            (20, 137.62, 138.23, 123.60, 128.34),
            (21, 128.51, 131.81, 123.92, 130.20),
            (22, 130.02, 133.90, 125.81, 126.56),
            (23, 126.90, 126.90, 101.01, 107.52),
        ]

    /// Pearson correlation of two equal-length samples.
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count && x.count > 1, "two samples of equal length")
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n
        let meanY = y.reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for index in x.indices {
            let dx = x[index] - meanX
            let dy = y[index] - meanY
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Sample mean and (unbiased) variance.
    public static func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
        precondition(values.count > 1, "moments need two values")
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        var sum = 0.0
        for value in values {
            sum += (value - mean) * (value - mean)
        }
        return (mean, sum / (n - 1))
    }
}
