/// Where a value sits in a source text: 1-based line and column.
///
/// Columns count Unicode scalars, not bytes, so they match what an editor shows for text
/// with accents or symbols; a tab counts as one column.
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    /// The line, from 1.
    public var line: Int
    /// The column on that line, from 1, in Unicode scalars.
    public var column: Int

    /// Creates a position; both numbers start at 1.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`, as compilers print it.
    public var description: String { "\(line):\(column)" }
}

/// Where a JSON value came from: a place in the file, or a `--set` override.
///
/// Errors about a value that an override supplied name the override rather than a line of
/// the file, since the file never held that value.
public enum ValueOrigin: Hashable, Sendable {
    /// Read from the file at this position.
    case file(SourcePosition)
    /// Supplied by an override; the text is the override as typed (`chain.seed=4`).
    case override(String)
    /// Built by code (tests, generated worlds); no source to point at.
    case synthesized
}

/// Bad input in a world file, a data file or an override: what is wrong and exactly where.
///
/// Every failure of the reading layer is a `WorldError`; nothing in it traps on bad input.
/// The command-line front end prints `description` and exits with status 2.
///
/// `description` follows the compilers' convention so editors and terminals can jump to the
/// spot:
///
///     worlds/x.json:12:7: chain.block_time: expected a duration like "13.2s", found 13.2
///     worlds/x.json: --set chain.block_time=12x: chain.block_time: unknown unit "x" ...
///     worlds/data/eth.csv:14:9: close: expected a decimal number, found "n/a"
public struct WorldError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file as the user named it (`worlds/x.json`), or empty when there is none.
    public var file: String
    /// The JSON path of the offending value (`protocols[0].flipper.ttl`), a CSV column name,
    /// or empty for the document as a whole.
    public var path: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The 1-based column, when known.
    public var column: Int?
    /// The override that supplied the value, as typed after `--set`, when one did.
    public var override: String?
    /// What is wrong and, where possible, what was expected and what was found.
    public var message: String

    /// Creates an error; prefer the reader's `error(_:)` helpers, which fill in the place.
    public init(
        file: String, path: String = "", line: Int? = nil, column: Int? = nil,
        override: String? = nil, message: String
    ) {
        self.file = file
        self.path = path
        self.line = line
        self.column = column
        self.override = override
        self.message = message
    }

    /// Creates an error located at `origin` (a file position or an override).
    public init(file: String, path: String, origin: ValueOrigin, message: String) {
        self.init(file: file, path: path, message: message)
        switch origin {
        case .file(let position):
            line = position.line
            column = position.column
        case .override(let text):
            override = text
        case .synthesized:
            break
        }
    }

    /// `file:line:column: [--set override: ]path: message`, omitting the parts not known.
    public var description: String {
        var parts: [String] = []
        var location = file
        if let line {
            location += location.isEmpty ? "\(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        if !location.isEmpty { parts.append(location) }
        if let override { parts.append("--set \(override)") }
        if !path.isEmpty { parts.append(path) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
