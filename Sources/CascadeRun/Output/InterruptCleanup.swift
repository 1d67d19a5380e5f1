import Foundation

/// Removes the temporaries of a run's files when the run is interrupted (Ctrl-C's SIGINT,
/// or SIGTERM), then lets the signal end the process as it would have (status 130 or 143
/// in a shell).
///
/// **Why.** A run writes each file under a hidden temporary name and renames it into place
/// only when whole (`PendingFile`), so an interrupted run never leaves a half file under a
/// real name. But the temporaries stayed: a traced run stopped with Ctrl-C left tens of
/// megabytes of `.events.jsonl.tmp-<pid>` in its folder, a new name at every attempt.
///
/// **How.** `PendingFile` registers its temporary before creating it and unregisters it
/// once renamed or removed. `install()` makes SIGINT and SIGTERM arrive on a dispatch
/// queue instead of ending the process at once; the handler, holding the lock that
/// registering takes, unlinks every registered temporary and raises the signal again with
/// its default action. A file the run is about to create waits on the lock and is never
/// created; one renamed into place just before is whole. SIGKILL cannot be caught: its
/// temporaries remain, hidden, and never take the final name.
///
/// Installed by `cascade run` only: a sweep's or a battery's coordinator starts worker
/// processes, which would inherit the ignored signals and outlive a Ctrl-C.
package enum InterruptCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var temporaries: [String] = []
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Takes over SIGINT and SIGTERM for the rest of the process.
    package static func install() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { interrupted(by: number) }
            source.resume()
            sources.append(source)
        }
    }

    /// `path` is about to be created as a temporary.
    static func register(_ path: String) {
        lock.lock()
        temporaries.append(path)
        lock.unlock()
    }

    /// `path` was renamed into place or removed.
    static func unregister(_ path: String) {
        lock.lock()
        if let index = temporaries.lastIndex(of: path) { temporaries.remove(at: index) }
        lock.unlock()
    }

    private static func interrupted(by number: Int32) {
        lock.lock()
        for path in temporaries {
            unlink(path)
        }
        // The signal again, with its default action, on this thread with it unblocked (a
        // process started with it blocked would otherwise keep it pending and run on).
        signal(number, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(number)
        // Not reached; should the signal not end the process, the shell's status for it.
        _exit(128 + number)
    }
}
