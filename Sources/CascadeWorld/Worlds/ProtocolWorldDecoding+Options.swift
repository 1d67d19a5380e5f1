import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

// `protocol.options`: an options exchange on the world's chain (docs/world-files.md,
// "options"). Every key is listed there with its unit, default and range; a key left out
// takes the library's default (`OptionsWorldSettings`, `OptionMarginTerms`,
// `RiskGrid.Parameters`, ...), never a guess. The surface has no default: `flat` is one
// explicit choice.

extension ProtocolWorldDecoding {
    static func decodeOptions(_ reader: JSONReader, assets: [String])
        throws(WorldError) -> OptionsWorldSettings
    {
        let object = try reader.object()
        let assetReader = try object.required("asset")
        let asset = try assetReader.nonEmptyString()
        guard assets.contains(asset) else {
            throw assetReader.error(
                "no market asset \(asset); the assets are \(assets.joined(separator: ", "))")
        }
        let surface = try decodeSurface(try object.required("surface"))
        var series: [OptionsSeriesSettings] = []
        for entry in try object.required("series").array(count: 1...200) {
            series.append(try decodeSeries(entry))
        }
        let buyers = try object.required("buyers").object()
        let buyerCapital = try dollars(try buyers.required("capital"))
        try buyers.finish()
        var settings = OptionsWorldSettings(
            asset: asset, surface: surface, series: series, buyerCapital: buyerCapital)
        if let value = object.optional("rate") {
            settings.ratePpm = Int64(try ppm(value, allowNegative: true))
        }
        if let value = object.optional("dividend_yield") {
            settings.dividendYieldPpm = Int64(try ppm(value, allowNegative: true))
        }
        if let value = object.optional("margin") {
            (settings.mode, settings.margin) = try decodeOptionsMargin(value)
        }
        if let value = object.optional("insurance_fund") {
            settings.insuranceFund = try dollars(value)
        }
        if let value = object.optional("writers") {
            settings.writers = try decodeWriters(value, seriesCount: series.count)
        }
        if let value = object.optional("vault") {
            settings.vault = try decodeVault(value, series: series)
        }
        settings.liquidators = try decodeOptionsLiquidators(try object.required("liquidators"))
        if let value = object.optional("oracle") {
            let oracle = try value.object()
            if let interval = oracle.optional("update_interval") {
                settings.oracle.updateInterval = .milliseconds(
                    try interval.durationMilliseconds(in: 1...86_400_000))
            }
            if let delay = oracle.optional("source_delay") {
                settings.oracle.sourceDelay = .milliseconds(
                    try delay.durationMilliseconds(in: 0...86_400_000))
            }
            settings.oracle.gas = try decodeGas(oracle, default: settings.oracle.gas)
            var unused = settings.oracle.propagation
            try decodeLatencies(oracle, &unused, &settings.oracle.propagation)
            if let list = oracle.optional("downtime") {
                settings.oracle.downtime = try decodeDowntime(list)
            }
            try oracle.finish()
        }
        if let value = object.optional("settlement") {
            let settlement = try value.object()
            if let list = settlement.optional("downtime") {
                settings.settlementDowntime = try decodeDowntime(list)
            }
            try settlement.finish()
        }
        try object.finish()
        return settings
    }

    /// `surface`: `{"kind": "flat", "vol": "70%"}` or `{"kind": "skew", "atm": [{"tenor":
    /// "7d", "vol": "80%"}, ...], "skew": -0.15, "curvature": 0.05}`.
    static func decodeSurface(_ reader: JSONReader) throws(WorldError) -> VolatilitySurface {
        let object = try reader.object()
        let kind = try object.required("kind").oneOf(["flat", "skew"])
        func volatility(_ value: JSONReader) throws(WorldError) -> Int64 {
            let vol = try ppm(value)
            guard vol >= 10_000, vol <= 10_000_000 else {
                throw value.error("must be between 1% and 1000%")
            }
            return Int64(vol)
        }
        if kind == "flat" {
            let vol = try volatility(try object.required("vol"))
            try object.finish()
            return VolatilitySurface(shape: .flat(volatilityPpm: vol))
        }
        var tenors: [VolatilitySurface.Tenor] = []
        for entry in try object.required("atm").array(count: 1...50) {
            let point = try entry.object()
            let tenorReader = try point.required("tenor")
            let seconds =
                try tenorReader.durationMilliseconds(in: 1_000...(10 * 31_536_000_000)) / 1_000
            if let last = tenors.last, UInt64(seconds) <= last.seconds {
                throw tenorReader.error("tenors must increase")
            }
            tenors.append(
                .init(
                    seconds: UInt64(seconds),
                    volatilityPpm: try volatility(try point.required("vol"))))
            try point.finish()
        }
        func coefficient(_ key: String) throws(WorldError) -> Int64 {
            guard let value = object.optional(key) else { return 0 }
            let number = try value.double(in: -10...10)
            return Int64((number * 1e6).rounded())
        }
        let skew = try coefficient("skew")
        let curvature = try coefficient("curvature")
        try object.finish()
        return VolatilitySurface(
            shape: .skewed(atm: tenors, skewPpm: skew, curvaturePpm: curvature))
    }

