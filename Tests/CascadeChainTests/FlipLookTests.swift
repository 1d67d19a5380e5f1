import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeAgents
@testable import CascadeContracts

/// A keeper's Flipper tend (`FlipLook.tendAllowed`) against the exact rule it shortcuts:
/// `min(tab, ⌊max(0, worth) · 10¹⁸⌋ · 10²⁷)`, and no tend unless that is above the bid.
@Suite("Keeper Flipper tend")
struct FlipLookTests {
    static func look(bid: UInt256, tab: UInt256) -> FlipLook {
        FlipLook(
            MakerSystem.FlipAuction(
                ilk: MakerSystem.IlkID(rawValue: 0), bid: bid,
                lot: UInt256(50) * MakerSystem.wad, guy: Address(1), tic: 0, end: 1_000,
                usr: Address(2), gal: Address(3), tab: tab))
    }

    static func exact(worth: Double, tab: UInt256) -> UInt256 {
        min(tab, (UInt256(truncating: max(0, worth) * 1e18) ?? .zero) * MakerSystem.ray)
    }

    @Test(
        "the same tend as the exact rule, near the bid, near the tab and far from both",
        arguments: 0..<8)
    func matchesExactRule(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "flip-look")
        for _ in 0..<5_000 {
            // Tabs of 1 to 10⁷ DAI (RAD), a standing bid below the tab.
            let tabDai = 1 + random.uniformInt(below: 10_000_000)
            let tab = UInt256(tabDai) * MakerSystem.rad + UInt256(random.uniformInt(below: 1 << 60))
            let bid =
                random.bernoulli(numerator: 1, denominator: 4)
                ? UInt256.zero : tab / UInt256(2 + random.uniformInt(below: 100))
            let look = Self.look(bid: bid, tab: tab)
            // A valuation at the bid or the tab to within a few ulps, or anywhere.
            let anchor =
                random.bernoulli(numerator: 1, denominator: 2) ? look.bidValue : look.tabValue
            let worth: Double
            switch random.uniformInt(below: 4) {
            case 0:
                worth =
                    anchor / 1e45 * (1 + Double(Int(random.uniformInt(below: 21)) - 10) * 0x1p-52)
            case 1: worth = anchor / 1e45 + Double(Int(random.uniformInt(below: 5)) - 2) * 1e-18
            case 2: worth = Double(random.uniformInt(below: 20_000_000)) * random.uniform()
            default: worth = -Double(random.uniformInt(below: 100))
            }
            let exact = Self.exact(worth: worth, tab: tab)
            if let allowed = look.tendAllowed(worth: worth) {
                #expect(allowed == exact, "worth \(worth) tab \(tab) bid \(bid)")
            } else {
                #expect(exact <= bid, "worth \(worth) tab \(tab) bid \(bid)")
            }
        }
    }

    @Test("a valuation beyond 2²⁵⁶ wei bids nothing, as the conversion gives nothing")
    func hugeValuation() {
        let tab = UInt256(1_000) * MakerSystem.rad
        let look = Self.look(bid: .zero, tab: tab)
        #expect(look.tendAllowed(worth: 1e80) == .zero)
        #expect(look.tendAllowed(worth: .infinity) == .zero)
        #expect(look.tendAllowed(worth: 1e9) == tab)
    }
}
