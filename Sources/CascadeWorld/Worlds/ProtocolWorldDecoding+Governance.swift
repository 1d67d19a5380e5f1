import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// `protocol.lending.circuit_breaker`, `protocol.lending.liquidation_fee` (and the same under
/// `protocol.perps`), and `protocol.governance` with its schedule and risk controller
/// (docs/world-files.md, "Circuit breakers, fee designs and governance").
extension ProtocolWorldDecoding {
    // MARK: - Guards

    /// A protocol section's `circuit_breaker` and `liquidation_fee`, or nil with neither.
    /// `trading` names what the breaker's second pause stops (`borrowing` or `trading`).
    static func decodeGuard(_ object: JSONObjectReader, trading: String)
        throws(WorldError) -> GuardSettings?
    {
        let breakerReader = object.optional("circuit_breaker")
        let feeReader = object.optional("liquidation_fee")
        guard breakerReader != nil || feeReader != nil else { return nil }
        var settings = GuardSettings()
        if let breakerReader {
            settings.breaker = try decodeBreaker(breakerReader, trading: trading)
        }
        if let feeReader {
            settings.feeDesign = try decodeFeeDesign(feeReader)
        }
        return settings
    }

    static func decodeBreaker(_ reader: JSONReader, trading: String)
        throws(WorldError) -> CircuitBreaker.Rule
    {
        let object = try reader.object()
        let move = try object.optional("move").map { value throws(WorldError) in
            UInt256(try bps(value, in: 1...100_000))
        }
        let window = try object.optional("window").map { value throws(WorldError) in
            try wholeSeconds(value, in: 1...7 * 86_400)
        }
        let cooldown = try object.optional("cooldown").map { value throws(WorldError) in
            try wholeSeconds(value, in: 0...7 * 86_400)
        }
        let stale = try object.optional("stale").map { value throws(WorldError) in
            try wholeSeconds(value, in: 1...7 * 86_400)
        }
        guard move != nil || stale != nil else {
            throw reader.error("give move (with window and cooldown), stale, or both")
        }
        if move != nil {
            for (key, value) in [("window", window), ("cooldown", cooldown)] where value == nil {
                throw reader.error("move needs \(key)")
            }
        } else {
            for key in ["window", "cooldown"] {
                if let value = object.optional(key) {
                    throw value.error("\(key) belongs to move, which is not given")
                }
            }
        }
        var pausesLiquidations = true
        var pausesTrading = false
        if let list = object.optional("pause") {
            let names = try list.array(count: 1...2).map { entry throws(WorldError) in
                try entry.oneOf(["liquidations", trading])
            }
            guard Set(names).count == names.count else { throw list.error("a name twice") }
            pausesLiquidations = names.contains("liquidations")
            pausesTrading = names.contains(trading)
        }
        try object.finish()
        return CircuitBreaker.Rule(
            moveBps: move, windowSeconds: window ?? 0, cooldownSeconds: cooldown ?? 0,
            staleSeconds: stale, pausesLiquidations: pausesLiquidations,
            pausesTrading: pausesTrading)
    }

    static func decodeFeeDesign(_ reader: JSONReader) throws(WorldError) -> LiquidationFeeDesign {
        let object = try reader.object()
        let design: LiquidationFeeDesign
        switch try object.required("design").oneOf(["fixed", "dutch", "dynamic"]) {
        case "dutch":
            let start = try bps(try object.required("start"), in: 0...5_000)
            let capReader = try object.required("cap")
            let cap = try bps(capReader, in: 0...5_000)
            guard cap >= start else { throw capReader.error("must be at least start") }
            design = .dutch(
                startBps: UInt256(start), capBps: UInt256(cap),
                durationSeconds: try wholeSeconds(
                    try object.required("duration"), in: 1...7 * 86_400))
        case "dynamic":
            let base = try bps(try object.required("base"), in: 0...5_000)
            let capReader = try object.required("cap")
            let cap = try bps(capReader, in: 0...5_000)
            guard cap >= base else { throw capReader.error("must be at least base") }
            design = .dynamic(
                baseBps: UInt256(base),
                multiplierBps: UInt256(try bps(try object.required("multiplier"), in: 0...100_000)),
                capBps: UInt256(cap),
                windowSeconds: try wholeSeconds(
                    try object.required("window"), in: 1...7 * 86_400))
        default:
            design = .fixed
        }
        try object.finish()
        return design
    }

