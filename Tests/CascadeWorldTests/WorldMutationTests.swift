import CascadeAgents
import CascadeChain
import CascadeKernel
import CascadeTestSupport
import CascadeWorld
import Foundation
import Testing

/// Bad input never crashes: bundled worlds with seeded mutations of their values (each a
/// `--set` override) are either refused with a `WorldError` or a `ProtocolWorldError`, or
/// built and run for a few simulated minutes. A trap anywhere on the way kills the test
/// process, which is the failure this test exists to catch.
///
/// The mutations scale a number (or the number of a text like `"600s"` or `"150%"`) by
/// 0 to 10,000, or flip a flag, so most of them pass the file's range checks and reach
/// the code behind them; that is where such traps were found (a congestion `spread` the
/// decoder allowed and the chain refused, a genesis that reverted at zero decimals).
/// `CASCADE_TRACE_MUTATIONS=1` prints each case before it runs, to name the one that traps.
@Suite("World files: mutated bundled worlds never crash")
struct WorldMutationTests {
    static let folder = CLIRunner.packageRoot.appendingPathComponent("worlds").path
    static let worlds = [
        "black-thursday-2020", "black-thursday-2020-clipper", "aave-crv-2022",
        "compound-dai-2020", "venus-luna-2022", "flash-loan-spot-oracle", "dydx-yfi-2023",
        "mango-2022", "perp-adl-2025", "options-vault", "maker-demo", "chain-demo",
    ]
    static let factors: [Double] = [0, 0.01, 0.1, 0.5, 2, 10, 100, 10_000]

    /// A value of the world file that a mutation may change: its override path and value.
    enum Leaf {
        case number(Double, isInteger: Bool)
        case text(String)
        case flag(Bool)
    }

    /// Every number, string and flag under the world's model section, by override path
    /// (`protocol.keepers[0].count`), in document order.
    static func leaves(of world: String) throws -> [(path: String, leaf: Leaf)] {
        let path = folder + "/\(world).json"
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let document = try WorldDocument(bytes: [UInt8](bytes), displayName: path)
        var found: [(path: String, leaf: Leaf)] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value.content {
            case .object(let members):
                for member in members {
                    walk(member.value, path.isEmpty ? member.key : path + "." + member.key)
                }
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    walk(element, path + "[\(index)]")
                }
            case .number(let literal):
                let isInteger = !literal.contains { ".eE".contains($0) }
                if let number = Double(literal) {
                    found.append((path, .number(number, isInteger: isInteger)))
                }
            case .string(let text):
                found.append((path, .text(text)))
            case .bool(let flag):
                found.append((path, .flag(flag)))
            case .null:
                break
            }
        }
        guard case .object(let members) = document.root.content else { return [] }
        for member in members
        where !["name", "description", "seed", "duration", "sweep"].contains(member.key) {
            walk(member.value, member.key)
        }
        return found
    }

    /// The override that scales `leaf` by `factor` (a flag is flipped), or nil when the
    /// text has no leading number to scale.
    static func override(_ path: String, _ leaf: Leaf, factor: Double) -> String? {
        switch leaf {
        case .flag(let flag):
            return "\(path)=\(!flag)"
        case .number(let value, let isInteger):
            let scaled = value * factor
            if isInteger, abs(scaled) < 1e18 { return "\(path)=\(Int64(scaled))" }
            return "\(path)=\(scaled)"
        case .text(let text):
            let digits = text.prefix { $0.isNumber || $0 == "." || $0 == "-" }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            let scaled = value * factor
            let number =
                scaled == scaled.rounded() && abs(scaled) < 1e15
                ? String(Int64(scaled)) : String(scaled)
            return "\(path)=\"\(number)\(text.dropFirst(digits.count))\""
        }
    }

    @Test("seeded mutations of every bundled protocol and chain world", arguments: 0..<120)
    func mutation(index: Int) throws {
        var random = RandomStream(seed: UInt64(index), name: "world-mutation")
        let world = Self.worlds[Int(random.uniformInt(below: UInt64(Self.worlds.count)))]
        let leaves = try Self.leaves(of: world)
        var overrides = ["duration=\"5m\""]
        for _ in 0..<(1 + Int(random.uniformInt(below: 3))) {
            let (path, leaf) = leaves[Int(random.uniformInt(below: UInt64(leaves.count)))]
            let factor = Self.factors[Int(random.uniformInt(below: UInt64(Self.factors.count)))]
            if let text = Self.override(path, leaf, factor: factor) { overrides.append(text) }
        }
        let trace = ProcessInfo.processInfo.environment["CASCADE_TRACE_MUTATIONS"] == "1"
        if trace { print("mutation \(index): \(world) \(overrides)") }
        let loaded: World
        do {
            loaded = try World.load(path: Self.folder + "/\(world).json", overrides: overrides)
        } catch {
            if trace { print("mutation \(index): refused: \(error)") }
            // Refused naming its file (the world, or a data file it reads) and its path.
            #expect(
                error.file.hasSuffix(".json") || error.file.hasSuffix(".csv"), "\(error)")
            #expect(!error.path.isEmpty || error.override != nil, "\(error)")
            return
        }
        switch loaded.model {
        case .protocol(let configuration):
            let simulation: ProtocolWorld
            do {
                simulation = try ProtocolWorld(configuration)
            } catch {
                if trace { print("mutation \(index): genesis refused: \(error)") }
                // The contracts refuse its genesis: bad input too, said as such.
                #expect("\(error)".contains("genesis") || "\(error)".contains("market"))
                return
            }
            let outcome = try? simulation.run(until: loaded.duration)
            if trace { print("mutation \(index): ran: \(String(describing: outcome))") }
        case .chain(let configuration):
            _ = try? ChainWorld(configuration).run(until: loaded.duration)
        case .gossip:
            break
        }
    }
}
