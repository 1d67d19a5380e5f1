import CascadeAgents
import CascadeCore
import CascadeKernel
import CascadeWorld

/// Cascade's version, recorded in every output's provenance.
public enum CascadeVersion {
    public static let current = "0.1.0"
}

/// Why a command failed, sorted by what the exit status must say (INTERFACE.md): bad
/// input (status 2), a broken invariant or an internal failure (status 1).
public struct CascadeFailure: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        case badInput
        case invariant
        case internalFailure
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func badInput(_ error: WorldError) -> CascadeFailure {
        CascadeFailure(.badInput, error.description)
    }

    static func output(_ error: OutputError) -> CascadeFailure {
        CascadeFailure(.badInput, "cannot write the output: \(error.description)")
    }

    /// A broken invariant under `--check`, with the command that reproduces it: the world
    /// and overrides as given, the seed the run used.
    static func invariantBroken(
        block: UInt64, violation: InvariantViolation, request: RunRequest, seed: UInt64
    ) -> CascadeFailure {
        let overrides = request.overrides.map { " --set '\($0)'" }.joined()
        return CascadeFailure(
            .invariant,
            "invariant broken after block \(block): \(violation)\n"
                + "reproduce: cascade run \(request.world) --seed \(seed)\(overrides) --check")
    }
}

extension RunFolder {
    /// The end of a run, before its summary is written: a file its sink could not write,
    /// or an invariant `--check` found broken (the block producer's `invariantViolation`),
    /// drops the files written so far and fails the run. A run's files are written whole or
    /// not at all.
    func checkRun(
        sinkFailure: OutputError?, violation: (block: UInt64, violation: InvariantViolation)?,
        request: RunRequest, seed: UInt64
    ) throws(CascadeFailure) {
        if let sinkFailure {
            abandon()
            throw .output(sinkFailure)
        }
        if let violation {
            abandon()
            throw .invariantBroken(
                block: violation.block, violation: violation.violation, request: request,
                seed: seed)
        }
    }
}

/// One `cascade run`, as the command line gave it, checked.
public struct RunRequest: Sendable {
    public var world: String
    public var seed: UInt64?
    public var out: String?
    public var overrides: [String]
    public var trace: Bool
    public var check: Bool

    /// Checks the raw option texts; a malformed seed is bad input, named as such.
    public init(
        world: String, seed: String?, out: String?, overrides: [String], trace: Bool,
        check: Bool
    ) throws(CascadeFailure) {
        self.world = world
        if let seed {
            guard let value = UInt64(seed) else {
                throw CascadeFailure(
                    .badInput,
                    "--seed \(seed): expected a whole number from 0 to 18446744073709551615")
            }
            self.seed = value
        } else {
            self.seed = nil
        }
        if let out, out.isEmpty {
            throw CascadeFailure(.badInput, "--out: expected a folder, found an empty string")
        }
        self.out = out
        self.overrides = overrides
        self.trace = trace
        self.check = check
    }
}

/// What a finished run reports back to the command line.
public struct RunResult: Sendable {
    /// The short human summary for stdout.
    public var summaryText: String
    /// The folder the files went to.
    public var folder: String
    public var digest: RunDigest
    public var events: UInt64
    public var simulated: SimTime
}

extension JSONObject {
    /// The provenance every `summary.json` starts with, in this order: world, seed,
    /// version, world digest, model, blocks (worlds with a chain), simulated seconds, kernel
    /// events, run digest (docs/outputs.md).
    static func runProvenance(
        world: World, seed: UInt64, model: String, blocks: Int?, events: UInt64,
        digest: RunDigest
    ) -> JSONObject {
        var summary = JSONObject()
        summary.append("world", .string(world.name))
        summary.append("seed", .string(String(seed)))
        summary.append("cascade_version", .string(CascadeVersion.current))
        summary.append("world_digest", .string(world.digest))
        summary.append("model", .string(model))
        if let blocks {
            summary.append("blocks", .integer(blocks))
        }
        summary.append("sim_seconds", .integer(Int(world.duration.wholeSeconds)))
        summary.append("events", .integer(Int(events)))
        summary.append("run_digest", .string(digest.description))
        return summary
    }
}

