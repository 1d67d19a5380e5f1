import Foundation

/// Something that accepts text in order: a file being written, or memory in tests.
package protocol TextSink: AnyObject {
    /// Appends `text` (UTF-8) after everything written so far.
    func write(_ text: String) throws(OutputError)
}

/// Text collected in memory: what a writer would have put in a file. For tests and for
/// small files assembled before being written whole.
package final class MemorySink: TextSink {
    package private(set) var text = ""

    package init() {}

    package func write(_ text: String) throws(OutputError) {
        self.text += text
    }
}

/// A file written under a temporary name in its own folder and renamed to its final name
/// only when whole, so an interrupted run never leaves a half file that looks whole.
///
/// The temporary name is `.<name>.tmp-<pid>` beside the target: the same folder means the
/// same file system, so `rename(2)` replaces the target atomically (a reader sees the old
/// file or the new one, never a mixture). Until `commit()`, the target is untouched; a file
/// that is abandoned, or released without being committed, removes its temporary.
///
/// Writes are buffered and handed to the kernel in chunks of `chunkBytes`, so a million-row
/// CSV costs a few hundred system calls and never holds more than one chunk in memory.
///
/// ```swift
/// let file = try PendingFile(path: "out/x/summary.json")
/// try file.write(text)
/// try file.commit()   // now out/x/summary.json exists, whole
/// ```
///
/// An interrupted `cascade run` removes its temporaries (`InterruptCleanup`); a process
/// killed outright (SIGKILL) may leave its hidden temporary behind, which never takes the
/// final name.
/// Durability against power loss (`fsync`) is not attempted: the promise is about
/// interrupted runs, not crashed machines.
package final class PendingFile: TextSink {
    /// Where the file ends up.
    package let path: String
    /// Where it is written until it is whole.
    package let temporaryPath: String
    private let chunkBytes: Int
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var state = State.open

    private enum State { case open, finished, committed, abandoned }

    /// Creates (or truncates) the temporary file beside `path`.
    package init(path: String, chunkBytes: Int = 1 << 16) throws(OutputError) {
        precondition(chunkBytes > 0, "chunk size must be positive")
        self.path = path
        self.chunkBytes = chunkBytes
        self.temporaryPath = PendingFile.temporaryPath(for: path)
        buffer.reserveCapacity(chunkBytes)
        InterruptCleanup.register(temporaryPath)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            InterruptCleanup.unregister(temporaryPath)
            throw OutputError(path: path, operation: .create, code: errno)
        }
    }

    deinit {
        if state != .committed {
            abandon()
        }
    }

    /// `.<name>.tmp-<pid>` in the folder of `path`. The process id keeps two runs that
    /// share a folder by mistake from writing into one temporary.
    package static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(folder).\(name).tmp-\(getpid())"
    }

    package func write(_ text: String) throws(OutputError) {
        precondition(state == .open, "write after the file was finished")
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= chunkBytes {
            try flush()
        }
    }

    /// Hands the buffered bytes to the kernel.
    package func flush() throws(OutputError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return Foundation.write(descriptor, base + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: path, operation: .write, code: errno)
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the temporary, leaving the rename for `commit()`.
    /// Separate so a folder can finish every file (where a full disk shows up) before it
    /// renames any.
    package func finish() throws(OutputError) {
        guard state == .open else { return }
        try flush()
        let result = close(descriptor)
        descriptor = -1
        state = .finished
        if result != 0 {
            throw OutputError(path: path, operation: .close, code: errno)
        }
    }

    /// Finishes the file and renames it over `path`.
    package func commit() throws(OutputError) {
        precondition(state == .open || state == .finished, "commit of an abandoned file")
        try finish()
        if rename(temporaryPath, path) != 0 {
            throw OutputError(path: path, operation: .rename, code: errno)
        }
        InterruptCleanup.unregister(temporaryPath)
        state = .committed
    }

    /// Drops the file: closes and removes the temporary; the target is left as it was.
    package func abandon() {
        guard state == .open || state == .finished else { return }
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
        InterruptCleanup.unregister(temporaryPath)
        state = .abandoned
    }
}
