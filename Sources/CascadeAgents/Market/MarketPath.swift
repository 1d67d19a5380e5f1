import CascadeKernel

/// Where an asset's reference price comes from.
public enum PriceModel: Hashable, Sendable {
    /// A fixed price (a stablecoin's peg, or a control in an experiment).
    case constant(price: Double)
    /// Geometric Brownian motion.
    case geometricBrownian(GeometricBrownianMotion)
    /// Merton jump-diffusion.
    case jumpDiffusion(MertonJumpDiffusion)
    /// A historical OHLC table replayed through a seeded Brownian bridge.
    case historical(HistoricalAnchors)

    /// Whether the model takes a diffusion shock (and so can be correlated).
    package var isDiffusive: Bool {
        switch self {
        case .geometricBrownian, .jumpDiffusion: true
        case .constant, .historical: false
        }
    }
}

/// One asset of a market: a name, a base model, and scripted shocks layered on it.
public struct MarketAsset: Hashable, Sendable {
    /// A stable name ("ETH"); it also names the asset's random stream (`market.ETH`).
    public var name: String
    public var model: PriceModel
    /// Scripted moves multiplied onto the base price (`ScriptedShock`).
    public var shocks: [ScriptedShock]

    public init(name: String, model: PriceModel, shocks: [ScriptedShock] = []) {
        self.name = name
        self.model = model
        self.shocks = shocks
    }
}

/// How a world configures its market.
///
/// ```swift
/// let configuration = MarketConfiguration(
///     assets: [
///         MarketAsset(name: "ETH", model: .geometricBrownian(
///             GeometricBrownianMotion(price: 195, drift: 0, volatility: 0.9))),
///         MarketAsset(name: "BTC", model: .geometricBrownian(
///             GeometricBrownianMotion(price: 7_900, drift: 0, volatility: 0.7))),
///     ],
///     correlation: [[1, 0.85], [0.85, 1]],
///     resolution: .seconds(1), horizon: .days(2))
/// let market = try MarketPath(configuration: configuration, seed: 42)
/// ```
public struct MarketConfiguration: Hashable, Sendable {
    /// The assets, in a fixed order: the order of the correlation matrix's rows.
    public var assets: [MarketAsset]
    /// Correlation of the assets' diffusion shocks (row-major, one row per asset), or nil
    /// for independent assets. Rows of constant or historical assets must be those of the
    /// identity: they take no shocks.
    public var correlation: [[Double]]?
    /// Spacing of the sampled path (1 s – 1 min is typical); between samples the price is
    /// interpolated linearly.
    public var resolution: SimTime
    /// How far the stochastic paths are sampled; later queries get the last sample.
    public var horizon: SimTime

    public init(
        assets: [MarketAsset], correlation: [[Double]]? = nil,
        resolution: SimTime, horizon: SimTime
    ) {
        self.assets = assets
        self.correlation = correlation
        self.resolution = resolution
        self.horizon = horizon
    }
}

/// An asset's position in its market: a dense index, so lookups in the hot path are
/// array reads, never hashing.
public struct AssetID: Hashable, Sendable, Comparable {
    public var index: Int

    public init(index: Int) {
        self.index = index
    }

    public static func < (lhs: AssetID, rhs: AssetID) -> Bool { lhs.index < rhs.index }
}

/// One asset's sampled path: prices on a uniform grid, linear in between.
public struct AssetPath: Hashable, Sendable {
    /// The time of `samples[0]`.
    public var origin: SimTime
    /// The spacing of the samples.
    public var resolution: SimTime
    /// Prices at `origin + k · resolution` (at least one).
    public var samples: [Double]

    /// The price at `time`: the first sample before `origin`, the last after the end, and
    /// linear interpolation between the two samples around `time` otherwise. At a sample's
    /// own time it is that sample, exactly. O(1).
    public func price(at time: SimTime) -> Double {
        let offset = time.milliseconds - origin.milliseconds
        if offset <= 0 { return samples[0] }
        let step = resolution.milliseconds
        let index = Int(offset / step)
        if index >= samples.count - 1 { return samples[samples.count - 1] }
        let remainder = offset % step
        if remainder == 0 { return samples[index] }
        let fraction = Double(remainder) / Double(step)
        return samples[index] + (samples[index + 1] - samples[index]) * fraction
    }
}

