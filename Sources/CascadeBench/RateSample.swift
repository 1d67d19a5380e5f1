import CascadeAgents
import CascadeKernel

/// The rates of one bench run several times, each run from its own genesis with only
/// `run(until:)` timed. The median is the figure; the range and the first run (cold: its
/// process had not yet grown its heap or run the code) are printed beside it, so a reader
/// sees how far one run can stray on a shared machine.
struct RateSample {
    /// Runs per world bench: five, or one with `--quick`.
    static var repetitions: Int { quick ? 1 : 5 }

    private(set) var rates: [Double] = []

    mutating func add(units: Int, seconds: Double) {
        rates.append(Double(units) / seconds)
    }

    var median: Int { Int(rates.sorted()[rates.count / 2]) }

    /// `runs=5 <key>_min=… <key>_max=… <key>_first=…`, or `runs=1` alone.
    func spread(_ key: String) -> String {
        guard rates.count > 1, let first = rates.first, let low = rates.min(),
            let high = rates.max()
        else { return "runs=\(rates.count)" }
        return "runs=\(rates.count) \(key)_min=\(Int(low)) \(key)_max=\(Int(high)) "
            + "\(key)_first=\(Int(first))"
    }
}

/// Seconds of a measured duration.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// A protocol world's bench, `RateSample.repetitions` times: each run builds the world from
/// `configuration` (not timed) and runs it to each of `phases` in turn, each phase timed on
/// its own. Every run must end with the same digest. Returns the last run's world (for its
/// counts), the blocks-per-second of the whole run and of each phase; nil, after printing
/// why, when the world cannot be built or run.
func repeatedRuns(
    _ label: String, _ configuration: ProtocolWorldConfiguration, phases: [SimTime]
) -> (world: ProtocolWorld, total: RateSample, phases: [RateSample])? {
    var total = RateSample()
    var phaseRates = Array(repeating: RateSample(), count: phases.count)
    var last: ProtocolWorld?
    var digest: String?
    for _ in 0..<RateSample.repetitions {
        last = nil  // the previous run's world goes before the next genesis
        let world: ProtocolWorld
        do {
            world = try ProtocolWorld(configuration)
        } catch {
            print("\(label) bench failed: \(error)")
            return nil
        }
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        var blocksBefore = 0
        for (index, end) in phases.enumerated() {
            var outcome = RunOutcome.idle
            var failure: (any Error)?
            let phase = clock.measure {
                do {
                    outcome = try world.run(until: end)
                } catch {
                    failure = error
                }
            }
            if let failure {
                print("\(label) bench failed: \(failure)")
                return nil
            }
            precondition(outcome != .stopped, "the \(label) bench stopped early")
            let blocks = world.producer.core.blocksProduced
            phaseRates[index].add(units: blocks - blocksBefore, seconds: seconds(phase))
            blocksBefore = blocks
            elapsed += phase
        }
        total.add(units: blocksBefore, seconds: seconds(elapsed))
        let runDigest = "\(world.kernel.digest)"
        precondition(
            digest.map { $0 == runDigest } ?? true,
            "the \(label) bench's runs end differently: the simulation is not deterministic")
        digest = runDigest
        last = world
    }
    guard let last else { return nil }
    return (last, total, phaseRates)
}
