import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

extension ProtocolWorldDecoding {
    static func decodeCollateral(_ reader: JSONReader, assets: [String]) throws(WorldError)
        -> CollateralSettings
    {
        let object = try reader.object()
        let name = try object.required("ilk").nonEmptyString()
        let asset = try object.required("asset").oneOf(assets)
        let kind = try object.optional("liquidation")?.oneOf(["clipper", "flipper"]) ?? "clipper"
        var settings = CollateralSettings(
            name: name, symbol: "W" + asset, asset: asset,
            liquidation: kind == "flipper"
                ? CollateralSettings.flipperTerms : CollateralSettings.clipperTerms)
        switch settings.liquidation {
        case .flip(let terms):
            if let section = object.optional("flipper") {
                settings.liquidation = .flip(try decodeFlipper(section, default: terms))
            }
            if let section = object.optional("clipper") {
                throw section.error("clipper terms need \"liquidation\": \"clipper\"")
            }
        case .clip(let terms):
            if let section = object.optional("clipper") {
                settings.liquidation = .clip(try decodeClipper(section, default: terms))
            }
            if let section = object.optional("flipper") {
                throw section.error("flipper terms need \"liquidation\": \"flipper\"")
            }
        }
        if let matReader = object.optional("mat") {
            settings.matPercent = try matReader.wholePercent(in: 101...10_000)
        }
        if let hop = object.optional("hop") {
            settings.hopSeconds = UInt16(try wholeSeconds(hop, in: 1...65_535))
        }
        if let dust = object.optional("dust") {
            settings.dust = try dust.uint64(in: 0...1_000_000_000)
        }
        if let pool = object.optional("pool_collateral") {
            settings.poolCollateral = try pool.uint64(in: 0...1_000_000_000)
        }
        if let section = object.optional("venue") {
            settings.venue = try decodeVenue(section, default: settings.venue)
        }
        if let feedsReader = object.optional("feeds") {
            try decodeFeeds(feedsReader, into: &settings)
        }
        if let section = object.optional("transmitter") {
            settings.transmitter = try decodeTransmitter(section, default: settings.transmitter)
        }
        try object.finish()
        return settings
    }

    /// `flipper`: Cat and Flipper terms over Black Thursday's defaults.
    static func decodeFlipper(_ reader: JSONReader, default terms: MakerSystem.FlipTerms)
        throws(WorldError) -> MakerSystem.FlipTerms
    {
        let object = try reader.object()
        var terms = terms
        if let chop = object.optional("chop") {
            terms.chop = .wad + (try fraction(chop, scale: 18, atMostPercent: 100))
        }
        if object.contains("lump"), let dunk = object.optional("dunk") {
            throw dunk.error("give lump (the v1 Cat) or dunk (the v2 Cat), not both")
        }
        if let lump = object.optional("lump") {
            let amount = try lump.baseUnits256(scale: 18)
            guard !amount.isZero else { throw lump.error("must be above zero") }
            terms.lump = amount
        }
        if let dunk = object.optional("dunk") {
            let amount = try dunk.baseUnits256(scale: 45)
            guard !amount.isZero else { throw dunk.error("must be above zero") }
            terms.dunk = amount
            terms.lump = nil
        }
        if let beg = object.optional("beg") {
            terms.beg = .wad + (try fraction(beg, scale: 18, atMostPercent: 100))
        }
        if let ttl = object.optional("ttl") {
            terms.ttl = try wholeSeconds(ttl, in: 1...365 * 86_400)
        }
        if let tau = object.optional("tau") {
            terms.tau = try wholeSeconds(tau, in: 1...365 * 86_400)
        }
        try object.finish()
        return terms
    }

    /// `clipper`: Dog and Clipper terms over mainnet-like defaults.
    static func decodeClipper(_ reader: JSONReader, default terms: MakerSystem.ClipTerms)
        throws(WorldError) -> MakerSystem.ClipTerms
    {
        let object = try reader.object()
        var terms = terms
        if let chop = object.optional("chop") {
            terms.chop = .wad + (try fraction(chop, scale: 18, atMostPercent: 100))
        }
        if let hole = object.optional("hole") {
            terms.hole = try hole.baseUnits256(scale: 45)
        }
        if let buf = object.optional("buf") {
            terms.buf = try fraction(buf, scale: 27, atMostPercent: 10000)
            guard terms.buf >= .ray else { throw buf.error("must be at least 100%") }
        }
        if let tail = object.optional("tail") {
            terms.tail = try wholeSeconds(tail, in: 1...365 * 86_400)
        }
        if let cusp = object.optional("cusp") {
            terms.cusp = try fraction(cusp, scale: 27, atMostPercent: 100)
        }
        if let chip = object.optional("chip") {
            terms.chip = try fraction(chip, scale: 18, atMostPercent: 100)
        }
        if let tip = object.optional("tip") {
            terms.tip = try tip.baseUnits256(scale: 45)
        }
        if let curve = object.optional("curve") {
            terms.calc = try decodeCurve(curve)
        }
        try object.finish()
        return terms
    }

