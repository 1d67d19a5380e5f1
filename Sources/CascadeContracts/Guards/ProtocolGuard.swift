import CascadeCore

/// The optional rules a world puts around one protocol: its circuit breaker, its
/// liquidation-fee design, and the price history and liquidation clocks they read.
///
/// `ProtocolState` consults it on every call to the protocol (`ProtocolState+Guards`): a
/// paused call reverts `paused: circuit breaker` before the protocol sees it; a price
/// update is recorded after the protocol accepted it; a liquidation runs with the design's
/// penalty in place of the configured one. Its own writes come only after the protocol's
/// call succeeded, so a reverted call leaves it unchanged.
public struct ProtocolGuard: Hashable, Sendable {
    /// The protocol guarded, by its index in `ProtocolState`.
    public enum Target: Hashable, Sendable {
        case aave(pool: Int)
        case compound(comptroller: Int)
        case perp(exchange: Int)
        /// The Maker system: its ilks' Spotter prices, `bite` and `bark`.
        case maker

        /// The trace's `protocol` value.
        public var name: String {
            switch self {
            case .maker: "maker"
            case .aave(let index): "aave[\(index)]"
            case .compound(let index): "compound[\(index)]"
            case .perp(let index): "perp[\(index)]"
            }
        }
    }

    /// What a guarded call does, for the breaker's rule.
    public enum Action: Hashable, Sendable {
        case liquidation
        case trading
    }

    /// What the guard reports, as trace lines.
    public enum Event: Hashable, Sendable {
        /// The breaker tripped (`breaker_trip`).
        case tripped(Target, CircuitBreaker.Pause, windowSeconds: UInt64, thresholdBps: UInt256?)
        /// The breaker resumed at `at` after `pausedSeconds` (`breaker_resume`).
        case resumed(
            Target, reason: CircuitBreaker.Reason, asset: Int, at: UInt64, pausedSeconds: UInt64)
        /// A liquidation priced by a non-fixed design (`liquidation_fee`).
        case feeApplied(
            Target, account: UInt64, design: String, elapsedSeconds: UInt64, moveBps: UInt256,
            penaltyBps: UInt256)
    }

    public let target: Target
    public var breaker: CircuitBreaker?
    public var feeDesign: LiquidationFeeDesign
    public private(set) var history: PriceHistory
    /// The pause the trace last reported (nil: running).
    public private(set) var announced: CircuitBreaker.Pause?
    /// When each account's liquidation clock started (Dutch design), seconds, by account.
    public private(set) var clockStarts: [UInt64: UInt64] = [:]
    /// Trips reported so far and the seconds paused in resumed pauses (summary figures).
    public private(set) var trips = 0
    public private(set) var pausedSeconds: UInt64 = 0

    /// A guard of `target` whose prices at genesis (`timestamp`) are `prices`, by asset.
    public init(
        target: Target, breaker: CircuitBreaker?, feeDesign: LiquidationFeeDesign,
        prices: [UInt256], at timestamp: UInt64
    ) {
        self.target = target
        self.breaker = breaker
        self.feeDesign = feeDesign
        let horizon = Swift.max(breaker?.rule.windowSeconds ?? 0, feeDesign.windowSeconds)
        history = PriceHistory(prices: prices, at: timestamp, horizonSeconds: horizon)
    }

    // MARK: - Checks (pure)

    /// Reverts `paused: circuit breaker` when the breaker is tripped at `timestamp` and its
    /// rule pauses `action`.
    public func requireOpen(_ action: Action, at timestamp: UInt64) throws(Revert) {
        guard let breaker, let _ = breaker.pause(at: timestamp, history: history) else { return }
        let paused =
            switch action {
            case .liquidation: breaker.rule.pausesLiquidations
            case .trading: breaker.rule.pausesTrading
            }
        if paused { throw Revert(CircuitBreaker.pausedReason) }
    }

