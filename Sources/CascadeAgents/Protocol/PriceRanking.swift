import CascadeCore

/// Reporters ordered by their latest price, ascending, kept in order as prices arrive:
/// a feed transmitter decides on every observation and every block, and sorting the
/// observations each time (13 256-bit values) was 2% of a Black Thursday run. One price
/// moves per observation: its reporter slides to its new place (`move`).
struct PriceRanking {
    /// Reporters with a price, by price ascending (equal prices in no particular order:
    /// only the prices are read in order).
    private(set) var reporters: [Int] = []
    private var prices: [UInt256?] = []

    /// Gives `reporter` the price `price` (its first, or a new one).
    ///
    /// A new price slides its reporter from where it stood, past the neighbours it now
    /// passes: one pass over the places it moves by, where taking it out and inserting it
    /// shifted the list twice. (Each observation's noise moves a reporter several places
    /// among 13 in the world bench, so the slide is no shorter than a bisection; its gain
    /// is the one shift.)
    mutating func move(_ reporter: Int, to price: UInt256) {
        if reporter >= prices.count {
            prices.append(contentsOf: repeatElement(nil, count: reporter + 1 - prices.count))
        }
        let hadPrice = prices[reporter] != nil
        prices[reporter] = price
        guard hadPrice, var position = reporters.firstIndex(of: reporter) else {
            reporters.insert(reporter, at: lowerBound(price))
            return
        }
        let prices = self.prices
        reporters.withUnsafeMutableBufferPointer { reporters in
            while position > 0, let below = prices[reporters[position - 1]], price < below {
                reporters[position] = reporters[position - 1]
                position -= 1
            }
            while position + 1 < reporters.count, let above = prices[reporters[position + 1]],
                above < price
            {
                reporters[position] = reporters[position + 1]
                position += 1
            }
            reporters[position] = reporter
        }
    }

    /// The first place in `reporters` whose price is not below `price` (by halves).
    private func lowerBound(_ price: UInt256) -> Int {
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
        return low
    }

    /// The price at `rank` (from 0, ascending), if there is one.
    func price(atRank rank: Int) -> UInt256? {
        reporters.indices.contains(rank) ? prices[reporters[rank]] : nil
    }

    /// The reporters' prices in order.
    var ascendingPrices: [UInt256] {
        reporters.compactMap { prices[$0] }
    }
}
