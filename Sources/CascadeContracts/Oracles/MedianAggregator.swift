import CascadeCore

/// A push price feed that publishes the median of its reporters' observations, as
/// Chainlink's OCR aggregators do (libocr `OffchainAggregator.sol`, `OCR2Aggregator.sol`).
///
/// A transmitter submits a report of sorted observations; the contract takes the median
/// `observations[count / 2]`, requires at least `quorum` (f + 1) observations, and refuses
/// a median outside `[minAnswer, maxAnswer]` by reverting with Chainlink's reason
/// `"median is out of min-max range"`. It does not clamp: during a crash below `minAnswer`
/// the feed simply stops updating and keeps its last in-range answer, which consumers read
/// as the current price (the Venus/LUNA failure mode).
///
/// Each accepted report opens a new round (ids from 1) holding the answer, `startedAt`
/// (the observations' timestamp) and `updatedAt` (the block's timestamp). Answers are WAD
/// prices. When to report is decided off chain by `shouldReport`.
public struct MedianAggregator: Contract, Hashable {
    /// One published answer, as `latestRoundData()` returns it.
    public struct RoundData: Hashable, Sendable {
        public var roundId: UInt64
        public var answer: UInt256
        /// When the observations were made (seconds).
        public var startedAt: UInt64
        /// When the report was transmitted: the block timestamp (seconds).
        public var updatedAt: UInt64
        /// Always `roundId` for OCR aggregators.
        public var answeredInRound: UInt64
    }

    public let address: Address
    /// Observations needed in a report: f + 1 for f tolerated faulty reporters.
    public let quorum: Int
    public let minAnswer: UInt256
    public let maxAnswer: UInt256
    /// Who may transmit; empty means anyone (a simulation without transmitter keys).
    public let transmitters: [Address]
    /// Every accepted round, oldest first; `rounds[i]` has round id `i + 1`.
    public private(set) var rounds: [RoundData] = []

    public init(
        address: Address, quorum: Int, minAnswer: UInt256, maxAnswer: UInt256,
        transmitters: [Address] = []
    ) {
        precondition(quorum >= 1, "quorum must be at least one")
        precondition(minAnswer <= maxAnswer, "minAnswer above maxAnswer")
        self.address = address
        self.quorum = quorum
        self.minAnswer = minAnswer
        self.maxAnswer = maxAnswer
        self.transmitters = transmitters
    }

    public enum Call: Hashable, Sendable {
        /// A report: observations sorted ascending, made at `observationsTimestamp`.
        case transmit(observations: [UInt256], observationsTimestamp: UInt64)
    }

