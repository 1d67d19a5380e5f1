import CascadeKernel

/// When blocks are produced: one model per chain, chosen in the world.
///
/// Each is a pure function of the chain's own random stream: the same stream gives the
/// same block times.
public enum BlockProduction: Hashable, Sendable {
    /// Proof of work: exponential inter-block times around `meanInterval` (block discovery
    /// is close to Poisson; 13.2 s in early 2020). Rounded to whole milliseconds, at least 1.
    case proofOfWork(meanInterval: SimTime)
    /// Proof of stake: a block every `slot` unless the proposer misses it, with probability
    /// `missedNumerator / missedDenominator` per slot; a missed slot makes a 24 s gap.
    case proofOfStake(slot: SimTime, missedNumerator: UInt64, missedDenominator: UInt64)
    /// A sequencer: a block every `interval`, no randomness.
    case sequencer(interval: SimTime)

    /// Post-merge Ethereum: 12 s slots; `missedPerMillion` slots in a million missed.
    public static func ethereumProofOfStake(missedPerMillion: UInt64 = 0) -> BlockProduction {
        .proofOfStake(
            slot: .seconds(12), missedNumerator: missedPerMillion,
            missedDenominator: 1_000_000)
    }

    /// The time from one block to the next.
    public func nextInterval(random: inout RandomStream) -> SimTime {
        switch self {
        case .proofOfWork(let mean):
            precondition(mean.milliseconds > 0, "mean block interval must be positive")
            let draw = ChainMath.roundedToNearest(
                random.exponential(mean: Double(mean.milliseconds)))
            return .milliseconds(max(1, Int64(min(draw, 1e15))))
        case .proofOfStake(let slot, let numerator, let denominator):
            precondition(slot.milliseconds > 0, "slot length must be positive")
            precondition(numerator < denominator, "a proposer must sometimes propose")
            var slots: Int64 = 1
            while random.bernoulli(numerator: numerator, denominator: denominator) {
                slots += 1
            }
            return .milliseconds(slot.milliseconds * slots)
        case .sequencer(let interval):
            precondition(interval.milliseconds > 0, "sequencer interval must be positive")
            return interval
        }
    }
}

/// The block gas limit over time: a starting limit and scripted targets.
///
/// With `.immediate` a block takes the scheduled limit at once (a sequencer, a world that
/// wants a step); with `.voted` each block moves toward it by at most `parent/1024 − 1`,
/// so every limit is valid under go-ethereum's `VerifyGaslimit`.
public struct GasLimitSchedule: Hashable, Sendable {
    public enum Adjustment: Hashable, Sendable {
        case immediate
        case voted
    }

    public struct Change: Hashable, Sendable {
        public var start: SimTime
        public var target: Gas

        public init(start: SimTime, target: Gas) {
            self.start = start
            self.target = target
        }
    }

    public var initial: Gas
    /// Ascending by start.
    public var changes: [Change]
    public var adjustment: Adjustment

    public init(initial: Gas, changes: [Change] = [], adjustment: Adjustment = .voted) {
        precondition(initial >= EIP1559.minimumGasLimit, "gas limit below 5000")
        for index in changes.indices.dropFirst() {
            precondition(changes[index - 1].start < changes[index].start, "changes ascend")
        }
        self.initial = initial
        self.changes = changes
        self.adjustment = adjustment
    }

    /// The scheduled target at `time`.
    public func target(at time: SimTime) -> Gas {
        var target = initial
        for change in changes where change.start <= time {
            target = change.target
        }
        return target
    }

    /// The limit of a block at `time` whose parent had `parentGasLimit`.
    public func gasLimit(at time: SimTime, parentGasLimit: Gas) -> Gas {
        let target = target(at: time)
        switch adjustment {
        case .immediate: return target
        case .voted: return EIP1559.gasLimitStep(from: parentGasLimit, toward: target)
        }
    }
}
