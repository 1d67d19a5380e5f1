import CascadeAgents
import CascadeChain
import CascadeTestSupport
import CascadeWorld
import Foundation
import Testing

@Suite("World files: models")
struct WorldModelTests {
    static let chainWorld = """
        {
          "name": "t", "description": "d", "seed": 3, "duration": "1h",
          "chain": {
            "production": { "model": "proof_of_work", "mean_interval": "13.2s" },
            "fee_market": "legacy", "gas_limit": 10000000,
            "gas_limit_schedule": [ { "at": "30m", "gas_limit": 12000000 } ]
          },
          "congestion": {
            "schedule": [ { "at": "0s", "demand": "130%", "median_price": "10 gwei", "spread": 0.5 } ]
          },
          "senders": {
            "count": 4,
            "strategy": { "kind": "fixed", "gas_price": "30 gwei" },
            "propagation": "150ms",
            "observation": { "uniform": ["100ms", "400ms"] }
          }
        }
        """

    func decode(_ text: String, overrides: [String] = []) throws(WorldError) -> World {
        var document = try WorldDocument(bytes: Array(text.utf8), displayName: "t.json")
        var parsed: [Override] = []
        for override in overrides { parsed.append(try Override(parsing: override)) }
        try document.apply(parsed)
        return try World.decode(document)
    }

    @Test("a chain world decodes into the chain loop's configuration")
    func chainWorld() throws {
        let world = try decode(Self.chainWorld)
        guard case .chain(let configuration) = world.model else {
            Issue.record("expected a chain model")
            return
        }
        #expect(world.duration == .hours(1))
        #expect(configuration.chain.market == .legacy)
        #expect(configuration.chain.production == .proofOfWork(meanInterval: .milliseconds(13_200)))
        #expect(configuration.chain.gasLimits.initial == 10_000_000)
        #expect(configuration.chain.gasLimits.changes.map(\.target) == [12_000_000])
        #expect(configuration.senders.count == 4)
        #expect(configuration.senders[0].strategy == .fixed(.legacy(gasPrice: 30_000_000_000)))
        #expect(configuration.senders[0].propagation == .fixed(milliseconds: 150))
        #expect(configuration.senders[0].observation == .uniform(minimumMs: 100, maximumMs: 400))
        // 130% of a 10M legacy block every 13.2 s.
        let level = try #require(configuration.demand).schedule.step(at: .zero).level
        #expect(abs(level.gasPerSecond - 1.3 * 10_000_000 / 13.2) < 1e-6)
    }

    @Test(
        "bad chain sections are refused with their JSON path",
        arguments: [
            ("chain.fee_market=\"eip1558\"", "chain.fee_market"),
            ("chain.production.model=\"proof_of_luck\"", "chain.production.model"),
            ("chain.gas_limit=100", "chain.gas_limit"),
            ("congestion.schedule[0].at=\"5m\"", "congestion.schedule[0].at"),
            ("congestion.schedule[0].demand=\"lots\"", "congestion.schedule[0].demand"),
            ("senders.raise_by=\"5%\"", "senders.raise_by"),
            (
                "senders.propagation={\"log_normal\":{\"median\":\"1s\"}}",
                "senders.propagation.log_normal"
            ),
            ("senders.strategy.kind=\"psychic\"", "senders.strategy.kind"),
            ("chain.gas_limit_schedule[0].at=\"-1m\"", "chain.gas_limit_schedule[0].at"),
        ])
    func badChainSections(override: String, path: String) {
        do {
            _ = try decode(Self.chainWorld, overrides: [override])
            Issue.record("\(override) was accepted")
        } catch {
            #expect(error.path.hasPrefix(path), "\(override): \(error)")
            #expect(error.override != nil || error.line != nil, "\(override): located")
        }
    }

    @Test("the bundled maker-demo decodes into a protocol world")
    func protocolWorld() throws {
        let path = CLIRunner.packageRoot.appendingPathComponent("worlds/maker-demo.json").path
        let world = try World.load(path: path, overrides: [])
        guard case .protocol(let configuration) = world.model else {
            Issue.record("expected a protocol model")
            return
        }
        #expect(world.duration == .hours(6))
        #expect(configuration.chain.market == .eip1559)
        #expect(configuration.collaterals.map(\.name) == ["ETH-A"])
        #expect(configuration.collaterals[0].matPercent == 150)
        #expect(configuration.collaterals[0].hopSeconds == 3_600)
        #expect(configuration.collaterals[0].operators == 5)
        #expect(configuration.collaterals[0].quorum == 3)
        #expect(configuration.borrowers.count == 500)
        #expect(configuration.keepers.map(\.name) == ["keeper-0", "keeper-1", "keeper-2"])
        #expect(configuration.keepers[0].gas.ceiling == 300_000_000_000)
        #expect(configuration.arbitrageurs.count == 1)
        #expect(configuration.market.assets[0].shocks.count == 1)
        #expect(configuration.demand != nil)
    }

