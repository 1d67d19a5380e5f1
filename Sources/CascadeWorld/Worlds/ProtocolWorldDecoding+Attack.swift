import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

// The Mango-style keys of `protocol.perps` (docs/worlds.md, "perps"): spot venues per
// market for a median oracle, the withdrawal rule, the passive depositors, and the
// pump-and-borrow attacker. Kept apart from the rest of the perpetuals decoding.

extension ProtocolWorldDecoding {
    /// `markets[i].spot_venues`: one venue object each (the keys of `venue`), 1 to 16.
    static func decodeSpotVenues(_ reader: JSONReader) throws(WorldError) -> [OrderBookVenue] {
        var venues: [OrderBookVenue] = []
        for entry in try reader.array(count: 1...16) {
            venues.append(
                try decodeVenue(
                    entry,
                    default: OrderBookVenue(
                        depth: DepthCurve(depthAtReference: 1_000_000, referenceFraction: 0.01),
                        recoveryHalfLife: .minutes(10))))
        }
        return venues
    }

    /// The keys read after the rest of `perps`: `unrealised_profit_backs_withdrawals`,
    /// `depositors`, `attacker`, and the check that a median oracle has venues to read.
    static func decodePerpAttackKeys(
        _ object: JSONObjectReader, into settings: inout PerpWorldSettings
    ) throws(WorldError) {
        if let value = object.optional("unrealised_profit_backs_withdrawals") {
            settings.unrealisedProfitBacksWithdrawals = try value.bool()
        }
        if let section = object.optional("depositors") {
            let depositors = try section.object()
            settings.depositorsCapital = try usdc(try depositors.required("capital"))
            try depositors.finish()
        }
        if let section = object.optional("attacker") {
            settings.attacker = try decodePumpAttacker(section, markets: settings.markets)
        }
        if settings.oracle.markSource == .median,
            let market = settings.markets.first(where: { $0.spotVenues.isEmpty })
        {
            let reader = try object.required("oracle")
            throw try reader.object().required("mark_source").error(
                "\"median\" reads each market's spot_venues; market \(market.terms.name) has none")
        }
    }

    static func decodePumpAttacker(_ reader: JSONReader, markets: [PerpMarketSettings])
        throws(WorldError) -> PumpAttackerSettings
    {
        let object = try reader.object()
        let names = markets.map(\.terms.name)
        let marketReader = try object.required("market")
        guard let market = names.firstIndex(of: try marketReader.nonEmptyString()) else {
            throw marketReader.error(
                "no such market; the markets are \(names.joined(separator: ", "))")
        }
        let deposit = try usdc(try object.required("deposit_each"))
        let sizeReader = try object.required("size")
        let size = try sizeReader.baseUnits(scale: 9)
        guard size > 0, size < UInt128(1) << 100 else {
            throw sizeReader.error("must be above 0 and below 10^21 units")
        }
        let priceReader = try object.required("price")
        let price = try usdc(priceReader)
        guard price > 0 else { throw priceReader.error("must be above 0") }
        let pump = try object.required("pump").object()
        let budgetsReader = try pump.required("budgets")
        let venues = markets[market].spotVenues.count
        var budgets: [Double] = []
        for entry in try budgetsReader.array(count: 1...16) {
            budgets.append(try entry.double(in: 0...1e12))
        }
        guard budgets.count <= venues else {
            throw budgetsReader.error(
                "one budget per spot venue of \(names[market]), which has \(venues)")
        }
        var settings = PumpAttackerSettings(
            market: market, depositEach: deposit, size: Int128(size), price: price,
            pumpBudgets: budgets)
        if let value = pump.optional("duration") {
            settings.pumpDuration = .milliseconds(
                try value.durationMilliseconds(in: 1...86_400_000))
        }
        if let value = pump.optional("interval") {
            settings.pumpInterval = .milliseconds(
                try value.durationMilliseconds(in: 100...3_600_000))
        }
        try pump.finish()
        if let value = object.optional("start") {
            settings.start = .milliseconds(try value.durationMilliseconds(in: 0...86_400_000))
        }
        if let value = object.optional("borrow_minimum") {
            settings.borrowMinimum = try usdc(value)
            guard settings.borrowMinimum > 0 else { throw value.error("must be above 0") }
        }
        if let value = object.optional("borrow_buffer") {
            settings.borrowBuffer = try value.ratio().approximateDouble
            guard settings.borrowBuffer < 1 else { throw value.error("must be below 100%") }
        }
        settings.gas = try decodeGas(object, default: settings.gas)
        try decodeLatencies(object, &settings.observation, &settings.propagation)
        try object.finish()
        return settings
    }
}
