import CascadeWorld

/// One scenario of the stress battery: a documented transformation of the base world,
/// written as `--set` overrides so that every stressed run is an ordinary
/// `cascade run WORLD --set ...` anyone can reproduce (docs/stress.md).
///
/// A scenario either applies to a world (its overrides) or does not (a reason the
/// scorecard prints as "not applicable"): a world with no background demand has no gas
/// spike to scale, a world with one collateral asset has no *correlated* crash beyond the
/// single-asset one.
package struct StressScenario: Sendable, Equatable {
    /// The scenarios of the standard battery, in the scorecard's order.
    package enum Kind: String, Sendable, CaseIterable {
        case baseline
        case crash1h = "crash_1h"
        case crash24h = "crash_24h"
        case gasSpike = "gas_spike"
        case oracleFreeze = "oracle_freeze"
        case keeperOutage = "keeper_outage"
        case venueDepth = "venue_depth"
        case correlatedCrash = "correlated_crash"
    }

    package var kind: Kind
    /// The price move as a fraction (−0.3), for the crash scenarios.
    package var change: ExactDecimal
    /// When the window starts, and how long it lasts (the move's `over`, the outage's length).
    package var atMs: Int64
    package var lengthMs: Int64
    /// The gas spike's multiplier (10) or the venue depth's (0.5).
    package var factor: ExactDecimal

    package var name: String { kind.rawValue }

    /// The standard magnitudes (docs/stress.md).
    package static func standard(_ kind: Kind) -> StressScenario {
        let hour: Int64 = 3_600_000
        switch kind {
        case .baseline:
            return StressScenario(
                kind: kind, change: ExactDecimal(0), atMs: 0, lengthMs: 0, factor: ExactDecimal(1))
        case .crash1h, .correlatedCrash:
            return StressScenario(
                kind: kind, change: ExactDecimal(-30).shifted(by: -2), atMs: hour, lengthMs: hour,
                factor: ExactDecimal(1))
        case .crash24h:
            return StressScenario(
                kind: kind, change: ExactDecimal(-50).shifted(by: -2), atMs: 0,
                lengthMs: 24 * hour, factor: ExactDecimal(1))
        case .gasSpike:
            return StressScenario(
                kind: kind, change: ExactDecimal(0), atMs: hour, lengthMs: 2 * hour,
                factor: ExactDecimal(10))
        case .oracleFreeze, .keeperOutage:
            return StressScenario(
                kind: kind, change: ExactDecimal(0), atMs: hour, lengthMs: hour,
                factor: ExactDecimal(1))
        case .venueDepth:
            return StressScenario(
                kind: kind, change: ExactDecimal(0), atMs: 0, lengthMs: 0,
                factor: ExactDecimal(5).shifted(by: -1))
        }
    }

    /// A line for people: `−30% in 1h from 1h`, `depth ×0.5`.
    package var label: String {
        switch kind {
        case .baseline: "the world as it is"
        case .crash1h:
            "main collateral \(Self.percent(change)) over \(Self.duration(lengthMs)) from \(Self.duration(atMs))"
        case .crash24h:
            "main collateral \(Self.percent(change)) over \(Self.duration(lengthMs)) from \(Self.duration(atMs))"
        case .correlatedCrash:
            "every collateral \(Self.percent(change)) over \(Self.duration(lengthMs)) from \(Self.duration(atMs)), correlation 0.999"
        case .gasSpike:
            "background demand and its price ×\(factor) for \(Self.duration(lengthMs)) from \(Self.duration(atMs))"
        case .oracleFreeze:
            "oracle reporters stop for \(Self.duration(lengthMs)) from \(Self.duration(atMs))"
        case .keeperOutage:
            "every keeper down for \(Self.duration(lengthMs)) from \(Self.duration(atMs))"
        case .venueDepth: "venue depth and AMM reserves ×\(factor)"
        }
    }

    /// `-30%`.
    static func percent(_ fraction: ExactDecimal) -> String {
        fraction.shifted(by: 2).description + "%"
    }

    /// Whole hours as `1h`, whole minutes as `10m`, else seconds or milliseconds.
    static func duration(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        if milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}

/// What a scenario does to one world.
package enum StressApplication: Sendable, Equatable {
    /// The overrides, in order, that turn the base world into the stressed one.
    case applies([String])
    /// Why the scenario has nothing to act on in this world.
    case notApplicable(String)
}

extension StressScenario {
    /// The overrides that apply the scenario to `world` (the base world's JSON, with the
    /// config's own overrides applied), whose run lasts `durationMs`.
    package func application(to world: JSONValue, durationMs: Int64) -> StressApplication {
        let shape = StressWorldShape(world)
        guard shape.isProtocol else {
            return .notApplicable("not a protocol world (no protocol section)")
        }
        // A standard window in a shorter world (a config that names the scenario is
        // refused instead, at its `at`).
        if kind != .baseline && kind != .venueDepth && atMs >= durationMs {
            return .notApplicable(
                "the window starts at \(Self.duration(atMs)), when the world "
                    + "(\(Self.duration(durationMs))) has ended")
        }
        switch kind {
        case .baseline:
            return .applies([])
        case .crash1h, .crash24h:
            guard let asset = shape.collateralAssets.first else {
                return .notApplicable("the world has no collateral asset")
            }
            return .applies(shocks(on: [asset], shape: shape, durationMs: durationMs))
        case .correlatedCrash:
            let assets = shape.collateralAssets
            guard assets.count >= 2 else {
                return .notApplicable(
                    "one collateral asset: the same as crash_1h with this move")
            }
            var overrides = shocks(on: assets, shape: shape, durationMs: durationMs)
            if shape.diffusionAssetCount >= 2 {
                overrides.append("protocol.market.correlation=0.999")
            }
            return .applies(overrides)
        case .gasSpike:
            return gasSpike(shape, durationMs: durationMs)
        case .oracleFreeze:
            return downtime(
                shape.oracleAgents, durationMs: durationMs,
                missing: "the world's oracle has no reporters to stop")
        case .keeperOutage:
            return downtime(
                shape.keeperGroups, durationMs: durationMs, missing: "the world has no keepers")
        case .venueDepth:
            let overrides = shape.depthOverrides(factor: factor)
            return overrides.isEmpty
                ? .notApplicable("the world has no venue or AMM pair") : .applies(overrides)
        }
    }

    /// The window, cut at the world's end: a 24-hour move in an 8-hour world moves only
    /// as far as the world lasts (the shock is linear, so a third of the way).
    func windowEnd(durationMs: Int64) -> Int64 {
        min(atMs + lengthMs, durationMs)
    }

    /// One scripted shock appended to each asset's `shocks`.
    func shocks(on assets: [String], shape: StressWorldShape, durationMs: Int64) -> [String] {
        var overrides: [String] = []
        for asset in assets {
            guard let index = shape.marketAssetIndex(asset) else { continue }
            var list = shape.marketAssetShocks(index)
            var members = [
                JSONMember(key: "at", value: .init(.string("\(atMs)ms"))),
                JSONMember(key: "change", value: .init(.string(Self.percent(change)))),
            ]
            // A window cut at the world's end keeps its rate: the move is scaled down.
            let end = atMs + lengthMs
            if end > durationMs && lengthMs > 0 {
                let kept = durationMs - atMs
                let scaled = ExactDecimal.multiply(change, by: kept, over: lengthMs)
                members[1] = JSONMember(key: "change", value: .init(.string(Self.percent(scaled))))
                members.append(JSONMember(key: "over", value: .init(.string("\(kept)ms"))))
            } else {
                members.append(JSONMember(key: "over", value: .init(.string("\(lengthMs)ms"))))
            }
            list.append(JSONValue(.object(members)))
            overrides.append(
                "protocol.market.assets[\(index)].shocks="
                    + JSONSerializer.canonicalText(JSONValue(.array(list))))
        }
        return overrides
    }

    /// The congestion schedule with every step in the window scaled: `demand` and
    /// `median_price` × factor, from the step in force at the window's start until the
    /// step in force at its end is restored.
    func gasSpike(_ shape: StressWorldShape, durationMs: Int64) -> StressApplication {
        guard let steps = shape.congestionSteps, !steps.isEmpty else {
            return .notApplicable("the world has no background demand (protocol.congestion)")
        }
        let start = atMs
        let end = windowEnd(durationMs: durationMs)
        var result: [JSONValue] = []
        func inForce(at time: Int64) -> JSONValue? {
            steps.last { $0.atMs <= time }?.value
        }
        for step in steps where step.atMs < start { result.append(step.value) }
        if !steps.contains(where: { $0.atMs == start }), let current = inForce(at: start) {
            result.append(scaled(current, at: start))
        }
        for step in steps where step.atMs >= start && step.atMs < end {
            result.append(scaled(step.value, at: nil))
        }
        if end < durationMs, !steps.contains(where: { $0.atMs == end }),
            let current = inForce(at: end)
        {
            result.append(Self.replacing("at", in: current, with: .string("\(end)ms")))
        }
        for step in steps where step.atMs >= end { result.append(step.value) }
        return .applies([
            "protocol.congestion.schedule="
                + JSONSerializer.canonicalText(JSONValue(.array(result)))
        ])
    }

    /// A congestion step with its demand and price × factor (and a new `at` when given).
    func scaled(_ step: JSONValue, at time: Int64?) -> JSONValue {
        guard case .object(var members) = step.content else { return step }
        for index in members.indices {
            guard case .string(let text) = members[index].value.content else { continue }
            switch members[index].key {
            case "demand", "median_price":
                members[index].value = JSONValue(.string(Self.scaleQuantity(text, by: factor)))
            case "at":
                if let time { members[index].value = JSONValue(.string("\(time)ms")) }
            default: break
            }
        }
        return JSONValue(.object(members))
    }

    /// `"130%"` × 10 is `"1300%"`, `"7.07 gwei"` × 10 is `"70.7 gwei"`: the number scaled
    /// exactly, the unit kept as written.
    static func scaleQuantity(_ text: String, by factor: ExactDecimal) -> String {
        let numberEnd =
            text.firstIndex { !($0.isNumber || $0 == "." || $0 == "-") } ?? text.endIndex
        guard let number = ExactDecimal(String(text[..<numberEnd])) else { return text }
        return ExactDecimal.multiply(number, by: factor).description + text[numberEnd...]
    }

    static func replacing(_ key: String, in value: JSONValue, with content: JSONValue.Content)
        -> JSONValue
    {
        guard case .object(var members) = value.content else { return value }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = JSONValue(content)
        } else {
            members.append(JSONMember(key: key, value: JSONValue(content)))
        }
        return JSONValue(.object(members))
    }

    /// One `downtime` window appended to each agent section, each written whole (a section
    /// the world leaves to its defaults does not exist for `--set` to reach into).
    func downtime(
        _ sections: [(path: String, value: JSONValue)], durationMs: Int64, missing: String
    ) -> StressApplication {
        guard !sections.isEmpty else { return .notApplicable(missing) }
        let end = windowEnd(durationMs: durationMs)
        let window = JSONValue(
            .object([
                JSONMember(key: "from", value: .init(.string("\(atMs)ms"))),
                JSONMember(key: "until", value: .init(.string("\(end)ms"))),
            ]))
        return .applies(
            sections.map { section in
                var list: [JSONValue] = []
                if case .array(let existing)? = section.value.member("downtime")?.value.content {
                    list = existing
                }
                list.append(window)
                let updated = Self.replacing("downtime", in: section.value, with: .array(list))
                return section.path + "=" + JSONSerializer.canonicalText(updated)
            })
    }
}

