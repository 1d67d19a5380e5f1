import CascadeContracts
import CascadeCore
import Testing

@testable import CascadeRun

@Suite("Trace text of calls")
struct TraceTextTests {
    @Test("calls print as case(label: value) with no module or type names")
    func calls() {
        let take = ProtocolState.Call.maker(
            .take(
                auction: MakerSystem.AuctionID(rawValue: 49), amt: 5 * .wad, max: .ray,
                who: Address(0x1f4), flash: false))
        #expect(
            TraceText.describe(take)
                == "maker(take(auction: 49, amt: 5000000000000000000, "
                + "max: 1000000000000000000000000000, who: 0x1f4, flash: false))")
        #expect(TraceText.describe(ProtocolState.Call.osmPoke(osm: 0)) == "osmPoke(osm: 0)")
        #expect(!TraceText.describe(take).contains("Cascade"))
    }
}
