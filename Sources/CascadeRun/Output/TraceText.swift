/// The text of a contract call in the trace's `calls` field: `take(auction: 49, amt: 8837…,
/// max: 1278…, who: 0x1f4, flash: false)`.
///
/// Built from the call's structure (case names and labelled arguments), with values printed
/// by their own `description` where they have one (exact decimals for `UInt256`, `0x…` for
/// addresses) — never Swift's default description, which would add module and type names
/// and could change with the compiler. Only `--trace` runs pay for it.
enum TraceText {
    static func describe(_ value: Any) -> String {
        if let text = value as? String {
            return "\"\(text)\""
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .enum:
            if let custom = value as? CustomStringConvertible {
                return custom.description
            }
            return enumCase(value, mirror)
        case .optional:
            return mirror.children.first.map { describe($0.value) } ?? "nil"
        case .collection, .set:
            return "[" + mirror.children.map { describe($0.value) }.joined(separator: ", ") + "]"
        case .tuple:
            return "(" + arguments(mirror) + ")"
        default:
            if let custom = value as? CustomStringConvertible {
                return custom.description
            }
            // A wrapper such as `TokenID(rawValue: 1)`: its single stored value.
            if mirror.children.count == 1, let only = mirror.children.first {
                return describe(only.value)
            }
            return "{" + arguments(mirror) + "}"
        }
    }

    /// `case(label: value, ...)`, or the bare case name when it carries nothing.
    private static func enumCase(_ value: Any, _ mirror: Mirror) -> String {
        guard let child = mirror.children.first, let name = child.label else {
            // A case without associated values: its name.
            return String(describing: value)
        }
        let payload = Mirror(reflecting: child.value)
        if payload.displayStyle == .tuple {
            return name + "(" + arguments(payload) + ")"
        }
        return name + "(" + describe(child.value) + ")"
    }

    /// `label: value, ...` for labelled children, values alone for positional ones.
    private static func arguments(_ mirror: Mirror) -> String {
        mirror.children.map { child in
            let value = describe(child.value)
            guard let label = child.label, !label.hasPrefix(".") else { return value }
            return "\(label): \(value)"
        }.joined(separator: ", ")
    }
}
