import CascadeAgents
import CascadeKernel
import Testing

/// The off-chain order book: forced selling moves the price; it recovers at a half-life.
@Suite("Market: order-book venue")
struct MarketVenueTests {
    static let linear = DepthCurve(depthAtReference: 1_000_000, referenceFraction: 0.01)
    static let thin = DepthCurve(
        depthAtReference: 1_000_000, referenceFraction: 0.02, exponent: 0.5)

    @Test("a linear book: closed-form fill")
    func linearFill() {
        let venue = OrderBookVenue(depth: Self.linear, recoveryHalfLife: .minutes(10))
        // 50 units at 200 is 10,000 USD: 1% of the 1% depth, so the mid falls 0.01%.
        let fill = venue.priceAfterSelling(50, reference: 200, at: .zero)
        #expect(abs(fill.newMid - 199.98) < 1e-12)
        #expect(abs(fill.averagePrice - 199.99) < 1e-12)
        #expect(fill.filled == 50 && fill.unfilled == 0)
    }

    @Test("selling more moves the price down monotonically, on any curve", arguments: [0.5, 1, 2])
    func monotonicSelling(exponent: Double) {
        let curve = DepthCurve(
            depthAtReference: 2_000_000, referenceFraction: 0.02, exponent: exponent)
        let venue = OrderBookVenue(depth: curve, recoveryHalfLife: .minutes(10))
        var previous = venue.priceAfterSelling(0, reference: 150, at: .zero)
        #expect(previous.newMid == 150 && previous.averagePrice == 150)
        for step in 1...200 {
            let amount = Double(step) * 50
            let fill = venue.priceAfterSelling(amount, reference: 150, at: .zero)
            #expect(fill.newMid < previous.newMid, "amount \(amount)")
            #expect(fill.averagePrice < previous.averagePrice, "amount \(amount)")
            #expect(fill.newMid <= fill.averagePrice && fill.averagePrice <= 150)
            previous = fill
        }
    }

    @Test("forced sales in a row push the mid down; buying pushes it up")
    func consecutiveSales() {
        var venue = OrderBookVenue(depth: Self.thin, recoveryHalfLife: .minutes(10))
        var mid = venue.mid(reference: 150, at: .zero)
        for second in Int64(1)...20 {
            let fill = venue.sell(500, reference: 150, at: .seconds(second))
            #expect(fill.newMid < mid, "second \(second)")
            mid = fill.newMid
        }
        let purchase = venue.buy(100, reference: 150, at: .seconds(21))
        #expect(purchase.newMid > venue.mid(reference: 150, at: .seconds(21)) - 1e-9)
        #expect(purchase.averagePrice > mid * 0.999)
    }

    @Test("recovery halves the gap to the reference in one half-life")
    func recoveryHalfLife() {
        var venue = OrderBookVenue(depth: Self.linear, recoveryHalfLife: .minutes(10))
        let fill = venue.sell(20_000, reference: 200, at: .minutes(1))
        let gap = 200 - fill.newMid
        #expect(gap > 0)
        let afterOne = venue.mid(reference: 200, at: .minutes(11))
        let afterTwo = venue.mid(reference: 200, at: .minutes(21))
        #expect(abs((200 - afterOne) - gap / 2) < 1e-9 * gap)
        #expect(abs((200 - afterTwo) - gap / 4) < 1e-9 * gap)
        // Relative to a moving reference: the displacement, not the dollar gap, halves.
        #expect(abs(venue.displacement(at: .minutes(11)) - (1 - (gap / 200) / 2)) < 1e-12)
    }

    @Test("a sale beyond the book fills down to its end and reports the rest")
    func exhaustedBook() {
        let venue = OrderBookVenue(depth: Self.linear, recoveryHalfLife: .minutes(10))
        let fill = venue.priceAfterSelling(1_000_000, reference: 100, at: .zero)
        #expect(fill.unfilled > 0)
        #expect(abs(fill.newMid - 5) < 1e-12)
        #expect(abs(fill.filled + fill.unfilled - 1_000_000) < 1e-6)
        #expect(DepthCurve(depthAtReference: 0, referenceFraction: 0.01).problem != nil)
    }
}
