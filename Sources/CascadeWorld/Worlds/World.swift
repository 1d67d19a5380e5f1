import CascadeAgents
import CascadeKernel

/// A decoded, validated world: what to simulate, for how long, from which seed.
///
/// Every world file starts with the same header keys (`name`, `description`, `seed`,
/// `duration`, optional `limits`) and then one model section. A world is built only from
/// a fully validated file: bad input never reaches a simulation (docs/worlds.md).
public struct World: Sendable {
    /// The world's name, as used in output folders (`out/<name>-seed<N>/`).
    public var name: String
    /// One line for `cascade worlds`.
    public var description: String
    /// The seed used when the command line gives none.
    public var seed: UInt64
    /// Simulated length of a run.
    public var duration: SimTime
    /// Ceilings on the kernel's work.
    public var limits: KernelLimits
    /// What is simulated.
    public var model: Model
    /// The digest of the file as read, overrides included (`world_digest` in outputs).
    public var digest: String

    /// The model sections a world may hold.
    public enum Model: Sendable {
        /// Kernel only: gossiping agents, no chain (`"gossip": {...}`).
        case gossip(GossipConfiguration)
        /// A chain with background congestion and transfer-sending agents
        /// (`"chain"`, `"congestion"`, `"senders"`).
        case chain(ChainWorldConfiguration)
        /// A Maker protocol world: chain, market, collaterals, borrowers, keepers
        /// (`"protocol": {...}`, docs/worlds.md).
        case `protocol`(ProtocolWorldConfiguration)
    }
}

extension World {
    /// The model keys a world file may carry, one of which it must.
    static let modelKeys = ["gossip", "chain", "protocol"]

    /// Reads, overrides and validates the world file at `path`.
    ///
    /// - Parameter overrides: `--set PATH=VALUE` texts, applied before validation.
    public static func load(path: String, overrides: [String]) throws(WorldError) -> World {
        var document = try WorldDocument.load(path: path)
        var parsed: [Override] = []
        for text in overrides {
            parsed.append(try Override(parsing: text))
        }
        try document.apply(parsed)
        return try decode(document)
    }

    /// Decodes a parsed document (strict: unknown keys are errors).
    public static func decode(_ document: WorldDocument) throws(WorldError) -> World {
        let object = try document.reader.object()
        let name = try object.required("name").nonEmptyString()
        let description = try object.required("description").nonEmptyString()
        let seed = try object.required("seed").uint64()
        let duration = try object.required("duration").durationMilliseconds(
            in: 1...(3_650 * 86_400_000))
        var limits = KernelLimits()
        if let section = object.optional("limits") {
            let limitsObject = try section.object()
            if let events = limitsObject.optional("max_events") {
                limits.maxEvents = try events.uint64(in: 1...UInt64(1) << 40)
            }
            if let pending = limitsObject.optional("max_pending") {
                limits.maxPending = try pending.int(in: 1...100_000_000)
            }
            try limitsObject.finish()
        }
        // A study over this world (docs/sweeps.md): read by `cascade sweep`, which checks
        // its axes and seeds and decodes every point; a run ignores it.
        if let section = object.optional("sweep") {
            _ = try section.object()
        }
        let present = modelKeys.filter { object.contains($0) }
        guard present.count == 1 else {
            throw object.reader.error(
                present.isEmpty
                    ? "a world needs one model section: \(modelKeys.joined(separator: ", "))"
                    : "a world has one model section, found \(present.joined(separator: " and "))")
        }
        let model: Model
        switch present[0] {
        case "chain":
            var configuration = try ChainWorldDecoding.decode(
                chain: try object.required("chain"), congestion: object.optional("congestion"),
                senders: try object.required("senders"), seed: seed)
            configuration.limits = limits
            model = .chain(configuration)
        case "protocol":
            model = .protocol(
                try ProtocolWorldDecoding.decode(
                    try object.required("protocol"), seed: seed, duration: duration,
                    limits: limits))
        default:
            model = .gossip(try decodeGossip(try object.required("gossip")))
        }
        try object.finish()
        return World(
            name: name, description: description, seed: seed,
            duration: .milliseconds(duration), limits: limits, model: model,
            digest: document.digest.description)
    }

    static func decodeGossip(_ reader: JSONReader) throws(WorldError) -> GossipConfiguration {
        let object = try reader.object()
        let configuration = GossipConfiguration(
            agents: try object.required("agents").int(in: 1...1_000_000),
            meanIntervalMs: try object.required("mean_interval").durationMilliseconds(
                in: 1...86_400_000),
            meanLatencyMs: try object.required("mean_latency").durationMilliseconds(
                in: 0...86_400_000),
            maxHops: try object.required("max_hops").integer(UInt32.self, in: 1...1_000))
        try object.finish()
        return configuration
    }
}