    // MARK: - Governance

    /// What a governance path may name in this world.
    struct GovernedWorld {
        var lending: LendingSettings?
        var perps: PerpWorldSettings?
        var collaterals: [CollateralSettings]
        var makerGuard: GuardSettings?

        /// The Maker guard's index: after the lending or perpetuals guard, if there is one.
        var makerGuardIndex: Int {
            lending?.guardSettings != nil || perps?.guardSettings != nil ? 1 : 0
        }
    }

    static func decodeGovernance(_ reader: JSONReader, world: GovernedWorld)
        throws(WorldError) -> GovernanceSettings
    {
        let object = try reader.object()
        var settings = GovernanceSettings(
            delaySeconds: try wholeSeconds(try object.required("delay"), in: 0...30 * 86_400))
        if let list = object.optional("schedule") {
            for entry in try list.array(count: 0...1_000) {
                let change = try entry.object()
                let at = SimTime(
                    milliseconds: try change.required("at").durationMilliseconds(
                        in: 0...(365 * 86_400_000)))
                let (parameter, label, value) = try decodeParameterChange(change, world: world)
                try change.finish()
                settings.schedule.append(
                    ScheduledChange(at: at, parameter: parameter, value: value, label: label))
            }
        }
        settings.gas = try decodeGas(object, default: settings.gas)
        try decodeLatencies(object, &settings.observation, &settings.propagation)
        if let section = object.optional("risk_controller") {
            settings.riskController = try decodeRiskController(section, world: world)
        }
        try object.finish()
        return settings
    }

    static func decodeRiskController(_ reader: JSONReader, world: GovernedWorld)
        throws(WorldError) -> RiskControllerSettings
    {
        let object = try reader.object()
        var rules: [RiskRule] = []
        for entry in try object.required("rules").array(count: 1...32) {
            let rule = try entry.object()
            let indicatorReader = try rule.required("when")
            let kind = try indicatorReader.oneOf(
                ["volatility", "oracle_lag", "utilisation", "insurance_coverage"])
            let assetIndex = try riskAsset(rule, kind: kind, reader: indicatorReader, world: world)
            let indicator: RiskIndicator
            switch kind {
            case "volatility":
                indicator = .volatility(
                    asset: assetIndex,
                    windowSeconds: try wholeSeconds(
                        try rule.required("window"), in: 60...86_400))
            case "oracle_lag": indicator = .oracleLag(asset: assetIndex)
            case "utilisation":
                guard world.lending != nil else {
                    throw indicatorReader.error("utilisation is a lending pool's")
                }
                indicator = .utilisation(asset: assetIndex)
            default:
                guard world.perps != nil, world.lending == nil else {
                    throw indicatorReader.error("insurance_coverage is a perpetuals exchange's")
                }
                indicator = .insuranceCoverage
            }
            let aboveReader = rule.optional("above")
            let belowReader = rule.optional("below")
            guard (aboveReader == nil) != (belowReader == nil),
                let thresholdReader =
                    aboveReader ?? belowReader
            else { throw entry.error("give above or below (one of them)") }
            let threshold: Double
            if kind == "oracle_lag" {
                threshold = Double(try wholeSeconds(thresholdReader, in: 1...7 * 86_400))
            } else {
                threshold = try thresholdReader.ratio().approximateDouble
            }
            let (parameter, label, value) = try decodeParameterChange(rule, world: world)
            try rule.finish()
            rules.append(
                RiskRule(
                    indicator: indicator, above: aboveReader != nil, threshold: threshold,
                    parameter: parameter, value: value, label: label))
        }
        var settings = RiskControllerSettings(rules: rules)
        settings.gas = try decodeGas(object, default: settings.gas)
        try decodeLatencies(object, &settings.observation, &settings.propagation)
        try object.finish()
        return settings
    }