/// The reference price of every asset at any time: the sampler the world layer, oracle
/// reporters and keepers ask.
///
/// The whole path is drawn once, at construction, on a fixed grid (`resolution`), from
/// each asset's own stream `RandomStream(seed:, name: "market.<name>")`. So the price at
/// time `t` does not depend on who asked before, or how often: an agent waking every
/// 12 s and another waking every 250 ms read the same market. Scripted shocks are applied
/// at query time, so an instant shock moves the price at its exact millisecond.
///
/// ```swift
/// let eth = market.asset(named: "ETH")        // look up once, keep the id
/// let price = market.price(of: eth, at: context.now)
/// ```
///
/// Memory: one `Double` per asset per sample (2 days at 1 s is 1.4 MB per asset).
/// Construction is O(assets² × samples) with correlation, O(assets × samples) without;
/// a query is O(1 + shocks).
public struct MarketPath: Hashable, Sendable {
    /// The configuration the path was drawn from.
    public let configuration: MarketConfiguration
    /// Each asset's base path (before scripted shocks), by `AssetID.index`.
    public let basePaths: [AssetPath]

    /// Samples every asset's path from `seed`.
    ///
    /// Throws `MarketError` when the configuration cannot be used: a duplicate name, a bad
    /// process parameter or table, a malformed or non-positive-definite correlation
    /// matrix, or a grid of more than 100 million samples per asset.
    public init(configuration: MarketConfiguration, seed: UInt64) throws(MarketError) {
        try Self.validate(configuration)
        let matrix = try configuration.correlation.map { rows throws(MarketError) in
            try CorrelationMatrix(rows: rows)
        }
        try Self.checkCorrelationTargets(configuration, matrix: matrix)
        self.configuration = configuration
        self.basePaths = Self.sample(configuration, matrix: matrix, seed: seed)
    }

    /// The asset called `name`, or nil. O(assets): look it up once and keep the id.
    public func asset(named name: String) -> AssetID? {
        configuration.assets.firstIndex { $0.name == name }.map(AssetID.init(index:))
    }

    /// The assets' names in `AssetID` order.
    public var assetNames: [String] { configuration.assets.map(\.name) }

    /// The reference price of `asset` at `time`, scripted shocks included.
    public func price(of asset: AssetID, at time: SimTime) -> Double {
        let base = basePaths[asset.index].price(at: time)
        let shocks = configuration.assets[asset.index].shocks
        if shocks.isEmpty { return base }
        return base * ScriptedShock.factor(of: shocks, at: time)
    }

    /// The base price of `asset` at `time`, before scripted shocks.
    public func basePrice(of asset: AssetID, at time: SimTime) -> Double {
        basePaths[asset.index].price(at: time)
    }

    /// The most samples one asset's grid may hold: a limit on memory and construction
    /// time (100 million doubles is 800 MB).
    public static let maximumSamples: Int64 = 100_000_000

    static func validate(_ configuration: MarketConfiguration) throws(MarketError) {
        let resolution = configuration.resolution
        guard resolution.milliseconds > 0 else {
            throw .badSampling("the resolution must be positive")
        }
        guard configuration.horizon.milliseconds >= 0 else {
            throw .badSampling("the horizon must not be negative")
        }
        guard configuration.horizon.milliseconds / resolution.milliseconds < maximumSamples
        else {
            throw .badSampling("horizon / resolution exceeds \(maximumSamples) samples")
        }
        var seen: [String] = []
        for asset in configuration.assets {
            if seen.contains(asset.name) { throw .duplicateAsset(asset.name) }
            seen.append(asset.name)
            if let problem = problem(of: asset.model, resolution: resolution) {
                throw .badAsset(name: asset.name, problem: problem)
            }
            for shock in asset.shocks {
                if let problem = shock.problem {
                    throw .badAsset(name: asset.name, problem: problem)
                }
            }
        }
    }

    static func problem(of model: PriceModel, resolution: SimTime) -> String? {
        switch model {
        case .constant(let price):
            price > 0 && price.isFinite ? nil : "a constant price must be positive and finite"
        case .geometricBrownian(let process): process.problem
        case .jumpDiffusion(let process): process.problem
        case .historical(let anchors): anchors.problem(resolution: resolution)
        }
    }

    static func checkCorrelationTargets(
        _ configuration: MarketConfiguration, matrix: CorrelationMatrix?
    ) throws(MarketError) {
        guard let matrix else { return }
        let assets = configuration.assets
        guard matrix.count == assets.count else {
            throw .badCorrelation(
                "the matrix has \(matrix.count) rows for \(assets.count) assets")
        }
        for (i, asset) in assets.enumerated() where !asset.model.isDiffusive {
            for j in 0..<assets.count where j != i && matrix.rows[i][j] != 0 {
                throw .badCorrelation(
                    "\(asset.name) takes no shocks (constant or historical), "
                        + "so its correlation with \(assets[j].name) must be 0")
            }
        }
    }
}
