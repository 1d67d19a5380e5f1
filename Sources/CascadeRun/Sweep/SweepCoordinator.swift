import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a slice's missing runs in up to `jobs` worker processes and appends their rows to
/// `runs.csv` as they arrive.
///
/// Runs are handed out in canonical order in *guided* batches: about a quarter of what is
/// left per job, at most 32 and at least 1, so batches are large (few process starts) while
/// much is left and small at the end (the last workers finish together). One loop, no
/// threads: `poll(2)` waits on every worker's stdout at once, with a half-second timeout so
/// progress keeps ticking while runs are long.
final class SweepCoordinator {
    let log: SweepLog
    let host: SweepHost
    let jobs: Int
    let folder: String
    let worldPath: String
    /// The hidden command the workers run: `__sweep-worker`, or `__stress-worker` for a
    /// stress battery (the same protocol: rows on stdout, `!` lines for failures).
    let workerCommand: String
    private(set) var progress: SweepProgress
    /// One line per failed run or failed worker, for the final message, in (point, seed)
    /// order whatever order the workers finished in, so the message is the same every time.
    var failures: [String] {
        failureLines.sorted { ($0.point, $0.seed) < ($1.point, $1.seed) }.map(\.text)
    }
    private var failureLines: [(point: Int, seed: UInt64, text: String)] = []
    /// 1 if any failure was internal (exit status 1), else 2 (bad input).
    private(set) var failureStatus: Int32 = 2
    /// The failed run with the lowest (point, seed), for the command that reproduces it.
    private(set) var firstFailed: (point: Int, seed: UInt64)?
    private var next = 0
    private var workers: [WorkerProcess] = []

    /// The most runs given to one worker process.
    static let maximumBatch = 32

    init(
        log: SweepLog, host: SweepHost, jobs: Int, folder: String, worldPath: String,
        workerCommand: String = "__sweep-worker"
    ) {
        self.log = log
        self.workerCommand = workerCommand
        self.host = host
        self.jobs = jobs
        self.folder = folder
        self.worldPath = worldPath
        progress = SweepProgress(
            runsDone: log.doneCount, runsTotal: log.sliceSize, pointsDone: log.pointsDone,
            pointsTotal: log.pointsTotal, runsNow: 0, elapsedSeconds: 0, failures: 0)
    }

    func run() throws(CascadeFailure) {
        try checkWitness()
        try recordWitness()
        let start = host.now()
        host.progress(progress)
        while next < log.todo.count || !workers.isEmpty {
            try startWorkers()
            try collect()
            progress.runsDone = log.doneCount
            progress.pointsDone = log.pointsDone
            progress.elapsedSeconds = host.now() - start
            host.progress(progress)
        }
    }

    /// Before a resume adds rows to those already in `runs.csv`: runs the first of them
    /// again and asks for the same row, byte for byte (its `run_digest` and every figure).
    /// A row that differs means this build simulates differently from the one that wrote
    /// them (an update between the two commands), and the table would mix the two. The
    /// manifest cannot tell: it names the version, not the build, and builds that give the
    /// same rows (another host of a cluster, other optimisation flags) must be let through.
    /// One run, once per resume; nothing when the slice has nothing left to run.
    private func checkWitness() throws(CascadeFailure) {
        guard let witness = log.witness, !log.todo.isEmpty else { return }
        let unit = (point: witness.point, seed: witness.seed)
        let runs = SweepFolder.join(folder, "runs.csv")
        let study = workerCommand == "__stress-worker" ? "battery" : "sweep"
        let row: String
        switch try runAgain(unit) {
        case .success(let text):
            row = text
        case .failure(let reason):
            throw CascadeFailure(
                .badInput,
                "\(runs): this build cannot run point \(unit.point) seed \(unit.seed) again, "
                    + "which an earlier build finished (\(reason.text)); start the \(study) "
                    + "afresh with another --out")
        }
        guard row == witness.row else {
            throw CascadeFailure(
                .badInput,
                "\(runs): this build gives point \(unit.point) seed \(unit.seed) a different row "
                    + "from the one in the file: the simulation changed since these runs were "
                    + "made, and resuming would mix two builds' figures; start the \(study) "
                    + "afresh with another --out (or run the build that began it)")
        }
    }

    /// A slice of a sharded sweep also keeps `witness.csv`: the row this build gives the
    /// whole sweep's first run (point 0, first seed), whichever slice holds it. Every slice
    /// has the same one when one build ran them all, so `cascade merge` can compare the
    /// slices' builds without running anything (`SweepWitness`).
    ///
    /// The witness must come from the build that writes the slice's rows. A slice with
    /// rows already has one (written before them), and `checkWitness` has just held this
    /// build to those rows; otherwise (a new slice, one stopped before its first row, one
    /// begun before witnesses were kept) the witness is run now and written whole. A first
    /// run that fails leaves no witness: the sweep cannot be complete, and says so.
    private func recordWitness() throws(CascadeFailure) {
        guard log.plan.shard.count > 1, !log.todo.isEmpty else { return }
        let path = SweepFolder.join(folder, SweepWitness.fileName)
        let manager = FileManager.default
        if log.witness != nil, manager.fileExists(atPath: path) { return }
        switch try runAgain(SweepWitness.unit(seeds: log.plan.seeds)) {
        case .success(let row):
            try SweepLog.writeWhole(log.plan.runsHeader + row + "\n", to: path)
            // The slice that holds the first run keeps the row instead of running it twice.
            _ = try log.appendAhead(row + "\n")
        case .failure:
            if manager.fileExists(atPath: path) && unlink(path) != 0 {
                throw .output(OutputError(path: path, operation: .write, code: errno))
            }
        }
    }

