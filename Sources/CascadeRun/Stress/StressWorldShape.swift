import CascadeWorld

/// What the stress scenarios need to know about a world, read from its JSON (after the
/// config's overrides): its collateral assets, where its keepers and oracle reporters are
/// configured, its congestion schedule and its venues. Reading the JSON rather than the
/// decoded world keeps every transformation an override of a documented key.
///
/// The three protocol families place these differently: Maker (`protocol.collaterals`,
/// `protocol.keepers`), lending (`protocol.lending`), perpetuals (`protocol.perps`).
struct StressWorldShape {
    let root: JSONValue

    init(_ root: JSONValue) {
        self.root = root
    }

    var isProtocol: Bool { protocolSection != nil }

    var protocolSection: JSONValue? { root.member("protocol")?.value }

    func section(_ keys: String...) -> JSONValue? {
        var value = protocolSection
        for key in keys { value = value?.member(key)?.value }
        return value
    }

    static func elements(_ value: JSONValue?) -> [JSONValue] {
        guard case .array(let elements)? = value?.content else { return [] }
        return elements
    }

    static func string(_ value: JSONValue?, _ key: String) -> String? {
        guard case .string(let text)? = value?.member(key)?.value.content else { return nil }
        return text
    }

    /// Whether a lending asset counts as collateral: a non-zero `ltv`,
    /// `liquidation_threshold` or `collateral_factor`.
    static func isLendingCollateral(_ asset: JSONValue) -> Bool {
        ["ltv", "liquidation_threshold", "collateral_factor"].contains { key in
            guard let text = string(asset, key),
                case .success(let fraction) = UnitFormats.percentage(text)
            else { return false }
            return !fraction.isZero
        }
    }

    /// The market assets that back positions, in world order, without repeats: Maker's
    /// collaterals' assets, a lending pool's collateral assets, the perpetual markets'
    /// assets (a perpetual's margin is its position), an options exchange's underlying (its
    /// writers' short puts lose as it falls).
    var collateralAssets: [String] {
        var names: [String] = []
        for collateral in Self.elements(section("collaterals")) {
            if let asset = Self.string(collateral, "asset") { names.append(asset) }
        }
        for asset in Self.elements(section("lending", "assets"))
        where Self.isLendingCollateral(asset) {
            if let name = Self.string(asset, "asset") { names.append(name) }
        }
        for market in Self.elements(section("perps", "markets")) {
            if let asset = Self.string(market, "asset") { names.append(asset) }
        }
        if let asset = Self.string(section("options"), "asset") { names.append(asset) }
        var unique: [String] = []
        for name in names where !unique.contains(name) { unique.append(name) }
        return unique
    }

    var marketAssets: [JSONValue] { Self.elements(section("market", "assets")) }

    func marketAssetIndex(_ name: String) -> Int? {
        marketAssets.firstIndex { Self.string($0, "name") == name }
    }

    func marketAssetShocks(_ index: Int) -> [JSONValue] {
        Self.elements(marketAssets[index].member("shocks")?.value)
    }

    /// Market assets driven by a diffusion (`gbm`, `jump_diffusion`): the ones a
    /// correlation acts on.
    var diffusionAssetCount: Int {
        marketAssets.filter { asset in
            let kind = Self.string(asset.member("model")?.value, "kind")
            return kind == "gbm" || kind == "jump_diffusion"
        }.count
    }

    /// The congestion schedule's steps with their start in milliseconds.
    var congestionSteps: [(atMs: Int64, value: JSONValue)]? {
        guard let schedule = section("congestion", "schedule") else { return nil }
        return Self.elements(schedule).map { step in
            let at = Self.string(step, "at").flatMap {
                try? UnitFormats.durationMilliseconds($0).get()
            }
            return (at ?? 0, step)
        }
    }

    /// A section that is one object or an array of objects, as paths with their values.
    func groups(_ path: String, _ value: JSONValue?) -> [(path: String, value: JSONValue)] {
        guard let value else { return [] }
        switch value.content {
        case .object: return [(path, value)]
        case .array(let elements):
            return elements.indices.map { ("\(path)[\($0)]", elements[$0]) }
        default: return []
        }
    }

    /// Every keeper group: Maker's keepers, a lending pool's liquidators, a perpetual
    /// exchange's liquidators, an options exchange's liquidators and settlement keeper (its
    /// section is created when the world leaves it to its defaults).
    var keeperGroups: [(path: String, value: JSONValue)] {
        var groups =
            groups("protocol.keepers", section("keepers"))
            + groups("protocol.lending.keepers", section("lending", "keepers"))
            + groups("protocol.perps.liquidators", section("perps", "liquidators"))
        if let options = section("options") {
            groups += self.groups("protocol.options.liquidators", section("options", "liquidators"))
            groups.append(
                (
                    "protocol.options.settlement",
                    options.member("settlement")?.value ?? JSONValue(.object([]))
                ))
        }
        return groups
    }

    /// The agents that put prices on chain: each Maker collateral's transmitter (the
    /// section is created when the world leaves it to its defaults), a lending pool's
    /// oracle node, a perpetual exchange's oracle, an options exchange's oracle.
    var oracleAgents: [(path: String, value: JSONValue)] {
        var agents: [(path: String, value: JSONValue)] = []
        for (index, collateral) in Self.elements(section("collaterals")).enumerated() {
            let path = "protocol.collaterals[\(index)].transmitter"
            agents.append((path, collateral.member("transmitter")?.value ?? JSONValue(.object([]))))
        }
        if let lending = section("lending") {
            agents.append(
                (
                    "protocol.lending.oracle",
                    lending.member("oracle")?.value ?? JSONValue(.object([]))
                ))
        }
        if let perps = section("perps") {
            agents.append(
                ("protocol.perps.oracle", perps.member("oracle")?.value ?? JSONValue(.object([]))))
        }
        if let options = section("options") {
            agents.append(
                (
                    "protocol.options.oracle",
                    options.member("oracle")?.value ?? JSONValue(.object([]))
                ))
        }
        return agents
    }