extension ExactDecimal {
    /// `value × factor`, exactly.
    static func multiply(_ value: ExactDecimal, by factor: ExactDecimal) -> ExactDecimal {
        let product = multiplyDigits(value.digits, factor.digits)
        return ExactDecimal(
            isNegative: value.isNegative != factor.isNegative, digits: product,
            exponent: value.exponent + factor.exponent)
    }

    /// `value × numerator / denominator`, rounded toward zero at 12 decimal places (a
    /// shock's move cut at the world's end; exact whenever the ratio is).
    static func multiply(_ value: ExactDecimal, by numerator: Int64, over denominator: Int64)
        -> ExactDecimal
    {
        let scaled = multiply(value, by: ExactDecimal(Int(numerator))).shifted(by: 12)
        let whole = scaled.description.split(separator: ".").first.map(String.init) ?? "0"
        let magnitude = whole.hasPrefix("-") ? String(whole.dropFirst()) : whole
        let quotient = divideDigits(magnitude, by: denominator)
        return ExactDecimal(isNegative: value.isNegative, digits: quotient, exponent: -12)
    }

    /// Schoolbook product of two digit strings.
    static func multiplyDigits(_ a: String, _ b: String) -> String {
        let x = a.utf8.map { Int($0) - 48 }
        let y = b.utf8.map { Int($0) - 48 }
        var result = [Int](repeating: 0, count: x.count + y.count)
        for i in x.indices.reversed() {
            for j in y.indices.reversed() {
                let sum = result[i + j + 1] + x[i] * y[j]
                result[i + j + 1] = sum % 10
                result[i + j] += sum / 10
            }
        }
        let text = String(result.map { Character(String($0)) }).drop { $0 == "0" }
        return text.isEmpty ? "0" : String(text)
    }

    /// A digit string divided by a positive integer, rounded down.
    static func divideDigits(_ digits: String, by divisor: Int64) -> String {
        var remainder: Int64 = 0
        var quotient = ""
        for character in digits.utf8 {
            let current = remainder * 10 + Int64(character) - 48
            quotient.append(Character(String(current / divisor)))
            remainder = current % divisor
        }
        let trimmed = quotient.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
