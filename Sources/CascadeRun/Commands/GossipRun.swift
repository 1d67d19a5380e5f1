import CascadeAgents
import CascadeKernel
import CascadeWorld

/// Runs the kernel-only gossip world and writes its `summary.json`.
enum GossipRun {
    static func run(
        world: World, configuration: GossipConfiguration, seed: UInt64, folderPath: String
    ) throws(CascadeFailure) -> RunResult {
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
        let rumours = agents.reduce(UInt64(0)) { $0 + $1.received }
        let longest = agents.map(\.longestHops).max() ?? 0
        var summary = JSONObject.runProvenance(
            world: world, seed: seed, model: "gossip", blocks: nil,
            events: kernel.processedEvents, digest: kernel.digest)
        summary.append("agents", .integer(configuration.agents))
        summary.append("rumours_delivered", .integer(Int(rumours)))
        summary.append("longest_hops", .integer(Int(longest)))
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
}