    /// The pause in force at `timestamp`, if any.
    public func pause(at timestamp: UInt64) -> CircuitBreaker.Pause? {
        breaker?.pause(at: timestamp, history: history)
    }

    /// The design's penalty for a liquidation of `account` at `timestamp` whose prices are
    /// those of `assets`, with its inputs; nil for the fixed design.
    public func penalty(account: UInt64, assets: [Int], at timestamp: UInt64)
        -> (penaltyBps: UInt256, elapsedSeconds: UInt64, moveBps: UInt256)?
    {
        let start = clockStarts[account] ?? timestamp
        let elapsed = timestamp > start ? timestamp - start : 0
        var move = UInt256.zero
        if case .dynamic(_, _, _, let window) = feeDesign {
            for asset in assets where history.samples.indices.contains(asset) {
                let latest = history.latest(asset)
                let measured = history.move(
                    asset: asset, price: latest, at: timestamp, windowSeconds: window)
                move = Swift.max(move, measured.bps)
            }
        }
        guard let bps = feeDesign.penaltyBps(elapsedSeconds: elapsed, moveBps: move) else {
            return nil
        }
        return (bps, elapsed, move)
    }

    // MARK: - Writes (after the protocol's call succeeded)

    /// Records an accepted price of `asset` at `timestamp`; appends the breaker's reports.
    public mutating func observe(
        asset: Int, price: UInt256, at timestamp: UInt64, events: inout [Event]
    ) {
        guard history.samples.indices.contains(asset) else { return }
        announce(at: timestamp, events: &events)
        breaker?.observe(asset: asset, price: price, at: timestamp, history: history)
        history.record(asset: asset, price: price, at: timestamp)
        announce(at: timestamp, events: &events)
    }

    /// Starts `account`'s liquidation clock if it has none and it is still liquidatable,
    /// or clears it when the liquidation left it safe.
    public mutating func noteLiquidation(account: UInt64, at timestamp: UInt64, stillUnsafe: Bool) {
        if stillUnsafe {
            if clockStarts[account] == nil { clockStarts[account] = timestamp }
        } else {
            clockStarts[account] = nil
        }
    }

    /// Reports a change of the breaker's state since the last report: a resume (at its
    /// exact time) and then a trip (with its exact start and inputs).
    public mutating func announce(at timestamp: UInt64, events: inout [Event]) {
        let current = pause(at: timestamp)
        if let previous = announced, !Self.same(previous, current) {
            let resumedAt: UInt64
            switch previous.reason {
            case .priceMove:
                // The cool-down as it stood when the pause ended (or the breaker's last).
                let until = breaker?.lastExcess.flatMap {
                    $0.since == previous.since ? $0.until : nil
                }
                resumedAt = Swift.min(until ?? previous.until ?? timestamp, timestamp)
            case .stale:
                resumedAt = Swift.min(history.lastUpdate[previous.asset], timestamp)
            }
            let paused = resumedAt > previous.since ? resumedAt - previous.since : 0
            pausedSeconds += paused
            events.append(
                .resumed(
                    target, reason: previous.reason, asset: previous.asset, at: resumedAt,
                    pausedSeconds: paused))
            announced = nil
        }
        if let current, announced == nil {
            trips += 1
            events.append(
                .tripped(
                    target, current, windowSeconds: breaker?.rule.windowSeconds ?? 0,
                    thresholdBps: breaker?.rule.moveBps))
            announced = current
        } else if let current {
            announced = current
        }
    }

    /// The same pause: same reason and start (a cool-down extended is the same one; a
    /// stale pause is named by its first stale asset, so a second asset going stale while
    /// the first still is does not make a new one).
    static func same(_ lhs: CircuitBreaker.Pause, _ rhs: CircuitBreaker.Pause?) -> Bool {
        guard let rhs else { return false }
        return lhs.reason == rhs.reason && lhs.since == rhs.since
            && (lhs.reason == .priceMove || lhs.asset == rhs.asset)
    }
}
