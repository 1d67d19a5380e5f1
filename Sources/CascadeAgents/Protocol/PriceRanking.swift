import CascadeCore

/// Reporters ordered by their latest price, ascending, kept in order as prices arrive:
/// a feed transmitter decides on every observation and every block, and sorting the
/// observations each time (13 256-bit values) was 2% of a Black Thursday run. One price
/// moves per observation: it is taken out and put back in its place, found by bisection.
struct PriceRanking {
    /// Reporters with a price, by price ascending (equal prices in no particular order:
    /// only the prices are read in order).
    private(set) var reporters: [Int] = []
    private var prices: [UInt256?] = []

    /// Gives `reporter` the price `price` (its first, or a new one).
    mutating func move(_ reporter: Int, to price: UInt256) {
        if reporter >= prices.count {
            prices.append(contentsOf: repeatElement(nil, count: reporter + 1 - prices.count))
        }
        if prices[reporter] != nil, let old = reporters.firstIndex(of: reporter) {
            reporters.remove(at: old)
        }
        prices[reporter] = price
        var low = 0
        var high = reporters.count
        while low < high {
            let middle = (low + high) / 2
            if let other = prices[reporters[middle]], other < price {
                low = middle + 1
            } else {
                high = middle
            }
        }
        reporters.insert(reporter, at: low)
    }

    /// The reporters' prices in order.
    var ascendingPrices: [UInt256] {
        reporters.compactMap { prices[$0] }
    }
}
