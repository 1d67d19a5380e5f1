/// Reads the keys of one JSON object strictly: each key once, by name, and then `finish()`
/// reports any key nobody asked for.
///
/// Asking for a key (`required`, `optional`) both reads it and declares it allowed, so a
/// decoder that reads every key it supports and then calls `finish()` rejects misspellings
/// with a suggestion (`unknown key "gas_limt"; did you mean "gas_limit"?`) and lists the
/// allowed keys otherwise. A key added by `--set` that the object does not accept gets the
/// same error, naming the override.
///
/// A class, not a struct, so the bookkeeping of keys read survives being passed around.
public final class JSONObjectReader {
    /// The reader of the object itself.
    public let reader: JSONReader
    private let members: [JSONMember]
    /// Keys asked for, in the order asked (the allowed keys, for messages).
    private var askedKeys: [String] = []
    private var readKeys: Set<String> = []

    init(reader: JSONReader, members: [JSONMember]) {
        self.reader = reader
        self.members = members
    }

    /// The keys present, in file order.
    public var keys: [String] { members.map(\.key) }

    /// Whether the object has `key` (does not count as reading it).
    public func contains(_ key: String) -> Bool {
        members.contains { $0.key == key }
    }

    /// The value of `key`; an error at the object when it is missing.
    public func required(_ key: String) throws(WorldError) -> JSONReader {
        guard let found = optional(key) else {
            // A misspelt key shows up here first: point at it rather than only at the gap.
            let present = members.map(\.key).filter { !askedKeys.contains($0) }
            if let typo = present.first(where: { closestKey(to: key, among: [$0]) != nil }),
                let member = members.first(where: { $0.key == typo })
            {
                throw WorldError(
                    file: reader.context.displayName,
                    path: reader.path.appending(key: typo).description, origin: member.keyOrigin,
                    message: "unknown key \(JSONSerializer.quoted(typo)); did you mean "
                        + "\(JSONSerializer.quoted(key))? (\(JSONSerializer.quoted(key)) is required)"
                )
            }
            throw reader.error("missing required key \(JSONSerializer.quoted(key))")
        }
        return found
    }

    /// The value of `key`, or nil when the object has no such key. A key present with the
    /// value `null` is returned (and then rejected by typed accessors): `null` never means
    /// "use the default".
    public func optional(_ key: String) -> JSONReader? {
        if !askedKeys.contains(key) { askedKeys.append(key) }
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        readKeys.insert(key)
        return JSONReader(
            value: member.value, path: reader.path.appending(key: key), context: reader.context)
    }

    /// Every member, in file order, for objects used as maps (`"assets": {"ETH": ...}`);
    /// all keys count as read.
    public func entries() -> [(key: String, value: JSONReader)] {
        members.map { member in
            readKeys.insert(member.key)
            return (
                member.key,
                JSONReader(
                    value: member.value, path: reader.path.appending(key: member.key),
                    context: reader.context)
            )
        }
    }

    /// Throws for the first key (in file order) that was never read: a misspelling, a key
    /// of another version, or one added by `--set` that this object does not accept.
    public func finish() throws(WorldError) {
        guard let unknown = members.first(where: { !readKeys.contains($0.key) }) else { return }
        var message = "unknown key \(JSONSerializer.quoted(unknown.key))"
        if let near = closestKey(to: unknown.key, among: askedKeys) {
            message += "; did you mean \(JSONSerializer.quoted(near))?"
        } else if !askedKeys.isEmpty {
            message += "; allowed keys: " + askedKeys.joined(separator: ", ")
        }
        if case .override = unknown.keyOrigin {
            message += " (the key was added by --set)"
        }
        throw WorldError(
            file: reader.context.displayName,
            path: reader.path.appending(key: unknown.key).description,
            origin: unknown.keyOrigin, message: message)
    }
}

/// The candidate closest to `key` by edit distance, if close enough to be a likely typo:
/// a case-insensitive match, or at most one edit per three characters (at least one).
/// Ties go to the earlier candidate, so suggestions are deterministic.
func closestKey(to key: String, among candidates: [String]) -> String? {
    if let exact = candidates.first(where: { $0.lowercased() == key.lowercased() }) {
        return exact
    }
    let limit = max(1, key.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(Array(key.unicodeScalars), Array(candidate.unicodeScalars))
        if distance <= limit, distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
/// characters (optimal string alignment), since swapped letters are a common typo.
/// O(|a|·|b|).
func editDistance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}
