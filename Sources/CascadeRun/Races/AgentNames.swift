import CascadeAgents
import CascadeCore
import Foundation

/// Who is behind an address: `agents.csv` in a protocol run's folder, one row per on-chain
/// agent (`address,name,role`), so `cascade races` can say `opportunist-0` where
/// `races.csv` keeps the address. Vault owners are not listed: every address from
/// `ProtocolWorld.firstBorrower` on is a borrower (docs/outputs.md).
struct AgentNames {
    static let fileName = "agents.csv"
    static let columns = ["address", "name", "role"]

    private var names: [String: String] = [:]

    /// The rows of `world`'s agents, by address.
    static func rows(of world: ProtocolWorld) -> [(address: String, name: String, role: String)] {
        var rows: [(address: UInt32, name: String, role: String)] = [
            (
                world.configuration.producerAddress.rawValue, world.configuration.producerName,
                "block producer"
            ),
            (world.poker.settings.address.rawValue, world.poker.name, "osm poker"),
        ]
        for keeper in world.keepers {
            rows.append((keeper.settings.address.rawValue, keeper.name, "keeper"))
        }
        for transmitter in world.transmitters {
            rows.append(
                (transmitter.settings.address.rawValue, transmitter.name, "feed transmitter"))
        }
        for arbitrageur in world.arbitrageurs {
            rows.append((arbitrageur.settings.address.rawValue, arbitrageur.name, "arbitrageur"))
        }
        if let lending = world.lending {
            let node = lending.transmitter.settings
            rows.append((node.address.rawValue, node.name, "lending oracle"))
            for keeper in lending.keepers {
                rows.append((keeper.settings.address.rawValue, keeper.name, "lending keeper"))
            }
            for exploiter in lending.exploiters {
                rows.append((exploiter.settings.address.rawValue, exploiter.name, "exploiter"))
            }
            if let arbitrageur = lending.pairArbitrageur {
                rows.append(
                    (arbitrageur.settings.address.rawValue, arbitrageur.name, "arbitrageur"))
            }
            if let poker = lending.twapPoker {
                rows.append((poker.settings.address.rawValue, poker.name, "twap poker"))
            }
            for attacker in lending.flashAttackers {
                rows.append((attacker.settings.address.rawValue, attacker.name, "flash attacker"))
            }
            for (offset, name) in lending.accountNames.enumerated() {
                rows.append((lending.firstAccount + UInt32(offset), name, "lending account"))
            }
        }
        if let perps = world.perps {
            rows.append((ProtocolWorld.perpOracle.rawValue, perps.oracle.name, "perp oracle"))
            rows.append((ProtocolWorld.perpMatcher.rawValue, "perp-matcher", "perp matcher"))
            rows.append(
                (ProtocolWorld.perpMarketMaker.rawValue, "perp-market-maker", "perp market maker"))
            rows.append(
                (
                    ProtocolWorld.perpBackstopVaultOwner.rawValue, "perp-backstop-vault",
                    "perp backstop vault"
                ))
            if let backstop = perps.backstop {
                rows.append(
                    (ProtocolWorld.perpBackstopCaller.rawValue, backstop.name, "perp backstop"))
            }
            for liquidator in perps.liquidators {
                rows.append(
                    (liquidator.settings.address.rawValue, liquidator.name, "perp liquidator"))
            }
            if let attacker = perps.attacker {
                rows.append((ProtocolWorld.perpAttacker.rawValue, attacker.name, "perp attacker"))
            }
            if world.configuration.perps?.depositorsCapital ?? 0 > 0 {
                rows.append(
                    (ProtocolWorld.perpDepositors.rawValue, "perp-depositors", "perp depositors"))
            }
        }
        if let agent = world.governanceAgent {
            rows.append((ProtocolWorld.governanceExecutor.rawValue, agent.name, "governance"))
        }
        if let controller = world.riskController {
            rows.append(
                (ProtocolWorld.riskControllerAddress.rawValue, controller.name, "risk controller"))
        }
        rows.sort { $0.address < $1.address }
        return rows.map { row in
            (Address(row.address).description, row.name, row.role)
        }
    }

    /// The names of the run in `folder`; empty (addresses shown as they are) when the run
    /// has no `agents.csv` (a folder written before it existed).
    static func load(folder: String) throws(CascadeFailure) -> AgentNames {
        let path = folder + "/" + fileName
        var table = AgentNames()
        guard FileManager.default.fileExists(atPath: path) else { return table }
        let csv = try CSVStream(path: path, displayName: path)
        guard csv.columns == columns else {
            throw CascadeFailure(
                .badInput,
                "\(path):1: expected the header \(columns.joined(separator: ",")), found "
                    + csv.columns.joined(separator: ","))
        }
        while let record = try csv.next() {
            table.names[record.fields[0]] = record.fields[1]
        }
        return table
    }

    /// `address`'s agent name, or the address itself when it is no listed agent.
    func label(_ address: String) -> String {
        names[address] ?? address
    }
}