    /// `curve`: `{"kind": "stairstep_exponential", "step": "90s", "cut": "99%"}` or
    /// `{"kind": "linear", "duration": "6h"}`.
    static func decodeCurve(_ reader: JSONReader) throws(WorldError) -> PriceCurve {
        let object = try reader.object()
        let kind = try object.required("kind").oneOf(["stairstep_exponential", "linear"])
        let curve: PriceCurve
        if kind == "linear" {
            curve = .linearDecrease(
                tauSeconds: try wholeSeconds(object.required("duration"), in: 1...365 * 86_400))
        } else {
            let cutReader = try object.required("cut")
            let cut = try fraction(cutReader, scale: 27, atMostPercent: 100)
            guard !cut.isZero, cut < .ray else {
                throw cutReader.error("must be above 0% and below 100%")
            }
            curve = .stairstepExponentialDecrease(
                stepSeconds: try wholeSeconds(object.required("step"), in: 1...86_400), cut: cut)
        }
        try object.finish()
        return curve
    }

    /// A ratio (`"13%"` or `0.13`) in WAD (`scale` 18) or RAY (27) units, at most
    /// `atMostPercent` percent.
    static func fraction(_ reader: JSONReader, scale: Int, atMostPercent: UInt64)
        throws(WorldError) -> UInt256
    {
        precondition(scale == 18 || scale == 27, "WAD or RAY")
        let value = try reader.ratio()
        let units: UInt256
        do {
            units = try value.baseUnits256(scale: scale)
        } catch {
            throw reader.error("must have at most \(scale) decimals, found \(value)")
        }
        let one: UInt256 = scale == 18 ? .wad : .ray
        guard units <= one * UInt256(atMostPercent) / UInt256(100 as UInt64) else {
            throw reader.error("must be at most \(atMostPercent)%, found \(value)")
        }
        return units
    }

    static func decodeVenue(_ reader: JSONReader, default venue: OrderBookVenue)
        throws(WorldError) -> OrderBookVenue
    {
        let object = try reader.object()
        var venue = venue
        if let depth = object.optional("depth") {
            venue.depth.depthAtReference = try depth.double(in: 1...1e15)
        }
        if let at = object.optional("depth_at") {
            venue.depth.referenceFraction = try share(at)
        }
        if let recovery = object.optional("recovery_half_life") {
            venue.recoveryHalfLife = .milliseconds(
                try recovery.durationMilliseconds(in: 1_000...30 * 86_400_000))
        }
        try object.finish()
        if let problem = venue.problem { throw reader.error(problem) }
        return venue
    }

    /// `feeds`: operators, quorum and how each operator observes.
    static func decodeFeeds(_ reader: JSONReader, into settings: inout CollateralSettings)
        throws(WorldError)
    {
        let feeds = try reader.object()
        settings.operators = try feeds.optional("operators")?.int(in: 1...100) ?? 13
        settings.quorum =
            try feeds.optional("quorum")?.int(in: 1...100) ?? min(7, settings.operators)
        guard settings.quorum <= settings.operators else {
            throw reader.error(
                "quorum \(settings.quorum) is above the \(settings.operators) operators")
        }
        var template = settings.operatorTemplate
        if let interval = feeds.optional("interval") {
            template.interval = .milliseconds(
                try interval.durationMilliseconds(in: 1_000...86_400_000))
        }
        if let delay = feeds.optional("source_delay") {
            template.observationDelay = .milliseconds(
                try delay.durationMilliseconds(in: 0...86_400_000))
        }
        if let noise = feeds.optional("noise") {
            let value = try noise.ratio().approximateDouble
            guard value < 0.5 else { throw noise.error("must be below 50%") }
            template.noise = value
        }
        if let latency = feeds.optional("message_latency") {
            template.messageLatency = try ChainWorldDecoding.decodeLatency(latency)
        }
        settings.operatorTemplate = template
        try feeds.finish()
    }

    /// `transmitter`: the node that puts the feed's reports on chain.
    static func decodeTransmitter(
        _ reader: JSONReader, default transmitter: FeedTransmitterSettings
    ) throws(WorldError) -> FeedTransmitterSettings {
        let object = try reader.object()
        var transmitter = transmitter
        transmitter.gas = try decodeGas(object, default: transmitter.gas)
        if let deviation = object.optional("deviation") {
            let points = try deviation.ratio()
            guard let ppb = try? points.baseUnits(scale: 9), ppb <= 1_000_000_000 else {
                throw deviation.error("a fraction from 0% to 100% in steps of 0.0000001%")
            }
            transmitter.deviationPPB = UInt64(ppb)
        }
        if let heartbeat = object.optional("heartbeat") {
            transmitter.heartbeatSeconds = try wholeSeconds(heartbeat, in: 1...30 * 86_400)
        }
        if let raiseAfter = object.optional("raise_after") {
            transmitter.raiseAfter = .milliseconds(
                try raiseAfter.durationMilliseconds(in: 1_000...86_400_000))
        }
        try decodeLatencies(object, &transmitter.observation, &transmitter.propagation)
        if let list = object.optional("downtime") {
            transmitter.downtime = try decodeDowntime(list)
        }
        try object.finish()
        return transmitter
    }
}