    /// A series: `{"kind": "put", "strike": "90%" | 1800, "expiry": "7d"}`; a percentage
    /// strike is a fraction of the genesis price.
    static func decodeSeries(_ reader: JSONReader) throws(WorldError) -> OptionsSeriesSettings {
        let object = try reader.object()
        let kind: OptionKind =
            try object.required("kind").oneOf(["call", "put"]) == "call" ? .call : .put
        let strikeReader = try object.required("strike")
        let strike: OptionsSeriesSettings.Strike
        if case .string(let text) = strikeReader.value.content, text.hasSuffix("%") {
            let fraction = try ppm(strikeReader)
            guard fraction > 0, fraction <= 100_000_000 else {
                throw strikeReader.error("must be above 0% and at most 10000%")
            }
            strike = .moneynessPpm(Int64(fraction))
        } else {
            let price = try dollars(strikeReader)
            guard price > 0 else { throw strikeReader.error("must be above 0") }
            strike = .price(price)
        }
        let expiryReader = try object.required("expiry")
        let expiry = try expiryReader.durationMilliseconds(in: 1_000...(10 * 31_536_000_000))
        try object.finish()
        return OptionsSeriesSettings(
            kind: kind, strike: strike, expirySeconds: UInt64(expiry / 1_000))
    }

    /// `margin`: the mode and the rule, maintenance, penalty and grid terms.
    static func decodeOptionsMargin(_ reader: JSONReader) throws(WorldError)
        -> (OptionsModeName, OptionMarginTerms)
    {
        let object = try reader.object()
        var terms = OptionMarginTerms()
        var mode = OptionsModeName.portfolio
        if let value = object.optional("mode") {
            mode =
                OptionsModeName(rawValue: try value.oneOf(OptionsModeName.allCases.map(\.rawValue)))
                ?? .portfolio
        }
        func fraction(_ key: String, _ target: inout Int64, upTo: Int128 = 1_000_000)
            throws(WorldError)
        {
            guard let value = object.optional(key) else { return }
            let parts = try ppm(value)
            guard parts <= upTo else { throw value.error("must be at most \(upTo / 10_000)%") }
            target = Int64(parts)
        }
        try fraction("short_rate", &terms.shortRatePpm)
        try fraction("short_minimum", &terms.shortMinimumPpm)
        try fraction("contingency", &terms.contingencyPpm)
        try fraction("maintenance_factor", &terms.maintenanceFactorPpm)
        if let value = object.optional("maintenance_factor"), terms.maintenanceFactorPpm == 0 {
            throw value.error("must be above 0%")
        }
        try fraction("liquidation_penalty", &terms.liquidationPenaltyPpm)
        if let value = object.optional("grid") {
            let grid = try value.object()
            if let range = grid.optional("price_range") {
                let parts = try ppm(range)
                guard parts > 0, parts < 1_000_000 else {
                    throw range.error("must be above 0% and below 100%")
                }
                terms.grid.priceRangePpm = Int64(parts)
            }
            if let steps = grid.optional("price_steps") {
                terms.grid.priceSteps = try steps.int(in: 2...101)
            }
            func gridFraction(_ key: String, _ target: inout Int64) throws(WorldError) {
                guard let value = grid.optional(key) else { return }
                let parts = try ppm(value)
                guard parts <= 10_000_000 else { throw value.error("must be at most 1000%") }
                target = Int64(parts)
            }
            try gridFraction("vol_shock_up", &terms.grid.volatilityShockUpPpm)
            try gridFraction("vol_shock_down", &terms.grid.volatilityShockDownPpm)
            if let down = grid.optional("vol_shock_down"),
                terms.grid.volatilityShockDownPpm >= 1_000_000
            {
                throw down.error("must be below 100%")
            }
            func power(_ key: String, _ target: inout Int64) throws(WorldError) {
                guard let value = grid.optional(key) else { return }
                target = Int64((try value.double(in: 0...2) * 1e6).rounded())
            }
            try power("short_term_vega_power", &terms.grid.shortTermVegaPowerPpm)
            try power("long_term_vega_power", &terms.grid.longTermVegaPowerPpm)
            if let value = grid.optional("vega_power_switch") {
                terms.grid.vegaPowerSwitchDays =
                    try value.durationMilliseconds(in: 86_400_000...(3_650 * 86_400_000))
                    / 86_400_000
            }
            try grid.finish()
        }
        try object.finish()
        return (mode, terms)
    }