    /// Why a run done outside the batches (`runAgain`) gave no row.
    private struct RunFailure: Error {
        var text: String
    }

    /// Runs one (point, seed) in a worker of its own and waits for its row, or for why the
    /// run failed; a worker that cannot start is an internal failure.
    private func runAgain(_ unit: (point: Int, seed: UInt64)) throws(CascadeFailure)
        -> Result<String, RunFailure>
    {
        let worker = try WorkerProcess(
            executable: host.executable,
            arguments: [
                host.executable, workerCommand, folder, worldPath, "\(unit.point):\(unit.seed)",
            ],
            units: [unit])
        var received: [String] = []
        var ended = false
        while !ended {
            let read = worker.readLines()
            received += read.lines
            ended = read.ended
        }
        let how = worker.finish()
        guard let row = received.first, !row.hasPrefix("!") else {
            return .failure(
                RunFailure(
                    text: received.first.map { String($0.split(separator: "\t").last ?? "") }
                        ?? "the worker \(how ?? "ended") without a row"))
        }
        return .success(row)
    }

    /// Starts workers until `jobs` are running or nothing is left to hand out.
    private func startWorkers() throws(CascadeFailure) {
        let todo = log.todo
        while workers.count < jobs && next < todo.count {
            let left = todo.count - next
            let size = min(Self.maximumBatch, max(1, left / (jobs * 4)))
            let units = todo[next..<(next + size)].map { log.key(of: $0) }
            next += size
            let arguments =
                [host.executable, workerCommand, folder, worldPath]
                + units.map { "\($0.point):\($0.seed)" }
            workers.append(
                try WorkerProcess(executable: host.executable, arguments: arguments, units: units))
        }
    }

    /// Waits for output from any worker, appends whole rows, reaps finished workers.
    private func collect() throws(CascadeFailure) {
        var descriptors = workers.map {
            pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0)
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), 500)
        if ready < 0 && errno != EINTR {
            throw CascadeFailure(
                .internalFailure, "poll failed: \(String(cString: strerror(errno)))")
        }
        var finished: [Int] = []
        for (index, entry) in descriptors.enumerated() where entry.revents != 0 {
            let worker = workers[index]
            let (lines, ended) = worker.readLines()
            for line in lines {
                try receive(line, from: worker)
            }
            if ended {
                reap(worker)
                finished.append(index)
            }
        }
        for index in finished.reversed() { workers.remove(at: index) }
    }

    /// A row goes to `runs.csv`; a `!` line is a failed run.
    private func receive(_ line: String, from worker: WorkerProcess) throws(CascadeFailure) {
        worker.reported += 1
        guard line.hasPrefix("!") else {
            try log.append(line + "\n")
            progress.runsNow += 1
            return
        }
        let parts = line.dropFirst().split(
            separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[1] == "1" { failureStatus = 1 }
        var unit = (point: Int.max, seed: UInt64.max)
        if let key = parts.first?.split(separator: ":"), key.count == 2,
            let point = Int(key[0]), let seed = UInt64(key[1])
        {
            unit = (point, seed)
            noteFailed(point: point, seed: seed)
        }
        failureLines.append(
            (
                unit.point, unit.seed,
                parts.count == 3 ? "run \(parts[0]) (point:seed): \(parts[2])" : line
            ))
        progress.failures += 1
    }

    /// Reaps a worker whose pipe ended; runs it never reported are failures (it crashed or
    /// was killed), to be retried by rerunning the sweep.
    private func reap(_ worker: WorkerProcess) {
        let how = worker.finish()
        guard worker.reported < worker.units.count else { return }
        failureStatus = 1
        let lost = worker.units[worker.reported...]
        for unit in lost { noteFailed(point: unit.point, seed: unit.seed) }
        let first = lost.first.map { ($0.point, $0.seed) } ?? (Int.max, UInt64.max)
        failureLines.append(
            (
                first.0, first.1,
                "a worker \(how ?? "ended") before finishing runs "
                    + lost.map { "\($0.point):\($0.seed)" }.joined(separator: " ")
            ))
        progress.failures += lost.count
    }

    private func noteFailed(point: Int, seed: UInt64) {
        if let first = firstFailed, (first.point, first.seed) <= (point, seed) { return }
        firstFailed = (point, seed)
    }
}
