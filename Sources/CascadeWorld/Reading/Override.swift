/// One `--set PATH=VALUE` override, applied to the parsed tree before decoding so that
/// the value goes through exactly the validation a value in the file would.
///
/// - `PATH` is a JSON path (`protocols[0].flipper.ttl`, `seed`, `agents[2].count`).
/// - `VALUE` is read as JSON when it is valid JSON (`42`, `true`, `null`, `"text"`,
///   `[1,2]`, `{"a":1}`) and otherwise taken as a string, so `chain.block_time=12s` needs
///   no quotes. A value that starts like JSON (`[`, `{` or `"`) but is not valid JSON is
///   an error rather than a string, since it was almost certainly meant as JSON.
/// - Every step of the path but the last must exist in the file; an array index must be
///   in range. The last key may be new: decoding then accepts it if the object allows
///   that key, and otherwise reports the usual unknown-key error, naming the override.
///
/// Overrides apply in the order given; a later one sees the result of earlier ones.
public struct Override: Sendable, CustomStringConvertible {
    /// The override as typed after `--set` (`protocols[0].flipper.ttl=6h`).
    public let text: String
    /// The path to set.
    public let path: JSONPath
    /// The value to set; its origin is this override.
    public let value: JSONValue

    /// Parses `PATH=VALUE` (split at the first `=`).
    public init(parsing text: String) throws(WorldError) {
        self.text = text
        func fail(_ message: String) -> WorldError {
            WorldError(file: "", override: text, message: message)
        }
        guard let equals = text.firstIndex(of: "=") else {
            throw fail("expected PATH=VALUE, like protocols[0].flipper.ttl=6h")
        }
        switch JSONPath.parse(String(text[..<equals])) {
        case .success(let parsed):
            guard !parsed.components.isEmpty else { throw fail("the path is empty") }
            path = parsed
        case .failure(let failure):
            throw fail("bad path: \(failure.message)")
        }
        let valueText = String(text[text.index(after: equals)...])
        var parser = JSONParser(bytes: Array(valueText.utf8), file: "", limits: .default)
        let parsed: JSONValue
        do {
            parsed = try parser.parse()
        } catch {
            if let first = valueText.utf8.first,
                first == UInt8(ascii: "[") || first == UInt8(ascii: "{")
                    || first == UInt8(ascii: "\"")
            {
                throw fail("the value looks like JSON but is not valid: \(error.message)")
            }
            parsed = JSONValue(.string(valueText))
        }
        value = parsed.withOrigin(.override(text))
    }

    /// The override as typed.
    public var description: String { text }

    /// Sets the value in `root`; errors name the override and the path reached.
    public func apply(to root: inout JSONValue) throws(WorldError) {
        try set(in: &root, at: path.components[...], walked: .root)
    }

    private func set(
        in node: inout JSONValue, at rest: ArraySlice<JSONPath.Component>, walked: JSONPath
    ) throws(WorldError) {
        guard let step = rest.first else {
            node = value
            return
        }
        let remaining = rest.dropFirst()
        switch (step, node.content) {
        case (.key(let key), .object(var members)):
            let here = walked.appending(key: key)
            if let found = members.firstIndex(where: { $0.key == key }) {
                node.content = .null  // release the old tree so the edit is in place
                try set(in: &members[found].value, at: remaining, walked: here)
            } else if remaining.isEmpty {
                members.append(
                    JSONMember(key: key, keyOrigin: .override(text), value: value))
            } else {
                throw failure(
                    walked,
                    "\(describe(here)) does not exist in the world file; only the "
                        + "last part of a path can be new")
            }
            node.content = .object(members)
        case (.index(let index), .array(var elements)):
            guard index < elements.count else {
                throw failure(
                    walked,
                    "index \(index) is out of range: \(describe(walked)) has "
                        + "\(elements.count) element\(elements.count == 1 ? "" : "s")")
            }
            node.content = .null
            try set(in: &elements[index], at: remaining, walked: walked.appending(index: index))
            node.content = .array(elements)
        case (.key(let key), _):
            throw failure(
                walked,
                "\(describe(walked)) is \(node.summary), not an object, so it has no "
                    + "key \(JSONSerializer.quoted(key))")
        case (.index(let index), _):
            throw failure(
                walked,
                "\(describe(walked)) is \(node.summary), not an array, so it has no "
                    + "element [\(index)]")
        }
    }

    private func describe(_ path: JSONPath) -> String {
        path.components.isEmpty ? "the world" : path.description
    }

    private func failure(_ walked: JSONPath, _ message: String) -> WorldError {
        WorldError(file: "", path: path.description, override: text, message: message)
    }
}