    public enum Event: Hashable, Sendable {
        case oracleUpdated(OracleUpdate)
    }

    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .transmit(let observations, let observationsTimestamp):
            let update = try transmit(
                observations: observations, observationsTimestamp: observationsTimestamp,
                caller: caller, block: block)
            events.append(.oracleUpdated(update))
        }
    }

    /// Validates a report and publishes its median as a new round.
    ///
    /// Reverts: `"unauthorized transmitter"`, `"too few values to trust median"`,
    /// `"observations not sorted"`, `"stale report"` (older observations than the latest
    /// round), `"median is out of min-max range"`. Complexity: O(observations).
    public mutating func transmit(
        observations: [UInt256], observationsTimestamp: UInt64, caller: Address,
        block: BlockContext
    ) throws(Revert) -> OracleUpdate {
        guard transmitters.isEmpty || transmitters.contains(caller) else {
            throw Revert("unauthorized transmitter")
        }
        guard observations.count >= quorum else {
            throw Revert("too few values to trust median")
        }
        for index in observations.indices.dropFirst()
        where observations[index - 1] > observations[index] {
            throw Revert("observations not sorted")
        }
        if let latest = rounds.last, observationsTimestamp < latest.startedAt {
            throw Revert("stale report")
        }
        let median = observations[observations.count / 2]
        guard minAnswer <= median && median <= maxAnswer else {
            throw Revert("median is out of min-max range")
        }
        let roundId = UInt64(rounds.count + 1)
        rounds.append(
            RoundData(
                roundId: roundId, answer: median, startedAt: observationsTimestamp,
                updatedAt: block.timestamp, answeredInRound: roundId))
        return OracleUpdate(
            oracle: address, kind: .median, value: median, sourceValue: median, round: roundId,
            accepted: true)
    }

    /// The newest round, or nil before the first report (Chainlink then returns zeros).
    public var latestRoundData: RoundData? { rounds.last }

    /// Round `roundId`, or nil if there is no such round (Chainlink returns zeros).
    public func roundData(_ roundId: UInt64) -> RoundData? {
        guard roundId >= 1, roundId <= UInt64(rounds.count) else { return nil }
        return rounds[Int(roundId - 1)]
    }

    /// The latest answer as a careful consumer reads it (Chainlink's documented guard):
    /// reverts `"no price"` before the first round, `"invalid price"` on a zero answer and
    /// `"stale price"` when `now − updatedAt` exceeds `maxAgeSeconds`.
    public func freshAnswer(now: UInt64, maxAgeSeconds: UInt64) throws(Revert) -> UInt256 {
        guard let latest = rounds.last else { throw Revert("no price") }
        guard !latest.answer.isZero else { throw Revert("invalid price") }
        guard now < latest.updatedAt || now - latest.updatedAt <= maxAgeSeconds else {
            throw Revert("stale price")
        }
        return latest.answer
    }

    public func checkInvariants() throws(InvariantViolation) {
        for (index, round) in rounds.enumerated() {
            guard round.roundId == UInt64(index + 1), round.answeredInRound == round.roundId
            else { throw InvariantViolation("aggregator \(address): round ids out of order") }
            guard minAnswer <= round.answer, round.answer <= maxAnswer else {
                throw InvariantViolation("aggregator \(address): answer out of range")
            }
            if index > 0 {
                guard rounds[index - 1].startedAt <= round.startedAt,
                    rounds[index - 1].updatedAt <= round.updatedAt
                else { throw InvariantViolation("aggregator \(address): time went backwards") }
            }
        }
    }

    // MARK: - Off-chain report trigger

    /// Whether reporters should transmit a new value (libocr median plugin's rule).
    ///
    /// Reports when the new value is in `[minAnswer, maxAnswer]` and any of: there is no
    /// previous answer (`old` is nil, the first round); it deviates from the old one by at
    /// least `alphaPPB` parts per billion, compared exactly as rationals
    /// (`|new − old| · 1e9 ≥ alphaPPB · old`; from an old value of 0 any non-zero value
    /// deviates); or the heartbeat has lapsed, `lastTimestamp + heartbeatSeconds < now`
    /// (strict). A value out of range never reports, so the feed freezes instead.
    public static func shouldReport(
        old: UInt256?, new: UInt256, alphaPPB: UInt64, lastTimestamp: UInt64,
        heartbeatSeconds: UInt64, now: UInt64, minAnswer: UInt256, maxAnswer: UInt256
    ) -> Bool {
        guard minAnswer <= new && new <= maxAnswer else { return false }
        guard let old else { return true }
        if deviates(old: old, new: new, thresholdPPB: alphaPPB) { return true }
        let (deadline, overflow) = lastTimestamp.addingReportingOverflow(heartbeatSeconds)
        return !overflow && deadline < now
    }

    /// `|new − old| / old ≥ thresholdPPB / 1e9`, exactly; from zero, any non-zero change.
    ///
    /// A feed transmitter asks on every observation and every block: for prices below
    /// 2¹²⁸ (every real one) the two products are made from 128-bit halves
    /// (`UInt256.wideProduct`), the same numbers as the 512-bit products, at a fraction of
    /// their cost.
    public static func deviates(old: UInt256, new: UInt256, thresholdPPB: UInt64) -> Bool {
        if old.isZero { return !new.isZero }
        let change = new > old ? new - old : old - new
        if change.high == 0 && old.high == 0 {
            let lhs = UInt256.wideProduct(change.low, 1_000_000_000)
            let rhs = UInt256.wideProduct(old.low, UInt128(thresholdPPB))
            return UInt256(high: lhs.high, low: lhs.low) >= UInt256(high: rhs.high, low: rhs.low)
        }
        let lhs = change.multipliedFullWidth(by: UInt256(1_000_000_000 as UInt64))
        let rhs = old.multipliedFullWidth(by: UInt256(thresholdPPB))
        return lhs.high > rhs.high || (lhs.high == rhs.high && lhs.low >= rhs.low)
    }
}
