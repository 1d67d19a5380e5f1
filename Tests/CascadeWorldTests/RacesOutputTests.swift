import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel
import CascadeTestSupport
import Foundation
import Testing

@testable import CascadeRun

/// `races.csv`, the race lines of `events.jsonl` and the race figures of `summary.json` for
/// a small hand-built run, against golden files in `Tests/Fixtures/race-run/` (which the
/// `cascade races` end-to-end tests read too). Re-record with `RECORD_GOLDEN=1` and review
/// the diff like code.
@Suite("races output", .serialized)
struct RacesOutputTests {
    static let goldenFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/race-run").path

    /// The Clipper scenario of the ledger tests, then a Flipper-free tail: A liquidated by
    /// keeper 2, D recovered, B open.
    static func play() throws -> RaceFixture {
        var fixture = RaceFixture()
        fixture.playOpening()
        let auction = try #require(fixture.state.maker.liveAuctionIDs.first)
        fixture.block(
            at: 7_212, market: 125,
            [
                RaceFixture.take(auction, amount: 10 * .wad),
                .init(
                    sender: RaceFixture.vaultD,
                    calls: [.maker(.frob(ilk: fixture.ilk, dink: .plus(10 * .wad), dart: .zero))]),
            ])
        fixture.block(at: 7_224, market: 85)
        return fixture
    }

    /// Writes the run's race files into `path`: races.csv, events.jsonl (race lines),
    /// blocks.csv (block, time, market and oracle price) and summary.json.
    static func write(_ fixture: RaceFixture, to path: String) throws {
        let folder = try RunFolder(path: path)
        let races = fixture.ledger.races()
        try RaceTable.write(races, to: folder)
        try AuctionTable.write(races, to: folder) { _ in ("ETH-A", "ETH") }
        let trace = try folder.jsonLines(named: "events.jsonl")
        for block in fixture.notes {
            for note in block { try trace.write(RaceTable.traceLine(note)) }
        }
        let blocks = try folder.csv(
            named: "blocks.csv", header: ["block", "time_ms", "price_ETH", "oracle_ETH"])
        for (result, market) in zip(fixture.results, fixture.markets) {
            try blocks.writeRow([
                .unsigned(result.input.number), .integer(Int(result.input.time.milliseconds)),
                wad(market), wad(fixture.oracles[Int(result.input.number) - 1]),
            ])
        }
        let summary = RaceTable.summary(races: races, totals: fixture.ledger.totals)
        try folder.write(
            OutputJSON.object(summary).serialized(.pretty) + "\n", named: "summary.json")
        try folder.commit()
    }

    static func wad(_ value: UInt256) -> OutputValue {
        DecimalText(text: value.decimalString(scale: 18)).map { .decimal($0) } ?? .absent
    }

    static let files = ["races.csv", "auctions.csv", "events.jsonl", "blocks.csv", "summary.json"]