    /// The borrowers' cooldown and warning limit are world keys; left out, the model's
    /// defaults (an hour, 256) stand.
    @Test("the borrowers' cooldown and warnings per block decode, with their defaults")
    func borrowerPacing() throws {
        let url = CLIRunner.packageRoot.appendingPathComponent("worlds/maker-demo.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        guard case .protocol(let defaults) = try decode(text, overrides: []).model,
            case .protocol(let set) = try decode(
                text,
                overrides: [
                    "protocol.borrowers.cooldown=\"30m\"",
                    "protocol.borrowers.warnings_per_block=16",
                ]
            ).model
        else {
            Issue.record("expected protocol models")
            return
        }
        #expect(defaults.borrowers.cooldown == .hours(1))
        #expect(defaults.borrowers.warningsPerBlock == 256)
        #expect(set.borrowers.cooldown == .minutes(30))
        #expect(set.borrowers.warningsPerBlock == 16)
    }

    @Test(
        "bad protocol sections are refused with their JSON path",
        arguments: [
            ("protocol.keepers.colour=\"red\"", "protocol.keepers.colour"),
            (
                "protocol.collaterals[0].liquidation=\"auction\"",
                "protocol.collaterals[0].liquidation"
            ),
            ("protocol.collaterals[0].mat=\"90%\"", "protocol.collaterals[0].mat"),
            ("protocol.collaterals[0].asset=\"BTC\"", "protocol.collaterals[0].asset"),
            ("protocol.collaterals[0].feeds.quorum=9", "protocol.collaterals[0].feeds"),
            (
                "protocol.market.assets[0].model.kind=\"levy\"",
                "protocol.market.assets[0].model.kind"
            ),
            ("protocol.borrowers.count=-1", "protocol.borrowers.count"),
            ("protocol.borrowers.warnings_per_block=0", "protocol.borrowers.warnings_per_block"),
            ("protocol.borrowers.cooldown=\"soon\"", "protocol.borrowers.cooldown"),
            ("protocol.borrowers.cooldown=\"11d\"", "protocol.borrowers.cooldown"),
            ("protocol.chain.fee_market=\"eip1558\"", "protocol.chain.fee_market"),
        ])
    func badProtocolSections(override: String, path: String) throws {
        let url = CLIRunner.packageRoot.appendingPathComponent("worlds/maker-demo.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        do {
            _ = try decode(text, overrides: [override])
            Issue.record("\(override) was accepted")
        } catch {
            #expect(error.path.hasPrefix(path), "\(override): \(error)")
        }
    }

    /// `perp-adl-2025`: one number for `market.correlation` becomes the matrix over its
    /// twelve GBM assets; the traders' `markets_per_account` and the backstop's
    /// `deleverages_vault` reach the settings; a matrix given row by row is kept as is.
    @Test("perp-adl-2025 decodes its correlation, markets per account and vault rule")
    func adlWorld() throws {
        let path = CLIRunner.packageRoot.appendingPathComponent("worlds/perp-adl-2025.json").path
        let world = try World.load(path: path, overrides: [])
        guard case .protocol(let configuration) = world.model else {
            Issue.record("expected a protocol model")
            return
        }
        let matrix = try #require(configuration.market.correlation)
        #expect(matrix.count == 12 && matrix.allSatisfy { $0.count == 12 })
        for i in 0..<12 {
            for j in 0..<12 { #expect(matrix[i][j] == (i == j ? 1 : 0.8)) }
        }
        let perps = try #require(configuration.perps)
        #expect(perps.markets.count == 12)
        #expect(perps.traders.marketsPerAccount == 3)
        #expect(perps.backstop?.deleveragesVault == true)
        #expect(perps.deleveragingPrice == .mark && perps.insuranceFund == 0)
        // Maintenance margin is half the initial margin at maximum leverage, every market.
        #expect(
            perps.markets.allSatisfy {
                abs($0.terms.initialMarginPpm - 2 * $0.terms.maintenanceMarginPpm) <= 1
            })

        let rows = (0..<12).map { i in
            "["
                + (0..<12).map { j in i == j ? "1" : (i + j == 1 ? "0.5" : "0") }
                .joined(separator: ",") + "]"
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let explicit = try decode(
            text, overrides: ["protocol.market.correlation=[" + rows.joined(separator: ",") + "]"])
        guard case .protocol(let given) = explicit.model else { return }
        #expect(given.market.correlation?[0][1] == 0.5 && given.market.correlation?[0][2] == 0)
    }

    @Test("a world needs exactly one model section")
    func oneModel() {
        #expect(throws: WorldError.self) {
            _ = try decode(#"{"name": "x", "description": "d", "seed": 1, "duration": "1s"}"#)
        }
    }

    @Test("every bundled world is valid")
    func bundledWorlds() throws {
        let folder = CLIRunner.packageRoot.appendingPathComponent("worlds").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".json") }
        #expect(!names.isEmpty)
        for name in names.sorted() {
            let world = try World.load(path: folder + "/" + name, overrides: [])
            #expect(world.name + ".json" == name, "a bundled world is named as its file")
        }
    }
}