    static func decodeWriters(_ reader: JSONReader, seriesCount: Int) throws(WorldError)
        -> OptionsWriterSettings
    {
        let object = try reader.object()
        let count = try object.required("count").int(in: 0...100_000)
        let median = try object.required("capital_median").double(in: 1...1e12)
        let sigma = try object.optional("capital_sigma")?.double(in: 0...5) ?? 0.5
        var book: [OptionsBookLeg] = []
        let bookReader = try object.required("book")
        for entry in try bookReader.array(count: 1...20) {
            let leg = try entry.object()
            let seriesReader = try leg.required("series")
            let series = try seriesReader.int(in: 0...(seriesCount - 1))
            guard !book.contains(where: { $0.series == series }) else {
                throw seriesReader.error("series \(series) is in the book twice")
            }
            let unitsReader = try leg.required("units")
            let units = try unitsReader.double(in: -1_000...1_000)
            guard units != 0 else { throw unitsReader.error("must not be 0") }
            try leg.finish()
            book.append(OptionsBookLeg(series: series, units: units))
        }
        var low = 0.6
        var high = 0.95
        if let value = object.optional("margin_use_min") {
            low = try value.ratio().approximateDouble
            guard low > 0, low <= 1 else { throw value.error("must be above 0% and at most 100%") }
        }
        if let value = object.optional("margin_use_max") {
            high = try value.ratio().approximateDouble
            guard high >= low, high <= 1 else {
                throw value.error("must be at least margin_use_min and at most 100%")
            }
        }
        try object.finish()
        return OptionsWriterSettings(
            count: count, capitalMedian: median, capitalSigma: sigma, book: book,
            marginUseMinimum: low, marginUseMaximum: high)
    }

    static func decodeVault(_ reader: JSONReader, series: [OptionsSeriesSettings])
        throws(WorldError) -> OptionsVaultSettings
    {
        let object = try reader.object()
        let capital = try dollars(try object.required("capital"))
        var sold: [Int] = []
        for entry in try object.required("series").array(count: 1...50) {
            let index = try entry.int(in: 0...(series.count - 1))
            guard series[index].kind == .put else {
                throw entry.error("the vault sells cash-secured puts; series \(index) is a call")
            }
            guard !sold.contains(index) else { throw entry.error("series \(index) is named twice") }
            sold.append(index)
        }
        var utilisation: Int64 = 1_000_000
        if let value = object.optional("utilisation") {
            let parts = try ppm(value)
            guard parts > 0, parts <= 1_000_000 else {
                throw value.error("must be above 0% and at most 100%")
            }
            utilisation = Int64(parts)
        }
        try object.finish()
        return OptionsVaultSettings(capital: capital, series: sold, utilisationPpm: utilisation)
    }

    static func decodeOptionsLiquidators(_ reader: JSONReader) throws(WorldError)
        -> [OptionsLiquidatorSettings]
    {
        try decodeAgentGroups(
            reader, defaultName: "options-liquidator", limit: 1_000,
            limitMessage: "at most 1,000 options liquidators in a world",
            decodeGroup: { object throws(WorldError) in
                var template = OptionsLiquidatorSettings(name: "template", address: .zero)
                if let value = object.optional("capital") { template.capital = try dollars(value) }
                template.gas = try decodeGas(object, default: template.gas)
                try decodeLatencies(object, &template.observation, &template.propagation)
                if let value = object.optional("max_per_block") {
                    template.maxNewTransactionsPerBlock = try value.int(in: 1...1_000)
                }
                if let value = object.optional("retry_delay") {
                    template.retryDelay = .milliseconds(
                        try value.durationMilliseconds(in: 0...86_400_000))
                }
                if let list = object.optional("downtime") {
                    template.downtime = try decodeDowntime(list)
                }
                return template
            },
            place: { agent, name, index in
                agent.name = name
                agent.address = ProtocolWorld.optionsLiquidator(index)
            })
    }

    /// A stablecoin amount (an exact decimal) in WAD.
    static func dollars(_ reader: JSONReader) throws(WorldError) -> Int128 {
        let units = try reader.baseUnits(scale: 18)
        guard units <= UInt128(1) << 120 else { throw reader.error("too large") }
        return Int128(units)
    }
}
