import CascadeAgents
import CascadeKernel
import CascadeWorld

/// Runs the kernel-only gossip world and writes its `summary.json`.
enum GossipRun {
    static func run(
        world: World, configuration: GossipConfiguration, seed: UInt64, folderPath: String
    ) throws(CascadeFailure) -> RunResult {
        let (kernel, agents) = try simulate(
            world: world, configuration: configuration, seed: seed)
        let rumours = agents.reduce(UInt64(0)) { $0 + $1.received }
        let longest = agents.map(\.longestHops).max() ?? 0
        let summary = Self.summary(
            world: world, seed: seed, agents: configuration.agents, rumours: rumours,
            longest: longest, events: kernel.processedEvents, digest: kernel.digest)
        do {
            let folder = try RunFolder(path: folderPath)
            try folder.write(
                OutputJSON.object(summary).serialized(.pretty) + "\n", named: "summary.json")
            try folder.commit()
        } catch {
            throw .output(error)
        }
        let text = """
            \(world.name) (seed \(seed)): \(configuration.agents) agents, \
            \(kernel.processedEvents) events in \(world.duration.readable) simulated
              rumours delivered \(rumours), longest chain \(longest) hops
              wrote \(folderPath)/summary.json

            """
        return RunResult(
            summaryText: text, folder: folderPath, digest: kernel.digest,
            events: kernel.processedEvents, simulated: world.duration)
    }

    /// Builds and runs the gossip kernel.
    static func simulate(world: World, configuration: GossipConfiguration, seed: UInt64)
        throws(CascadeFailure) -> (Kernel<GossipMessage>, [GossipAgent])
    {
        let kernel = Kernel<GossipMessage>(seed: seed, limits: world.limits)
        var agents: [GossipAgent] = []
        for index in 0..<configuration.agents {
            let agent = GossipAgent(name: "gossip-\(index)", configuration: configuration)
            kernel.add(agent)
            agents.append(agent)
        }
        do {
            _ = try kernel.run(until: world.duration)
        } catch {
            throw CascadeFailure(.internalFailure, "\(world.name) seed \(seed): \(error)")
        }
        return (kernel, agents)
    }

    /// The gossip world's `summary.json` object.
    static func summary(
        world: World, seed: UInt64, agents: Int, rumours: UInt64, longest: UInt32,
        events: UInt64, digest: RunDigest
    ) -> JSONObject {
        var summary = JSONObject.runProvenance(
            world: world, seed: seed, model: "gossip", blocks: nil, events: events,
            digest: digest)
        summary.append("agents", .integer(agents))
        summary.append("rumours_delivered", .integer(Int(rumours)))
        summary.append("longest_hops", .integer(Int(longest)))
        return summary
    }
}