    /// The rule's `asset` (a lending asset's symbol or a perpetual market's name), required
    /// by every indicator but `insurance_coverage`.
    static func riskAsset(
        _ rule: JSONObjectReader, kind: String, reader: JSONReader, world: GovernedWorld
    ) throws(WorldError) -> Int {
        guard kind != "insurance_coverage" else { return 0 }
        let assetReader = try rule.required("asset")
        let name = try assetReader.nonEmptyString()
        let names =
            world.lending?.assets.map(\.symbol) ?? world.perps?.markets.map(\.terms.name) ?? []
        guard let index = names.firstIndex(of: name) else {
            throw assetReader.error(
                "no asset \(name); the protocol's are \(names.joined(separator: ", "))")
        }
        return index
    }

    /// An object's `parameter` (a world path, relative to `protocol`) and `value` (in that
    /// key's own unit), resolved to what governance writes.
    static func decodeParameterChange(_ object: JSONObjectReader, world: GovernedWorld)
        throws(WorldError) -> (Governance.Parameter, String, UInt256)
    {
        let pathReader = try object.required("parameter")
        let label = try pathReader.nonEmptyString()
        let valueReader = try object.required("value")
        let parts = pathParts(label)
        let known =
            "a governed parameter (docs/model/governance.md lists them), such as "
            + "lending.assets[0].ltv"
        func index(_ part: String?, count: Int) throws(WorldError) -> Int {
            guard let part, let value = Int(part), value >= 0, value < count else {
                throw pathReader.error("\(label): the index must be 0 to \(count - 1)")
            }
            return value
        }
        switch (parts.first, parts.count) {
        case ("lending", _):
            guard let lending = world.lending else { throw pathReader.error("no lending pool") }
            let aave = lending.kind != .compound
            if parts.count == 4, parts[1] == "assets" {
                let asset = try index(parts[2], count: lending.assets.count)
                switch (parts[3], aave) {
                case ("ltv", true):
                    return (
                        .aaveLTV(pool: 0, asset: asset), label,
                        UInt256(try bps(valueReader, in: 0...10_000))
                    )
                case ("liquidation_threshold", true):
                    return (
                        .aaveLiquidationThreshold(pool: 0, asset: asset), label,
                        UInt256(try bps(valueReader, in: 0...10_000))
                    )
                case ("liquidation_bonus", true):
                    return (
                        .aaveLiquidationBonus(pool: 0, asset: asset), label,
                        UInt256(10_000 + (try bps(valueReader, in: 1...5_000)))
                    )
                case ("collateral_factor", false):
                    return (
                        .compoundCollateralFactor(comptroller: 0, market: asset), label,
                        UInt256(try bps(valueReader, in: 0...9_000)) * basisWad
                    )
                default: break
                }
            } else if parts.count == 2, !aave, parts[1] == "close_factor" {
                return (
                    .compoundCloseFactor(comptroller: 0), label,
                    UInt256(try bps(valueReader, in: 500...9_000)) * basisWad
                )
            } else if parts.count == 2, !aave, parts[1] == "liquidation_incentive" {
                return (
                    .compoundLiquidationIncentive(comptroller: 0), label,
                    UInt256(10_000 + (try bps(valueReader, in: 0...5_000))) * basisWad
                )
            } else if parts.count == 3, parts[1] == "circuit_breaker",
                lending.guardSettings?.breaker != nil
            {
                return try breakerChange(parts[2], label, valueReader, pathReader, guard: 0)
            }
        case ("perps", _):
            guard let perps = world.perps else { throw pathReader.error("no perps exchange") }
            if parts.count == 4, parts[1] == "markets" {
                let market = try index(parts[2], count: perps.markets.count)
                let ppmValue = UInt256(UInt64(try ppm(valueReader)))
                switch parts[3] {
                case "initial_margin":
                    return (.perpInitialMargin(exchange: 0, market: market), label, ppmValue)
                case "maintenance_margin":
                    return (.perpMaintenanceMargin(exchange: 0, market: market), label, ppmValue)
                case "liquidation_penalty":
                    return (.perpLiquidationPenalty(exchange: 0, market: market), label, ppmValue)
                default: break
                }
            } else if parts.count == 3, parts[1] == "circuit_breaker",
                perps.guardSettings?.breaker != nil
            {
                return try breakerChange(parts[2], label, valueReader, pathReader, guard: 0)
            }
        case ("circuit_breaker", 2) where world.makerGuard?.breaker != nil:
            return try breakerChange(
                parts[1], label, valueReader, pathReader, guard: world.makerGuardIndex)
        case ("collaterals", 4):
            let ilk = try index(parts[1], count: world.collaterals.count)
            let flipper: Bool
            switch world.collaterals[ilk].liquidation {
            case .flip: flipper = true
            case .clip: flipper = false
            }
            switch (parts[2], parts[3]) {
            case ("flipper", "chop") where flipper, ("clipper", "chop") where !flipper:
                return (
                    .makerChop(ilk: ilk), label,
                    .wad + (try fraction(valueReader, scale: 18, atMostPercent: 100))
                )
            case ("flipper", "ttl") where flipper:
                return (
                    .flipperTTL(ilk: ilk), label,
                    UInt256(try wholeSeconds(valueReader, in: 1...365 * 86_400))
                )
            case ("flipper", "tau") where flipper:
                return (
                    .flipperTau(ilk: ilk), label,
                    UInt256(try wholeSeconds(valueReader, in: 1...365 * 86_400))
                )
            case ("clipper", "buf") where !flipper:
                let buf = try fraction(valueReader, scale: 27, atMostPercent: 10_000)
                guard buf >= .ray else { throw valueReader.error("must be at least 100%") }
                return (.clipperBuf(ilk: ilk), label, buf)
            case ("clipper", "tail") where !flipper:
                return (
                    .clipperTail(ilk: ilk), label,
                    UInt256(try wholeSeconds(valueReader, in: 1...365 * 86_400))
                )
            default: break
            }
        default: break
        }
        throw pathReader.error("\(label) is not \(known)")
    }