    @Test("races.csv, race trace lines and summary figures match the golden run")
    func golden() throws {
        let path = makeScratchFolder("races-golden")
        try Self.write(try Self.play(), to: path)
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try? FileManager.default.createDirectory(
                atPath: Self.goldenFolder, withIntermediateDirectories: true)
            for name in Self.files {
                try? FileManager.default.removeItem(atPath: Self.goldenFolder + "/" + name)
                try FileManager.default.copyItem(
                    atPath: path + "/" + name, toPath: Self.goldenFolder + "/" + name)
            }
        }
        for name in Self.files {
            let written = try #require(contents(path + "/" + name), "\(name) written")
            let golden = contents(Self.goldenFolder + "/" + name)
            #expect(written == golden, "\(name) differs from Tests/Fixtures/race-run/\(name)")
        }
    }

    @Test("a rerun writes byte-identical files")
    func rerun() throws {
        let first = makeScratchFolder("races-rerun-1")
        let second = makeScratchFolder("races-rerun-2")
        try Self.write(try Self.play(), to: first)
        try Self.write(try Self.play(), to: second)
        for name in Self.files {
            #expect(contents(first + "/" + name) == contents(second + "/" + name), "\(name)")
        }
    }

    @Test("the header is INTERFACE.md's, in order")
    func header() throws {
        let path = makeScratchFolder("races-header")
        try Self.write(try Self.play(), to: path)
        let text = try #require(contents(path + "/races.csv"))
        #expect(
            text.hasPrefix(
                "position,protocol,unsafe_block,liquidatable_block,first_attempt_block,"
                    + "liquidated_block,attempts,keepers,winner,winning_gas_price_wei,"
                    + "failed_attempts,failed_fees_wei,outcome,debt,proceeds,shortfall,"
                    + "incentive\n"))
    }

    @Test("the headline's race rows say what recovered means and how far each open race got")
    func headlineRaceRows() throws {
        // The whole run: A liquidated, D recovered, B unsafe at the market only.
        let played = ProtocolRun.raceRows(try Self.play().ledger.races())
        #expect(played.map(\.0) == ["races", "", ""])
        #expect(
            played.map(\.1) == [
                "3: 1 liquidated, 0 bad debt, 1 recovered, 1 open",
                "recovered: safe again before anyone liquidated them",
                "open at the end: 1 unsafe at the market price only",
            ])
        // Stopped after the opening: A's auction still runs, D is liquidatable on chain
        // and nobody has barked; nothing recovered, so no line explains it.
        var opening = RaceFixture()
        opening.playOpening()
        #expect(
            ProtocolRun.raceRows(opening.ledger.races()).map(\.1) == [
                "2: 0 liquidated, 0 bad debt, 0 recovered, 2 open",
                "open at the end: 1 with a liquidation under way, "
                    + "1 liquidatable on chain, not liquidated",
            ])
        #expect(
            ProtocolRun.raceRows([]).map(\.1) == [
                "0: 0 liquidated, 0 bad debt, 0 recovered, 0 open"
            ])
    }

    @Test("summary percentiles are nearest-rank over the races")
    func summary() throws {
        let fixture = try Self.play()
        let summary = RaceTable.summary(
            races: fixture.ledger.races(), totals: fixture.ledger.totals)
        #expect(summary["liquidations"] == .integer(1))
        #expect(summary["zero_bid_auctions"] == .integer(0))
        #expect(summary["bad_debt"] == .decimal(DecimalText(0)))
        guard case .object(let delay)? = summary["liquidation_delay_blocks"] else {
            Issue.record("no liquidation_delay_blocks")
            return
        }
        #expect(delay["p50"] == .integer(3) && delay["max"] == .integer(3))
    }

    @Test(
        "a timeline's prices: WAD to six decimals, rounded half up, carrying through nines",
        arguments: [
            ("148572276364289507328", "148.572276"),  // …276|364: down
            ("168197070795636342784", "168.197071"),  // …070|795: up
            ("134000000000000000000", "134"),
            ("999999999999500000000", "1000"),  // the carry reaches a new digit
            ("500000000000", "0.000001"),  // half of the last kept digit rounds up
            ("499999999999", "0"),
            ("7", "0"), ("0", "0"), ("", ""), ("n/a", "n/a"),
        ])
    func timelinePrice(wad: String, shown: String) {
        #expect(RaceTimeline.price(wad) == shown)
    }

    @Test(
        "a timeline's prices from blocks.csv: decimals to six, as the trace's WADs",
        arguments: [
            ("148.572276364289507328", "148.572276"),
            ("168.197070795636342784", "168.197071"),
            ("195.21", "195.21"), ("134", "134"), ("0.0000005", "0.000001"),
            ("999.9999995", "1000"), ("", ""), ("n/a", "n/a"), ("1.2.3", "1.2.3"),
            ("-1.5", "-1.5"), (".5", ".5"),
        ])
    func timelinePriceFromBlocks(decimal: String, shown: String) {
        #expect(RaceTimeline.price(decimal: decimal) == shown)
    }

    @Test("a WAD shown from the trace and its decimal shown from blocks.csv agree")
    func timelinePricesAgree() {
        // blocks.csv writes a WAD price with `decimalString(scale: 18)`.
        var random = SplitMix64(state: 7)
        for _ in 0..<2_000 {
            let wad =
                UInt256(random.next() >> (random.next() % 64)) * UInt256(random.next() % 1000 + 1)
            let decimal = wad.decimalString(scale: 18)
            #expect(RaceTimeline.price(decimal: decimal) == RaceTimeline.price(wad.description))
        }
    }
}
