import CascadeWorld

/// A JSON object a command reads back from a run's folder (`summary.json`, a line of
/// `events.jsonl`): its members, parsed by the world reader's `JSONParser` (numbers kept as
/// written).
enum JSONObjectFile {
    /// The members of the object in `data`, from the file called `name` in messages, where
    /// it starts on line `firstLine` (a line of a JSON Lines file; 1 for a whole file). Bad
    /// input naming the file and line when it is not JSON or not an object.
    static func members(of data: some Sequence<UInt8>, name: String, firstLine: Int = 1)
        throws(CascadeFailure) -> [JSONMember]
    {
        let value: JSONValue
        do {
            var parser = JSONParser(bytes: Array(data), file: name, firstLine: firstLine)
            value = try parser.parse()
        } catch {
            throw CascadeFailure(.badInput, error.description)
        }
        guard case .object(let members) = value.content else {
            let place = firstLine == 1 ? name : "\(name):\(firstLine)"
            throw CascadeFailure(.badInput, "\(place): expected a JSON object")
        }
        return members
    }
}
