import Foundation

/// Why a run's output could not be written, naming the path: the folder was not writable,
/// the disk filled up, a rename failed.
///
/// The run layer passes this up unchanged and the CLI maps it to an exit status; the message
/// is for a person (it goes to stderr, never into an output file), so it may carry the host's
/// error text.
package struct OutputError: Error, Equatable, CustomStringConvertible {
    /// What was being done when the operating system refused.
    package enum Operation: String, Sendable {
        case createFolder = "create folder"
        case create
        case write
        case close
        case rename = "rename into place"
    }

    /// The path that could not be written: the final name, not the temporary one, so the
    /// message names what the user asked for.
    package let path: String
    package let operation: Operation
    /// The `errno` value reported by the failing call (`ENOSPC` for a full disk).
    package let code: Int32

    package init(path: String, operation: Operation, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// `cannot write out/x/blocks.csv: No space left on device`.
    package var description: String {
        "cannot \(operation.rawValue) \(path): \(String(cString: strerror(code)))"
    }
}
