// The `cascade` command: parse arguments, call the run layer, print, set the exit status.
// No simulation logic lives here (docs/architecture.md).
import CascadeRun
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Exit statuses (INTERFACE.md): 0 success, 1 the simulation broke an invariant or failed
/// internally, 2 bad usage or bad input.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
}

func printError(_ text: String) {
    var standardError = StandardError()
    print(text, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStandardError.write(string)
    }
}

/// Writes to file descriptor 2 directly (the C `stderr` global is not concurrency-safe).
enum FileHandleStandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
    }
}

/// Runs a command body, mapping the run layer's failures to messages and exit statuses.
func guarded(_ body: () throws(CascadeFailure) -> Void) -> Int32 {
    do {
        try body()
        return ExitStatus.success
    } catch {
        printError("cascade: error: \(error.message)")
        switch error.kind {
        case .badInput: return ExitStatus.usage
        case .invariant, .internalFailure: return ExitStatus.failure
        }
    }
}

/// The path of this binary, for starting sweep workers (`/proc/self/exe` on Linux).
func ownExecutable() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if count > 0 {
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return Bundle.main.executablePath ?? CommandLine.arguments[0]
}

/// A sweep's progress on stderr: a bar redrawn in place on a terminal, a plain line every
/// ten seconds otherwise (logs, CI). Wall time appears only here, never in files.
final class ProgressDisplay {
    /// The command the lines are of: `sweep` or `stress`.
    let command: String
    let terminal = isatty(2) != 0
    private var last = -1e9
    private var shown = false
    private var latest: SweepProgress?
    private var drawn = -1

    static func seconds() -> Double {
        let now = ContinuousClock.now - ProgressDisplay.origin
        return Double(now.components.seconds) + Double(now.components.attoseconds) * 1e-18
    }

    static let origin = ContinuousClock.now

    init(command: String) {
        self.command = command
    }

    func show(_ progress: SweepProgress) {
        latest = progress
        let now = ProgressDisplay.seconds()
        let interval = terminal ? 0.2 : 10
        let finished = progress.runsDone == progress.runsTotal
        guard now - last >= interval || (finished && terminal && drawn != progress.runsDone)
        else { return }
        last = now
        drawn = progress.runsDone
        if terminal {
            FileHandleStandardError.write("\r\u{1B}[K" + progress.bar())
            shown = true
        } else {
            printError(progress.line(command))
        }
    }

    /// Ends the bar's line and prints the wall time.
    func end() {
        if shown { FileHandleStandardError.write("\n") }
        if let latest {
            printError(
                "\(command): \(latest.runsNow) runs in \(SweepProgress.duration(latest.elapsedSeconds)) "
                    + "wall (\(String(format: "%.2f", latest.runsPerSecond)) runs/s)")
        }
    }
}

