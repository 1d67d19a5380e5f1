import CascadeKernel

extension MarketPath {
    /// Draws every asset's base path on the grid `0, resolution, …, horizon`; historical
    /// assets use their own table's grid instead.
    ///
    /// Per step, in asset order: each diffusive asset draws its independent normal `ε_i`
    /// from its own stream; the shocks `z = L·ε` are formed; then each asset advances with
    /// its `z_i` (a jump-diffusion then draws its jumps, also from its own stream). The
    /// order of draws within a stream is fixed, so the same seed gives the same bits.
    static func sample(
        _ configuration: MarketConfiguration, matrix: CorrelationMatrix?, seed: UInt64
    ) -> [AssetPath] {
        let resolution = configuration.resolution
        let count = Int(configuration.horizon.milliseconds / resolution.milliseconds) + 1
        var streams = configuration.assets.map {
            RandomStream(seed: seed, name: "market.\($0.name)")
        }
        var paths: [AssetPath] = []
        var processes: [PriceModel] = []
        for (index, asset) in configuration.assets.enumerated() {
            switch asset.model {
            case .historical(let anchors):
                let history = anchors.path(resolution: resolution, random: &streams[index])
                paths.append(
                    AssetPath(
                        origin: history.origin, resolution: resolution, samples: history.samples))
            case .constant(let price):
                paths.append(AssetPath(origin: .zero, resolution: resolution, samples: [price]))
            case .geometricBrownian(let process):
                paths.append(initialPath(price: process.price, resolution, count))
            case .jumpDiffusion(let process):
                paths.append(initialPath(price: process.price, resolution, count))
            }
            processes.append(asset.model)
        }
        guard count > 1, processes.contains(where: \.isDiffusive) else { return paths }

        var independent = [Double](repeating: 0, count: processes.count)
        for step in 1..<count {
            for index in processes.indices where processes[index].isDiffusive {
                independent[index] = streams[index].normal()
            }
            let shocks = matrix?.correlate(independent) ?? independent
            for index in processes.indices {
                switch processes[index] {
                case .geometricBrownian(var process):
                    paths[index].samples[step] = process.advance(
                        by: resolution, shock: shocks[index])
                    processes[index] = .geometricBrownian(process)
                case .jumpDiffusion(var process):
                    paths[index].samples[step] = process.advance(
                        by: resolution, shock: shocks[index], random: &streams[index])
                    processes[index] = .jumpDiffusion(process)
                case .constant, .historical:
                    break
                }
            }
        }
        return paths
    }

    private static func initialPath(
        price: Double, _ resolution: SimTime, _ count: Int
    ) -> AssetPath {
        var samples = [Double](repeating: 0, count: count)
        samples[0] = price
        return AssetPath(origin: .zero, resolution: resolution, samples: samples)
    }
}