    static let basisWad = UInt256(100_000_000_000_000 as UInt64)

    static func breakerChange(
        _ key: String, _ label: String, _ value: JSONReader, _ path: JSONReader, guard g: Int
    ) throws(WorldError) -> (Governance.Parameter, String, UInt256) {
        switch key {
        case "move":
            return (.breakerMove(guard: g), label, UInt256(try bps(value, in: 1...100_000)))
        case "window":
            return (
                .breakerWindow(guard: g), label,
                UInt256(try wholeSeconds(value, in: 1...7 * 86_400))
            )
        case "cooldown":
            return (
                .breakerCooldown(guard: g), label,
                UInt256(try wholeSeconds(value, in: 0...7 * 86_400))
            )
        case "stale":
            return (
                .breakerStale(guard: g), label,
                UInt256(try wholeSeconds(value, in: 1...7 * 86_400))
            )
        default:
            throw path.error("\(label): a breaker has move, window, cooldown and stale")
        }
    }

    /// `lending.assets[1].ltv` → `["lending", "assets", "1", "ltv"]`.
    static func pathParts(_ path: String) -> [String] {
        var parts: [String] = []
        var current = ""
        for character in path {
            switch character {
            case ".", "[", "]":
                if !current.isEmpty { parts.append(current) }
                current = ""
            default:
                current.append(character)
            }
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}