    /// The documented default depth of a venue the world leaves to its default.
    static let makerDepthDefault = ExactDecimal(5_000_000)
    static let lendingDepthDefault = ExactDecimal(5_000_000)
    static let perpDepthDefault = ExactDecimal(1_000_000)
    static let poolCollateralDefault = ExactDecimal(50_000)

    static func decimal(_ value: JSONValue?, _ key: String) -> ExactDecimal? {
        switch value?.member(key)?.value.content {
        case .number(let literal)?: ExactDecimal(literal)
        case .string(let text)?: ExactDecimal(text)
        default: nil
        }
    }

    /// Every venue whose depth a forced sale meets, with its path and depth: each Maker
    /// collateral's book, each lending collateral asset's book, each perpetual market's
    /// book (its spot books feed the oracle, not the liquidations).
    var venues: [(path: String, depth: ExactDecimal, section: JSONValue?)] {
        var venues: [(path: String, depth: ExactDecimal, section: JSONValue?)] = []
        for (index, collateral) in Self.elements(section("collaterals")).enumerated() {
            let venue = collateral.member("venue")?.value
            venues.append(
                (
                    "protocol.collaterals[\(index)].venue",
                    Self.decimal(venue, "depth") ?? Self.makerDepthDefault, venue
                ))
        }
        for (index, asset) in Self.elements(section("lending", "assets")).enumerated()
        where Self.isLendingCollateral(asset) {
            let venue = asset.member("venue")?.value
            venues.append(
                (
                    "protocol.lending.assets[\(index)].venue",
                    Self.decimal(venue, "depth") ?? Self.lendingDepthDefault, venue
                ))
        }
        for (index, market) in Self.elements(section("perps", "markets")).enumerated() {
            let venue = market.member("venue")?.value
            venues.append(
                (
                    "protocol.perps.markets[\(index)].venue",
                    Self.decimal(venue, "depth") ?? Self.perpDepthDefault, venue
                ))
        }
        return venues
    }

    /// The forced sales' venues' quoted depth, summed (USD or DAI).
    var venueDepth: ExactDecimal? {
        let depths = venues.map(\.depth)
        guard var total = depths.first else { return nil }
        for depth in depths.dropFirst() { total = ExactDecimal.add(total, depth) }
        return total
    }

    /// The overrides of `venue_depth`: every venue's depth (those of all lending assets
    /// and perpetual spot books too) and every AMM pair's reserves × factor.
    func depthOverrides(factor: ExactDecimal) -> [String] {
        var overrides: [String] = []
        func venue(_ path: String, _ value: JSONValue?, _ fallback: ExactDecimal) {
            let depth = Self.decimal(value, "depth") ?? fallback
            let scaled = ExactDecimal.multiply(depth, by: factor)
            let updated = StressScenario.replacing(
                "depth", in: value ?? JSONValue(.object([])), with: .number(scaled.description))
            overrides.append("\(path)=" + JSONSerializer.canonicalText(updated))
        }
        for (index, collateral) in Self.elements(section("collaterals")).enumerated() {
            venue(
                "protocol.collaterals[\(index)].venue", collateral.member("venue")?.value,
                Self.makerDepthDefault)
            let pool = Self.decimal(collateral, "pool_collateral") ?? Self.poolCollateralDefault
            let halved = ExactDecimal.multiply(pool, by: factor)
            // `pool_collateral` is whole units: round down.
            let whole = halved.description.split(separator: ".").first.map(String.init) ?? "0"
            overrides.append("protocol.collaterals[\(index)].pool_collateral=\(whole)")
        }
        for (index, asset) in Self.elements(section("lending", "assets")).enumerated() {
            venue(
                "protocol.lending.assets[\(index)].venue", asset.member("venue")?.value,
                Self.lendingDepthDefault)
        }
        if let pair = section("lending", "pair") {
            for key in ["asset_reserve", "quote_reserve"] {
                if let reserve = Self.decimal(pair, key) {
                    overrides.append(
                        "protocol.lending.pair.\(key)="
                            + ExactDecimal.multiply(reserve, by: factor).description)
                }
            }
        }
        for (index, market) in Self.elements(section("perps", "markets")).enumerated() {
            venue(
                "protocol.perps.markets[\(index)].venue", market.member("venue")?.value,
                Self.perpDepthDefault)
            for (spot, book) in Self.elements(market.member("spot_venues")?.value).enumerated() {
                venue(
                    "protocol.perps.markets[\(index)].spot_venues[\(spot)]", book,
                    Self.perpDepthDefault)
            }
        }
        return overrides
    }
}

extension ExactDecimal {
    /// `a + b` for non-negative values, exactly.
    static func add(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal {
        let exponent = min(a.exponent, b.exponent)
        let x = a.digits + String(repeating: "0", count: a.exponent - exponent)
        let y = b.digits + String(repeating: "0", count: b.exponent - exponent)
        let width = max(x.count, y.count)
        let left = Array((String(repeating: "0", count: width - x.count) + x).utf8)
        let right = Array((String(repeating: "0", count: width - y.count) + y).utf8)
        var carry = 0
        var digits: [Character] = []
        for index in (0..<width).reversed() {
            let sum = Int(left[index]) - 48 + Int(right[index]) - 48 + carry
            digits.append(Character(String(sum % 10)))
            carry = sum / 10
        }
        if carry > 0 { digits.append(Character(String(carry))) }
        return ExactDecimal(
            isNegative: false, digits: String(digits.reversed()), exponent: exponent)
    }
}
