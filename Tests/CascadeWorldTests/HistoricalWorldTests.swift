import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeTestSupport
import CascadeWorld
import Foundation
import Testing

/// The Black Thursday worlds carry HISTORY.md §1's documented inputs exactly, and the new
/// protocol keys refuse bad values with their JSON path (and the data file's line).
@Suite("World files: historical worlds")
struct HistoricalWorldTests {
    static let folder = CLIRunner.packageRoot.appendingPathComponent("worlds").path

    func load(_ name: String, _ overrides: [String] = []) throws -> ProtocolWorldConfiguration {
        let world = try World.load(path: Self.folder + "/\(name).json", overrides: overrides)
        guard case .protocol(let configuration) = world.model else {
            throw WorldError(file: name, message: "not a protocol world")
        }
        return configuration
    }

    func flipTerms(_ configuration: ProtocolWorldConfiguration) -> MakerSystem.FlipTerms? {
        guard case .flip(let terms) = configuration.collaterals[0].liquidation else { return nil }
        return terms
    }

    @Test("black-thursday-2020 holds HISTORY.md §1's ETH-A parameters")
    func blackThursdayInputs() throws {
        let configuration = try load("black-thursday-2020")
        #expect(configuration.chain.market == .legacy)
        #expect(configuration.chain.production == .proofOfWork(meanInterval: .milliseconds(13_200)))
        #expect(configuration.chain.gasLimits.initial == 10_000_000)
        let terms = try #require(flipTerms(configuration))
        #expect(terms.chop == UInt256("1130000000000000000")!)  // 13% penalty
        #expect(terms.lump == UInt256("50000000000000000000")!)  // 50 ETH
        #expect(terms.beg == UInt256("1030000000000000000")!)  // 3%
        #expect(terms.ttl == 600 && terms.tau == 3 * 86_400)
        let ilk = configuration.collaterals[0]
        #expect(ilk.matPercent == 150 && ilk.hopSeconds == 3_600 && ilk.dust == 20)
        #expect(ilk.operators == 13 && ilk.quorum == 13)
        #expect(ilk.transmitter.gas.ceiling == .gwei(100))
        guard case .historical(let anchors) = configuration.market.assets[0].model else {
            Issue.record("ETH should replay the hourly table")
            return
        }
        #expect(anchors.bars.count == 24 && anchors.period == .hours(1))
        #expect(anchors.bars[0].open == 195.21 && anchors.bars[23].low == 101.01)
        #expect(anchors.bars[23].close == 107.52)
        #expect(configuration.demand?.schedule.steps.count == 24)
        #expect(configuration.borrowers.debtTotal == 100_000_000)
        #expect(
            configuration.keepers.map(\.name) == [
                "bidder-0", "bidder-1", "bidder-2", "bidder-3", "bidder-4", "opportunist-0",
            ])
        let opportunist = configuration.keepers[5]
        #expect(opportunist.opportunistWait == .minutes(5))
        #expect(opportunist.gas.strategy == .fixed(.legacy(gasPrice: .gwei(300))))
        #expect(Set(configuration.keepers.map(\.address)).count == 6)
    }

    @Test("auction_recheck_max sets a keeper's attentiveness; 10 minutes when absent")
    func recheckLimit() throws {
        // One entry of five takers: the key reaches all of them.
        let world = try load(
            "black-thursday-2020-clipper", ["protocol.keepers[0].auction_recheck_max=\"2h\""])
        #expect(world.keepers.count == 5)
        #expect(world.keepers.allSatisfy { $0.auctionRecheckLimit == .hours(2) })
        #expect(world.keepers[4].auctionBackoff(after: 7) == .hours(2))
        let plain = try load("black-thursday-2020-clipper")
        #expect(plain.keepers.allSatisfy { $0.auctionRecheckLimit == .minutes(10) })
        #expect(plain.keepers[0].auctionBackoff(after: 5) == .minutes(10))
    }

    @Test("the spell and Clipper counterfactuals change only what they say")
    func counterfactuals() throws {
        let spell = try #require(flipTerms(try load("black-thursday-2020-spell")))
        #expect(spell.ttl == 6 * 3_600 && spell.tau == 6 * 3_600)
        #expect(spell.lump == UInt256("500000000000000000000")!)
        let clipper = try load("black-thursday-2020-clipper")
        guard case .clip(let terms) = clipper.collaterals[0].liquidation else {
            Issue.record("expected Clipper terms")
            return
        }
        #expect(terms.buf == UInt256("1200000000000000000000000000")!)
        #expect(terms.tail == 3 * 3_600 && terms.tip == UInt256(100 as UInt64) * .rad)
        #expect(
            terms.calc
                == .stairstepExponentialDecrease(
                    stepSeconds: 90, cut: UInt256("990000000000000000000000000")!))
        #expect(clipper.collaterals[0].poolCollateral > 0)
    }

    @Test(
        "bad historical and protocol keys name their path",
        arguments: [
            ("duration=25h", "protocol.market.assets[0].model"),
            (
                "protocol.market.assets[0].model.data=\"data/nope.csv\"",
                "protocol.market.assets[0].model.data"
            ),
            ("protocol.collaterals[0].flipper.dunk=5000", "protocol.collaterals[0].flipper.dunk"),
            ("protocol.collaterals[0].flipper.ttl=\"1.5s\"", "protocol.collaterals[0].flipper.ttl"),
            ("protocol.collaterals[0].flipper.beg=\"300%\"", "protocol.collaterals[0].flipper.beg"),
            ("protocol.collaterals[0].clipper={}", "protocol.collaterals[0].clipper"),
            ("protocol.keepers[1].colour=1", "protocol.keepers[1].colour"),
            ("protocol.keepers[0].name=\"a b\"", "protocol.keepers[0].name"),
            (
                "protocol.keepers[0].strategy.kind=\"market_multipel\"",
                "protocol.keepers[0].strategy.kind"
            ),
            ("protocol.borrowers.debt_total=0", "protocol.borrowers.debt_total"),
            (
                "protocol.keepers[0].auction_recheck_max=\"30s\"",
                "protocol.keepers[0].auction_recheck_max"
            ),
            ("protocol.osm_poker.gas_ceiling=7", "protocol.osm_poker.gas_ceiling"),
            // The arbitrageur trades the collateral's pool: none is bad input (it trapped).
            ("protocol.collaterals[0].pool_collateral=0", "protocol.arbitrageurs.count"),
        ])
    func badKeys(override: String, path: String) {
        do {
            _ = try load("black-thursday-2020", [override])
            Issue.record("\(override) was accepted")
        } catch let error as WorldError {
            #expect(error.path.hasPrefix(path), "\(override): \(error)")
        } catch {
            Issue.record("\(override): unexpected \(error)")
        }
    }

    @Test("a bad row in a price table is reported at its file, line and column")
    func badPriceTable() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("cascade-historical-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = "open,high,low,close\n100,110,90,105\n105,100,95,99\n"
        try csv.write(to: folder.appendingPathComponent("p.csv"), atomically: true, encoding: .utf8)
        let world = try String(
            contentsOfFile: Self.folder + "/black-thursday-2020.json", encoding: .utf8)
        try world.write(
            to: folder.appendingPathComponent("w.json"), atomically: true, encoding: .utf8)
        do {
            _ = try World.load(
                path: folder.appendingPathComponent("w.json").path,
                overrides: [
                    "protocol.market.assets[0].model.data=\"p.csv\"", "duration=2h",
                ])
            Issue.record("a bar with open above its high was accepted")
        } catch {
            #expect(error.file.hasSuffix("p.csv") && error.line == 3, "\(error)")
        }
        // A price beyond what the contracts' integers hold (it trapped a keeper's valuation).
        try "open,high,low,close\n100,1e30,90,105\n".write(
            to: folder.appendingPathComponent("p.csv"), atomically: true, encoding: .utf8)
        do {
            _ = try World.load(
                path: folder.appendingPathComponent("w.json").path,
                overrides: ["protocol.market.assets[0].model.data=\"p.csv\"", "duration=1h"])
            Issue.record("a high of 10^30 was accepted")
        } catch {
            #expect(error.file.hasSuffix("p.csv") && error.line == 2, "\(error)")
            #expect(error.path == "high" && error.message.contains("10^12"), "\(error)")
        }
    }

    /// A price table with an `hour_utc` column, its period, and the line and message of
    /// the error it must give (nil: it loads).
    @Test(
        "an hour_utc column is checked against the rows' positions",
        arguments: [
            ("22,1,1,1,1\n23,1,1,1,1\n00,1,1,1,1\n", "1h", nil, nil),
            ("05,1,1,1,1\n07,1,1,1,1\n", "1h", 3, "found hour 7, expected 6"),
            ("05,1,1,1,1\n05,1,1,1,1\n", "1h", 3, "found hour 5, expected 6"),
            ("05,1,1,1,1\n05,1,1,1,1\n06,1,1,1,1\n", "30m", nil, nil),
            ("05,1,1,1,1\n06,1,1,1,1\n", "30m", 3, "found hour 6, expected 5"),
            ("24,1,1,1,1\n", "1h", 2, "must be 0 to 23, found 24"),
            ("x,1,1,1,1\n", "1h", 2, "expected an integer"),
        ] as [(String, String, Int?, String?)])
    func hourColumn(rows: String, period: String, line: Int?, message: String?) throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("cascade-hours-\(getpid())-\(abs(rows.hashValue))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try ("hour_utc,open,high,low,close\n" + rows).write(
            to: folder.appendingPathComponent("p.csv"), atomically: true, encoding: .utf8)
        let world = try String(
            contentsOfFile: Self.folder + "/black-thursday-2020.json", encoding: .utf8)
        try world.write(
            to: folder.appendingPathComponent("w.json"), atomically: true, encoding: .utf8)
        let overrides = [
            "protocol.market.assets[0].model.data=\"p.csv\"",
            "protocol.market.assets[0].model.period=\"\(period)\"", "duration=\"1m\"",
        ]
        do {
            _ = try World.load(
                path: folder.appendingPathComponent("w.json").path, overrides: overrides)
            #expect(message == nil, "accepted: \(rows)")
        } catch {
            #expect(error.file.hasSuffix("p.csv") && error.line == line, "\(error)")
            #expect(error.path == "hour_utc", "\(error)")
            #expect(message.map { error.message.contains($0) } == true, "\(error)")
        }
    }

    /// A historical world writes its documented prices as shocks; its anchors table
    /// (`worlds/data/*-anchors.csv`: time, asset, price, confidence, source) holds the
    /// prices they stand for, documented ones and the clock times the world assumes
    /// (`ours`), as its docs page lists them. Without the GBM on top, each asset's path
    /// passes through every one of them within 0.05% (the shocks' changes are rounded to
    /// 0.01%), so that the world and its page cannot drift apart.
    @Test(
        "a historical world's shocks pass through its documented anchor prices",
        arguments: [
            ("aave-crv-2022", "crv-usd-2022-11-22-anchors.csv"),
            ("compound-dai-2020", "dai-usd-2020-11-26-anchors.csv"),
            ("venus-luna-2022", "luna-usd-2022-05-12-anchors.csv"),
            ("dydx-yfi-2023", "yfi-usd-2023-11-17-anchors.csv"),
            ("perp-adl-2025", "crash-2025-10-10-anchors.csv"),
        ])
    func anchors(world: String, table: String) throws {
        let assetCount = try load(world).market.assets.count
        let quiet = (0..<assetCount).map { "protocol.market.assets[\($0)].model.volatility=0" }
        let configuration = try load(world, quiet)
        let market = try MarketPath(configuration: configuration.market, seed: 1)
        let path = Self.folder + "/data/" + table
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let rows = try CSVTable(bytes: [UInt8](bytes), displayName: path).rows
        #expect(rows.count >= 4, "\(table)")
        #expect(rows.contains { (try? $0.string("confidence")) != "ours" }, "\(table)")
        for row in rows {
            let name = try row.string("asset")
            let asset = try #require(market.asset(named: name), "\(table): no asset \(name)")
            let at = try UnitFormats.durationMilliseconds(row.string("at")).get()
            let documented = try row.decimal("price").approximateDouble
            let modelled = market.price(of: asset, at: .milliseconds(at))
            #expect(
                abs(modelled / documented - 1) < 0.0005,
                "\(table): \(name) at \(row.fields[0]): \(modelled) against \(documented)")
        }
    }

    @Test("debt_total scales the drawn vaults to the stated total debt")
    func debtTotal() throws {
        var configuration = try load("black-thursday-2020", ["duration=1h"])
        configuration.borrowers.count = 300
        let world = try ProtocolWorld(configuration)
        let ilk = world.genesis.maker.ilk(world.ilks[0])
        let debt = ilk.totalArt * ilk.rate / .ray
        let target = UInt256(100_000_000 as UInt64) * .wad
        let error = debt > target ? debt - target : target - debt
        // Sizes are scaled in floating point and rounded to wei: within 100 DAI of 10^8.
        #expect(error < UInt256(100 as UInt64) * .wad, "total debt \(debt)")
    }
}
