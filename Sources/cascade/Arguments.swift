/// A small, table-driven command-line parser: each command declares its options and
/// positional arguments, and parsing checks the words against that table.
///
/// Conventions follow git and cargo: `--flag`, `--option value` or `--option=value`,
/// repeatable options collect every value in order, `--` ends the options. Anything the
/// table does not know is a usage error (exit status 2), never ignored.
struct OptionSpec {
    /// The long name without dashes (`seed` for `--seed`).
    let name: String
    /// The placeholder of its value (`N`), or nil for a flag.
    let valueName: String?
    let repeatable: Bool
    let help: String

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, repeatable: false, help: help)
    }

    static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false)
        -> OptionSpec
    {
        OptionSpec(name: name, valueName: valueName, repeatable: repeatable, help: help)
    }
}

/// One subcommand: its words, its options and what it runs.
struct CommandSpec {
    let name: String
    let summary: String
    /// The arguments part of the usage line (`WORLD [--seed N] ...`).
    let usage: String
    let details: String
    let options: [OptionSpec]
    let positionalName: String
    let positionalCount: ClosedRange<Int>
    let run: (ParsedArguments) -> Int32

    var usageLine: String { "cascade \(name) \(usage)" }
}

/// What parsing found: positional words and option values, in command-line order.
struct ParsedArguments {
    var positional: [String] = []
    private var values: [(name: String, value: String)] = []
    private var flags: [String] = []

    mutating func add(option: String, value: String) {
        values.append((option, value))
    }

    mutating func add(flag: String) {
        flags.append(flag)
    }

    func has(_ flag: String) -> Bool {
        flags.contains(flag)
    }

    /// The last value given for `option` (a later `--seed` overrides an earlier one).
    func value(_ option: String) -> String? {
        values.last { $0.name == option }?.value
    }

    /// Every value given for a repeatable `option`, in order.
    func all(_ option: String) -> [String] {
        values.filter { $0.name == option }.map(\.value)
    }
}

struct UsageError: Error {
    let message: String
}

extension CommandSpec {
    /// Parses `words` (the arguments after the command name) against this command's table.
    func parse(_ words: [String]) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var optionsEnded = false
        while index < words.count {
            let word = words[index]
            index += 1
            if optionsEnded || !word.hasPrefix("--") || word == "-" {
                if word.hasPrefix("-") && word.count > 1 && !optionsEnded {
                    throw UsageError(message: "unknown option '\(word)'")
                }
                parsed.positional.append(word)
                continue
            }
            if word == "--" {
                optionsEnded = true
                continue
            }
            let body = word.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw UsageError(message: "unknown option '--\(name)' for 'cascade \(self.name)'")
            }
            guard let valueName = spec.valueName else {
                if inlineValue != nil {
                    throw UsageError(message: "option '--\(name)' takes no value")
                }
                parsed.add(flag: name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < words.count else {
                    throw UsageError(message: "option '--\(name)' needs a value (\(valueName))")
                }
                value = words[index]
                index += 1
            }
            if !spec.repeatable && parsed.value(name) != nil {
                throw UsageError(message: "option '--\(name)' given twice")
            }
            parsed.add(option: name, value: value)
        }
        guard positionalCount.contains(parsed.positional.count) else {
            let expected =
                positionalCount.lowerBound == positionalCount.upperBound
                ? "\(positionalCount.lowerBound)"
                : positionalCount.upperBound == Int.max
                    ? "at least \(positionalCount.lowerBound)"
                    : "\(positionalCount.lowerBound) to \(positionalCount.upperBound)"
            throw UsageError(
                message:
                    "expected \(expected) \(positionalName) argument(s), got \(parsed.positional.count)"
            )
        }
        return parsed
    }

    /// The full help text of this command.
    var help: String {
        var text = "usage: \(usageLine)\n\n\(summary)\n"
        if !details.isEmpty {
            text += "\n\(details)\n"
        }
        if !options.isEmpty {
            text += "\noptions:\n"
            let labels = options.map { option in
                "--\(option.name)" + (option.valueName.map { " \($0)" } ?? "")
            }
            let width = (labels.map(\.count).max() ?? 0) + 2
            for (label, option) in zip(labels, options) {
                let padding = String(repeating: " ", count: width - label.count)
                text += "  \(label)\(padding)\(option.help)\n"
            }
        }
        return text
    }
}