/// The run layer's entry points, one per command.
public enum Cascade {
    /// Loads and validates a world by name or path, with overrides.
    public static func loadWorld(_ nameOrPath: String, overrides: [String])
        throws(CascadeFailure) -> World
    {
        do {
            let path = try WorldCatalog.locate(nameOrPath)
            return try World.load(path: path, overrides: overrides)
        } catch {
            throw .badInput(error)
        }
    }

    /// Builds a protocol world's genesis. A world whose values pass the file's checks but
    /// that its contracts refuse to set up (a genesis call reverts, a value cannot be held)
    /// is bad input named by `label` (the world as the user gave it) and `seed`, not a
    /// crash.
    static func buildProtocolWorld(
        _ configuration: ProtocolWorldConfiguration, observer: (any ProtocolBlockObserver)?,
        label: String, seed: UInt64
    ) throws(CascadeFailure) -> ProtocolWorld {
        do {
            return try ProtocolWorld(configuration, observer: observer)
        } catch {
            throw CascadeFailure(
                .badInput,
                "\(label) (seed \(seed)): \(error); its values pass the world file's checks, "
                    + "but the contracts refuse the world they describe")
        }
    }

    /// `cascade run`: runs the world and writes its folder, whole or not at all.
    public static func run(_ request: RunRequest) throws(CascadeFailure) -> RunResult {
        let world = try loadWorld(request.world, overrides: request.overrides)
        let seed = request.seed ?? world.seed
        let folderPath = request.out ?? RunFolder.defaultPath(world: world.name, seed: seed)
        switch world.model {
        case .gossip(let configuration):
            if request.trace {
                throw CascadeFailure(
                    .badInput,
                    "--trace: world '\(world.name)' has no chain, so it has no transactions "
                        + "or contract events to trace")
            }
            return try GossipRun.run(
                world: world, configuration: configuration, seed: seed, folderPath: folderPath)
        case .chain(let configuration):
            return try ChainRun.run(
                world: world, configuration: configuration, seed: seed, folderPath: folderPath,
                request: request)
        case .protocol(let configuration):
            return try ProtocolRun.run(
                world: world, configuration: configuration, seed: seed, folderPath: folderPath,
                request: request)
        }
    }

    /// `cascade validate`: one line per valid world.
    public static func validate(world nameOrPath: String, overrides: [String])
        throws(CascadeFailure) -> String
    {
        let world = try loadWorld(nameOrPath, overrides: overrides)
        // A protocol world's genesis is built too (not run): the contracts may refuse what
        // the file's checks let through.
        if case .protocol(let configuration) = world.model {
            _ = try buildProtocolWorld(
                configuration, observer: nil, label: nameOrPath, seed: world.seed)
        }
        return "ok  \(nameOrPath)  (\(world.name), digest \(world.digest))"
    }

    /// `cascade worlds`: the bundled worlds with their one-line descriptions.
    public static func bundledWorldsListing() throws(CascadeFailure) -> String {
        let entries = WorldCatalog.bundled()
        guard !entries.isEmpty else {
            throw CascadeFailure(
                .badInput,
                "no bundled worlds found (looked in ./worlds and beside the binary); "
                    + "set CASCADE_WORLDS to the repository's worlds/ folder")
        }
        let width = (entries.map(\.name.count).max() ?? 0) + 2
        var text = ""
        for entry in entries {
            let description: String
            do {
                description = try World.load(path: entry.path, overrides: []).description
            } catch {
                description = "(invalid: \(error.description))"
            }
            let padding = String(repeating: " ", count: width - entry.name.count)
            text += "\(entry.name)\(padding)\(description)\n"
        }
        return text
    }
}