nonisolated(unsafe) let commands: [CommandSpec] = [
    CommandSpec(
        name: "run", summary: "Run one world with one seed and write its output folder.",
        usage: "WORLD [--seed N] [--out DIR] [--set PATH=VALUE]... [--trace] [--check] [--quiet]",
        details: """
            WORLD is a path to a world file or the name of a bundled world (see 'cascade worlds').
            Results go to files in the output folder (default out/<world>-seed<N>/); a short
            summary goes to stdout and the run's digest and wall time to stderr.
            """,
        options: [
            .value("seed", "N", "seed of the run (default: the world's own seed)"),
            .value("out", "DIR", "output folder (default: out/<world>-seed<N>/)"),
            .value("set", "PATH=VALUE", "override one world value by JSON path", repeatable: true),
            .flag("trace", "also write events.jsonl, the full trace"),
            .flag("check", "verify invariants after every block; stop with status 1 if broken"),
            .flag("quiet", "print nothing on stdout"),
        ],
        positionalName: "WORLD", positionalCount: 1...1,
        run: { arguments in
            InterruptCleanup.install()
            return guarded { () throws(CascadeFailure) in
                let request = try RunRequest(
                    world: arguments.positional[0], seed: arguments.value("seed"),
                    out: arguments.value("out"), overrides: arguments.all("set"),
                    trace: arguments.has("trace"), check: arguments.has("check"))
                let clock = ContinuousClock()
                var outcome: RunResult?
                var failure: CascadeFailure?
                let wall = clock.measure {
                    do throws(CascadeFailure) {
                        outcome = try Cascade.run(request)
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
                guard let result = outcome else { return }
                if !arguments.has("quiet") {
                    print(result.summaryText, terminator: "")
                }
                let seconds =
                    Double(wall.components.attoseconds) * 1e-18 + Double(wall.components.seconds)
                printError(
                    "digest \(result.digest)  events \(result.events)  sim \(result.simulated.readable)  "
                        + "wall \(String(Int(seconds * 1000)))ms")
            }
        }),
    CommandSpec(
        name: "validate", summary: "Check world files without running them.",
        usage: "WORLD...",
        details: """
            Checks every world given and prints one line for each: ok with its digest on stdout, or
            the error naming the file and JSON path on stderr. Exits 2 if any is invalid.
            """,
        options: [
            .value("set", "PATH=VALUE", "override one value before checking", repeatable: true)
        ],
        positionalName: "WORLD", positionalCount: 1...Int.max,
        run: { arguments in
            // Every world is checked, as a linter checks every file: the first failure's
            // status is the command's.
            var status = ExitStatus.success
            for world in arguments.positional {
                let outcome = guarded { () throws(CascadeFailure) in
                    print(try Cascade.validate(world: world, overrides: arguments.all("set")))
                }
                if status == ExitStatus.success { status = outcome }
            }
            return status
        }),
    CommandSpec(
        name: "worlds", summary: "List the bundled worlds, one line each.", usage: "",
        details: "", options: [], positionalName: "", positionalCount: 0...0,
        run: { _ in
            guarded { () throws(CascadeFailure) in
                print(try Cascade.bundledWorldsListing(), terminator: "")
            }
        }),
    CommandSpec(
        name: "sweep", summary: "Run a grid of parameter values times a range of seeds.",
        usage:
            "WORLD|SWEEPFILE [--set PATH=V1,V2,...]... [--seeds A..B] [--jobs N] [--shard K/N] --out DIR",
        details: """
            WORLD is a world (path or bundled name); SWEEPFILE a sweep file (worlds/sweeps/*.json)
            naming the world, axes and seeds. Each --set is an axis; a comma list gives its values
            (commas inside [...], {...} or "..." do not separate). Axes multiply. Every point is
            checked before anything runs. Writes DIR/sweep.json, DIR/runs.csv (one row per point
            and seed, appended as runs finish), then DIR/points.csv and DIR/report.html. Rerunning
            the same command resumes. See docs/sweeps.md.
            """,
        options: [
            .value("set", "PATH=V1,V2,...", "an axis of the grid", repeatable: true),
            .value("seeds", "A..B", "the seeds of every point (default: the world's seed)"),
            .value("jobs", "N", "worker processes (default: the number of cores)"),
            .value(
                "shard", "K/N", "run only the K-th of N slices (join them with 'cascade merge')"),
            .value("out", "DIR", "the sweep's folder (required)"),
        ], positionalName: "WORLD", positionalCount: 1...1,
        run: { arguments in
            guarded { () throws(CascadeFailure) in
                let request = try SweepRequest(
                    target: arguments.positional[0], sets: arguments.all("set"),
                    seeds: arguments.value("seeds"), jobs: arguments.value("jobs"),
                    shard: arguments.value("shard"), out: arguments.value("out"),
                    defaultJobs: ProcessInfo.processInfo.activeProcessorCount)
                let display = ProgressDisplay(command: "sweep")
                let host = SweepHost(
                    executable: ownExecutable(), now: ProgressDisplay.seconds,
                    progress: display.show)
                let text = try Sweep.run(request, host: host)
                display.end()
                print(text, terminator: "")
            }
        }),
    CommandSpec(
        name: "stress", summary: "Run a stress battery and write an integrity scorecard.",
        usage: "CONFIG [--seeds A..B] [--jobs N] [--out DIR]",
        details: """
            CONFIG is a stress config (worlds/stress/*.json): a base world, its seeds and
            overrides, and the battery (default: baseline, crash_1h, crash_24h, gas_spike,
            oracle_freeze, keeper_outage, venue_depth, correlated_crash). Each scenario is a set
            of overrides of the world; one that has nothing to act on is reported as not
            applicable. Everything is checked before anything runs. Writes DIR/sweep.json and
            DIR/runs.csv (one row per scenario and seed, appended as runs finish; rerunning the
            same command resumes), then DIR/scorecard.json, DIR/scorecard.html and
            DIR/scorecard.md (the table in Markdown, for a forum post). Default DIR:
            out/stress/<name>/. See docs/stress.md.
            """,
        options: [
            .value("seeds", "A..B", "the seeds of every scenario (default: the config's)"),
            .value("jobs", "N", "worker processes (default: the number of cores)"),
            .value("out", "DIR", "the battery's folder (default: out/stress/<name>/)"),
        ], positionalName: "CONFIG", positionalCount: 1...1,
        run: { arguments in
            guarded { () throws(CascadeFailure) in
                let request = try StressRequest(
                    config: arguments.positional[0], seeds: arguments.value("seeds"),
                    jobs: arguments.value("jobs"), out: arguments.value("out"),
                    defaultJobs: ProcessInfo.processInfo.activeProcessorCount)
                let display = ProgressDisplay(command: "stress")
                let host = SweepHost(
                    executable: ownExecutable(), now: ProgressDisplay.seconds,
                    progress: display.show)
                let text = try Stress.run(request, host: host)
                display.end()
                print(text, terminator: "")
            }
        }),
    CommandSpec(
        name: "merge", summary: "Join sweep slices into one sweep folder.",
        usage: "DIR... --out DIR",
        details: """
            Joins the folders of 'cascade sweep --shard K/N' runs of one sweep into the files a
            single-machine sweep writes (sweep.json, runs.csv, points.csv, report.html), byte for
            byte. Every run of the sweep must be in one of the folders, and the slices' witnesses
            (witness.csv, the sweep's first run) must agree: one build ran them all. See
            docs/scaling.md.
            """,
        options: [.value("out", "DIR", "the merged sweep's folder (required)")],
        positionalName: "DIR", positionalCount: 1...Int.max,
        run: { arguments in
            guarded { () throws(CascadeFailure) in
                print(
                    try SweepMerge.run(inputs: arguments.positional, out: arguments.value("out")),
                    terminator: "")
            }
        }),
    CommandSpec(
        name: "races", summary: "Show the liquidation races of a run.",
        usage: "RUN_DIR [--top N] [--position ID]", details: "",
        options: [
            .value(
                "top", "N",
                "the N races with the longest delay and the N with the largest shortfall, "
                    + "each with its timeline (default 3)"),
            .value("position", "ID", "one position's race, its timeline in full"),
        ], positionalName: "RUN_DIR", positionalCount: 1...1,
        run: { arguments in
            guarded { () throws(CascadeFailure) in
                print(
                    try RaceReport.text(
                        runDirectory: arguments.positional[0], top: arguments.value("top"),
                        position: arguments.value("position")), terminator: "")
            }
        }),
    CommandSpec(
        name: "report", summary: "(Re)draw the report.html of a run's or a sweep's folder.",
        usage: "RUN_DIR | SWEEP_DIR [--figure NAME]",
        details: """
            Reads summary.json and blocks.csv (and, for a protocol world, races.csv and
            auctions.csv) in RUN_DIR and writes RUN_DIR/report.html, the same page 'cascade run'
            draws, byte for byte. For a sweep's folder (whole or merged) it redraws the heat
            maps from sweep.json and points.csv, of the figure --figure names (any figure of
            points.csv: bad_debt, liquidation_delay_blocks_p90, ...; by default the one
            'cascade sweep' maps). The old page stays until the new one is whole. A missing or
            malformed file exits 2, naming the file and line.
            """,
        options: [
            .value("figure", "NAME", "a sweep's figure to map (a sweep folder only)")
        ], positionalName: "RUN_DIR",
        positionalCount: 1...1,
        run: { arguments in
            guarded { () throws(CascadeFailure) in
                let folder = arguments.positional[0]
                if SweepRedraw.isSweep(folder) {
                    print(
                        try SweepRedraw.run(folder: folder, figure: arguments.value("figure")),
                        terminator: "")
                    return
                }
                if let figure = arguments.value("figure") {
                    throw CascadeFailure(
                        .badInput,
                        "--figure \(figure): \(folder) is a run's folder; --figure picks the "
                            + "figure of a sweep's heat maps (a folder with sweep.json)")
                }
                print(try RunReport.redraw(runDirectory: folder), terminator: "")
            }
        }),
]

func overview() -> String {
    var text = """
        cascade \(CascadeVersion.current) — a discrete-event blockchain simulator for DeFi liquidations

        usage: cascade COMMAND [ARGS]...
               cascade --version | --help | help COMMAND

        commands:

        """
    let width = (commands.map(\.name.count).max() ?? 0) + 2
    for command in commands {
        text +=
            "  \(command.name)\(String(repeating: " ", count: width - command.name.count))\(command.summary)\n"
    }
    text +=
        "\nRun 'cascade help COMMAND' for a command's options. Documentation: docs/ in the repository.\n"
    return text
}

func usageFailure(_ message: String, command: CommandSpec? = nil) -> Int32 {
    printError("cascade: error: \(message)")
    if let command {
        printError("usage: \(command.usageLine)")
        printError("Run 'cascade help \(command.name)' for more.")
    } else {
        printError("Run 'cascade --help' for the list of commands.")
    }
    return ExitStatus.usage
}

func main(_ words: [String]) -> Int32 {
    guard let first = words.first else {
        printError(overview())
        return ExitStatus.usage
    }
    switch first {
    case "--help", "-h":
        print(overview(), terminator: "")
        return ExitStatus.success
    case "--version", "-V":
        print("cascade \(CascadeVersion.current)")
        return ExitStatus.success
    case "help":
        guard words.count <= 2 else { return usageFailure("'help' takes at most one command") }
        guard words.count == 2 else {
            print(overview(), terminator: "")
            return ExitStatus.success
        }
        guard let command = commands.first(where: { $0.name == words[1] }) else {
            return usageFailure("no command '\(words[1])'")
        }
        print(command.help, terminator: "")
        return ExitStatus.success
    default:
        break
    }
    if first == "__sweep-worker" {
        // Hidden: a sweep's worker process (Sources/CascadeRun/Sweep/SweepWorker.swift).
        guard words.count >= 3 else { return usageFailure("__sweep-worker DIR WORLD P:S...") }
        return SweepWorker.main(
            folder: words[1], worldPath: words[2], units: Array(words.dropFirst(3)))
    }
    if first == "__stress-worker" {
        // Hidden: a stress battery's worker (Sources/CascadeRun/Stress/StressWorker.swift).
        guard words.count >= 3 else { return usageFailure("__stress-worker DIR WORLD P:S...") }
        return StressWorker.main(
            folder: words[1], worldPath: words[2], units: Array(words.dropFirst(3)))
    }
    guard let command = commands.first(where: { $0.name == first }) else {
        return usageFailure(
            first.hasPrefix("-") ? "unknown option '\(first)'" : "unknown command '\(first)'")
    }
    let rest = Array(words.dropFirst())
    if rest.contains("--help") || rest.contains("-h") {
        print(command.help, terminator: "")
        return ExitStatus.success
    }
    do {
        let arguments = try command.parse(rest)
        return command.run(arguments)
    } catch {
        return usageFailure(error.message, command: command)
    }
}

/// Keeps freed memory in the process instead of returning it to the kernel.
///
/// A sweep worker runs one simulation after another, and each run grows and frees the same
/// large tables (vault books, race ledgers, event queues). With glibc's defaults, blocks
/// over 128 KiB are separate mappings and the heap top is trimmed at 128 KiB, so each run
/// mapped them afresh and touched every page again: about 100,000 page faults and 3–4% of
/// the time of 20 Black Thursday runs in one worker; with these settings about 15,000
/// (docs/performance.md). Outputs do not depend on it.
func keepFreedMemory() {
    #if canImport(Glibc)
        // `mallopt` is declared in <malloc.h>, which the Glibc module leaves out: looked up
        // by name (parameters M_TRIM_THRESHOLD = -1 and M_MMAP_THRESHOLD = -3).
        typealias MallocOption = @convention(c) (Int32, Int32) -> Int32
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt")
        else { return }
        let mallopt = unsafeBitCast(symbol, to: MallocOption.self)
        _ = mallopt(-3, 32 << 20)
        _ = mallopt(-1, 256 << 20)
    #endif
}

keepFreedMemory()
exit(main(Array(CommandLine.arguments.dropFirst())))
