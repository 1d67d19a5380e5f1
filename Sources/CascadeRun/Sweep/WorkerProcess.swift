import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One worker: a child `cascade __sweep-worker` process started with `posix_spawn`, its
/// stdout a pipe the coordinator polls. No threads: the coordinator multiplexes every
/// worker's pipe with `poll(2)`.
final class WorkerProcess {
    let pid: pid_t
    /// The read end of the child's stdout (non-blocking is not needed: `poll` says when a
    /// read will not block).
    private(set) var descriptor: Int32
    /// The runs handed to it, as (point, seed), and which it has reported.
    let units: [(point: Int, seed: UInt64)]
    var reported: Int = 0
    private var pending: [UInt8] = []

    /// Starts `executable` with `arguments` (argv[0] included), stdout to a new pipe,
    /// stdin from /dev/null, stderr inherited.
    init(executable: String, arguments: [String], units: [(point: Int, seed: UInt64)])
        throws(CascadeFailure)
    {
        self.units = units
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw CascadeFailure(
                .internalFailure, "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        // The parent's end must not leak into later children.
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t?
        #else
            var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addclose(&actions, ends[1])
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(ends[1])
        guard status == 0 else {
            close(ends[0])
            throw CascadeFailure(
                .internalFailure,
                "cannot start a worker (\(executable)): \(String(cString: strerror(status)))")
        }
        pid = child
        descriptor = ends[0]
    }

    /// Reads what is available; returns the whole lines received (without newlines), and
    /// whether the pipe reached its end.
    func readLines() -> (lines: [String], ended: Bool) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return ([], false) }
            return (takeLines(), true)
        }
        if count == 0 { return (takeLines(), true) }
        pending.append(contentsOf: buffer[..<count])
        return (takeLines(), false)
    }

    private func takeLines() -> [String] {
        var lines: [String] = []
        var start = 0
        for index in pending.indices where pending[index] == 0x0A {
            lines.append(String(decoding: pending[start..<index], as: UTF8.self))
            start = index + 1
        }
        pending.removeFirst(start)
        return lines
    }

    /// Closes the pipe and reaps the child; returns a description of how it ended when
    /// that was not a clean exit.
    func finish() -> String? {
        close(descriptor)
        descriptor = -1
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        if signal != 0 { return "killed by signal \(signal)" }
        let code = (status >> 8) & 0xff
        return code == 0 ? nil : "exited with status \(code)"
    }
}
