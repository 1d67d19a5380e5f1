import CascadeTestSupport
import Foundation
import Testing

/// A `cascade run` stopped by Ctrl-C or SIGTERM leaves its folder as it was: no hidden
/// temporaries, and an earlier run's files untouched (`InterruptCleanup`).
@Suite("cascade run: interrupted", .serialized)
struct InterruptCLITests {
    @Test(
        "SIGINT and SIGTERM remove the run's temporaries and end it by the signal",
        arguments: [SIGINT, SIGTERM])
    func interrupted(signal number: Int32) throws {
        let folder = try CLIRunner.temporaryFolder("interrupted-\(number)")
        let out = folder.path + "/run"
        let earlier = try CLIRunner.run([
            "run", "maker-demo", "--set", "duration=\"10m\"", "--out", out, "--quiet",
        ])
        #expect(earlier.status == 0, "\(earlier.standardError)")
        let before = try Self.contents(of: out)

        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["run", "black-thursday-2020", "--trace", "--out", out, "--quiet"]
        process.currentDirectoryURL = CLIRunner.packageRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt it once it is writing (its temporaries exist), or after 60 s.
        for _ in 0..<6_000 {
            let names = try FileManager.default.contentsOfDirectory(atPath: out)
            if names.contains(where: { $0.hasPrefix(".events.jsonl.tmp-") }) { break }
            usleep(10_000)
        }
        kill(process.processIdentifier, number)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == number)
        #expect(try Self.contents(of: out) == before)
    }

    /// Every file of `folder` (hidden ones included) with its bytes.
    static func contents(of folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return files
    }
}
