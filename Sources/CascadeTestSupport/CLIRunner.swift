import Foundation

/// Runs the built `cascade` binary, for end-to-end tests.
///
/// The binary is found beside the test bundle (`swift build --build-tests` builds both into
/// the same folder), or at `$CASCADE_BIN` when set.
public enum CLIRunner {
    /// What a finished command printed and returned.
    public struct Outcome: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// The package's root folder (where `Package.swift` and `worlds/` are).
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    /// The `cascade` binary under test.
    public static var binary: URL {
        if let configured = ProcessInfo.processInfo.environment["CASCADE_BIN"] {
            return URL(fileURLWithPath: configured)
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        let beside = bundle.deletingLastPathComponent().appendingPathComponent("cascade")
        if FileManager.default.isExecutableFile(atPath: beside.path) {
            return beside
        }
        return packageRoot.appendingPathComponent(".build/debug/cascade")
    }

    /// Runs `cascade` with `arguments` in `directory` (default: the package root).
    public static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? packageRoot
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes to the end before waiting, so a chatty child cannot block on a
        // full pipe.
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1_000) }
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self))
    }

    /// A fresh temporary folder for a test's outputs: `name` inside this test process's
    /// own folder (`processFolder`), which goes when the process exits.
    public static func temporaryFolder(_ name: String) throws -> URL {
        let url = processFolder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `cascade-tests-<pid>` in the temporary directory, the parent of every test folder
    /// this process makes. It is removed when the process exits normally (each folder held
    /// a run's outputs, and a `make test` made about 150 of them, left behind for good),
    /// unless `CASCADE_KEEP_TEST_FOLDERS` is set: then a failed test's outputs stay to be
    /// read. A process that crashes leaves its folder too.
    public static let processFolder: URL = {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("cascade-tests-\(ProcessInfo.processInfo.processIdentifier)")
        if ProcessInfo.processInfo.environment["CASCADE_KEEP_TEST_FOLDERS"] == nil {
            atexit { try? FileManager.default.removeItem(at: CLIRunner.processFolder) }
        }
        return folder
    }()
}

/// Data handed from a reader thread to the waiting test.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var done = false

    func set(_ value: Data) {
        lock.lock()
        data = value
        done = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }

    var value: Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}
