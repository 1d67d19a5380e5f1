import CascadeCore

/// A strict, typed view of one value of a world file, which knows its JSON path.
///
/// World decoders read every key through a `JSONReader`, so every error names the file, the
/// path and the line and column (or the `--set` override) without the decoder having to:
///
///     let world = try root.object()                          // JSONObjectReader
///     let seed = try world.required("seed").uint64()
///     let chain = try world.required("chain").object()
///     let blockTimeMs = try chain.required("block_time").durationMilliseconds(
///         in: 1...3_600_000)
///     let gasLimit = try chain.optional("gas_limit")?.uint64(in: 1...1_000_000_000)
///         ?? 10_000_000
///     try chain.finish()                                     // unknown keys are errors
///
/// Each accessor accepts exactly one JSON kind (documented per method) and otherwise throws
/// `expected <what>, found <summary of the value>`. Nothing is coerced silently: `"12"` is
/// not an integer, `12` is not a duration, `null` is not an absent key.
public struct JSONReader {
    /// The value read.
    public let value: JSONValue
    /// Its path from the document's root.
    public let path: JSONPath
    /// The file it came from and where its data files live.
    public let context: ReadingContext

    /// Creates a reader for `value` at `path`.
    public init(value: JSONValue, path: JSONPath = .root, context: ReadingContext) {
        self.value = value
        self.path = path
        self.context = context
    }

    /// An error about this value, located at it: for checks the decoder makes itself
    /// (`throw reader.error("must be below liquidation_ratio")`).
    public func error(_ message: String) -> WorldError {
        WorldError(
            file: context.displayName, path: path.description, origin: value.origin,
            message: message)
    }

    /// `expected <what>, found <value>`.
    public func mismatch(_ expected: String) -> WorldError {
        error("expected \(expected), found \(value.summary)")
    }

    // MARK: - Basic kinds

    /// A JSON string.
    public func string() throws(WorldError) -> String {
        guard case .string(let text) = value.content else { throw mismatch("a string") }
        return text
    }

    /// A non-empty JSON string.
    public func nonEmptyString() throws(WorldError) -> String {
        let text = try string()
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    /// `true` or `false`.
    public func bool() throws(WorldError) -> Bool {
        guard case .bool(let flag) = value.content else { throw mismatch("true or false") }
        return flag
    }

    /// Whether the value is `null` (for keys documented to accept it).
    public var isNull: Bool { value.content == .null }

    /// One of a fixed list of strings; the message lists them all.
    public func oneOf(_ allowed: [String]) throws(WorldError) -> String {
        let list = allowed.map { JSONSerializer.quoted($0) }.joined(separator: ", ")
        guard case .string(let text) = value.content else { throw mismatch("one of \(list)") }
        guard allowed.contains(text) else {
            var message = "expected one of \(list), found \(value.summary)"
            if let near = closestKey(to: text, among: allowed) {
                message += "; did you mean \(JSONSerializer.quoted(near))?"
            }
            throw error(message)
        }
        return text
    }

    /// A case of a string enum, by its raw value; the message lists every case.
    public func choice<T: RawRepresentable & CaseIterable>(
        _ type: T.Type
    ) throws(WorldError) -> T where T.RawValue == String {
        let text = try oneOf(T.allCases.map(\.rawValue))
        guard let choice = T(rawValue: text) else { throw mismatch("a known case") }
        return choice
    }

    // MARK: - Numbers

    /// An exact decimal, from a JSON number (`1500.25`) or a string holding one
    /// (`"1500.25"`, for tools that would round long numbers), optionally in a range.
    public func decimal(
        in range: ClosedRange<ExactDecimal>? = nil
    ) throws(WorldError) -> ExactDecimal {
        let parsed: ExactDecimal?
        switch value.content {
        case .number(let literal): parsed = ExactDecimal(literal)
        case .string(let text): parsed = ExactDecimal(text)
        default: parsed = nil
        }
        guard let parsed else { throw mismatch("a decimal number") }
        if let range, !range.contains(parsed) {
            throw error(
                "must be between \(range.lowerBound) and \(range.upperBound), found \(parsed)")
        }
        return parsed
    }

    /// A decimal converted exactly to base units at `scale` decimals (`"1.5"` at 18 is
    /// 1.5e18); fails on negatives, more decimals than `scale` and values above 2^128 − 1.
    public func baseUnits(scale: Int) throws(WorldError) -> UInt128 {
        let amount = try decimal()
        do {
            return try amount.baseUnits(scale: scale)
        } catch {
            throw conversionError(error, amount, scale: scale)
        }
    }

    /// Like `baseUnits(scale:)` with room for 256 bits (RAD amounts have 45 decimals).
    public func baseUnits256(scale: Int) throws(WorldError) -> UInt256 {
        let amount = try decimal()
        do {
            return try amount.baseUnits256(scale: scale)
        } catch {
            throw conversionError(error, amount, scale: scale)
        }
    }

    private func conversionError(
        _ failure: ExactDecimal.ConversionError, _ amount: ExactDecimal, scale: Int
    ) -> WorldError {
        switch failure {
        case .negative: return error("must not be negative, found \(amount)")
        case .tooManyDecimals:
            return error("has more than \(scale) decimal places, found \(amount)")
        case .overflow: return error("is too large, found \(amount)")
        }
    }

    /// A whole JSON number of type `T` within `range` (default: all of `T`). `1e6` is
    /// accepted as a million; `1.5` and `"12"` are not integers.
    public func integer<T: FixedWidthInteger>(
        _ type: T.Type, in range: ClosedRange<T>? = nil
    ) throws(WorldError) -> T {
        guard case .number(let literal) = value.content else { throw mismatch("an integer") }
        guard let decimal = ExactDecimal(literal), decimal.isInteger else {
            throw mismatch("an integer")
        }
        let bounds = range ?? T.min...T.max
        guard let result = decimal.integer(T.self), bounds.contains(result) else {
            throw error("\(rangeText(bounds)), found \(value.summary)")
        }
        return result
    }

    /// A whole number as `Int`.
    public func int(in range: ClosedRange<Int>? = nil) throws(WorldError) -> Int {
        try integer(Int.self, in: range)
    }

    /// A whole number as `Int64`.
    public func int64(in range: ClosedRange<Int64>? = nil) throws(WorldError) -> Int64 {
        try integer(Int64.self, in: range)
    }

    /// A whole number as `UInt64` (seeds, gas limits).
    public func uint64(in range: ClosedRange<UInt64>? = nil) throws(WorldError) -> UInt64 {
        try integer(UInt64.self, in: range)
    }

    /// A JSON number as the nearest `Double`: only for off-chain parameters (volatility,
    /// drift, rates of arrival), never for amounts that reach the chain.
    public func double(in range: ClosedRange<Double>? = nil) throws(WorldError) -> Double {
        guard case .number(let literal) = value.content, let decimal = ExactDecimal(literal)
        else { throw mismatch("a number") }
        let result = decimal.approximateDouble
        guard result.isFinite else { throw error("is too large, found \(value.summary)") }
        if let range, !range.contains(result) {
            throw error(
                "must be between \(range.lowerBound) and \(range.upperBound), "
                    + "found \(value.summary)")
        }
        return result
    }

    // MARK: - Units

    /// A duration string (`"13.2s"`, `"600ms"`, `"10m"`, `"1h"`, `"3d"`) in whole
    /// milliseconds, optionally within `range` (in milliseconds).
    public func durationMilliseconds(in range: ClosedRange<Int64>? = nil) throws(WorldError)
        -> Int64
    {
        let milliseconds = try unitString(
            "a duration like \"13.2s\"", UnitFormats.durationMilliseconds)
        if let range, !range.contains(milliseconds) {
            throw error(
                "must be between \(formatDuration(range.lowerBound)) and "
                    + "\(formatDuration(range.upperBound)), found \(value.summary)")
        }
        return milliseconds
    }

    /// A percentage string (`"150%"`, `"0.5%"`) as the exact fraction (1.5, 0.005).
    public func percentage(allowNegative: Bool = false) throws(WorldError) -> ExactDecimal {
        try unitString("a percentage like \"150%\"") {
            UnitFormats.percentage($0, allowNegative: allowNegative)
        }
    }

    /// A whole percentage within `range` (`"15%"` is 15): raise steps, multiples, `mat`.
    public func wholePercent(in range: ClosedRange<UInt64>) throws(WorldError) -> UInt64 {
        let percent = try percentage()
        guard let value = try? percent.shifted(by: 2).baseUnits(scale: 0),
            value >= UInt128(range.lowerBound), value <= UInt128(range.upperBound)
        else {
            throw error("a whole percentage from \(range.lowerBound)% to \(range.upperBound)%")
        }
        return UInt64(value)
    }

    /// A ratio: a percentage string (`"13%"`) or a plain number (`0.13`), as the exact
    /// fraction. Only for keys documented as ratios.
    public func ratio(allowNegative: Bool = false) throws(WorldError) -> ExactDecimal {
        if case .number = value.content {
            let fraction = try decimal()
            if fraction.isNegative && !allowNegative {
                throw error("must not be negative, found \(fraction)")
            }
            return fraction
        }
        guard case .string = value.content else {
            throw mismatch("a ratio like 0.13 or \"13%\"")
        }
        return try percentage(allowNegative: allowNegative)
    }

    /// A percentage or ratio in whole basis points (`"0.5%"` is 50); fails on fractions
    /// of a basis point.
    public func basisPoints() throws(WorldError) -> Int {
        let fraction = try ratio()
        guard let points = try? fraction.baseUnits(scale: 4), points <= UInt128(Int.max) else {
            throw error("must be a whole number of basis points (0.01%), found \(value.summary)")
        }
        return Int(points)
    }

    /// An amount of ether (`"200 gwei"`, `"1.5 gwei"`, `"12 wei"`, `"0.1 ether"`) in wei.
    public func wei() throws(WorldError) -> UInt128 {
        try unitString("an amount like \"200 gwei\"", UnitFormats.wei)
    }

    private func unitString<T>(
        _ expected: String, _ parse: (String) -> Result<T, UnitFormatError>
    ) throws(WorldError) -> T {
        guard case .string(let text) = value.content else { throw mismatch(expected) }
        switch parse(text) {
        case .success(let result): return result
        case .failure(let failure): throw error(failure.message)
        }
    }

    // MARK: - Containers

    /// The value as an object, to read its keys.
    public func object() throws(WorldError) -> JSONObjectReader {
        guard case .object(let members) = value.content else { throw mismatch("an object") }
        return JSONObjectReader(reader: self, members: members)
    }

    /// The elements of an array, each with its own path (`agents[3]`), optionally with a
    /// count in `count`.
    public func array(count: ClosedRange<Int>? = nil) throws(WorldError) -> [JSONReader] {
        guard case .array(let elements) = value.content else { throw mismatch("an array") }
        if let count, !count.contains(elements.count) {
            let wanted =
                count.lowerBound == count.upperBound
                ? "exactly \(count.lowerBound)"
                : count.upperBound == Int.max
                    ? "at least \(count.lowerBound)"
                    : "between \(count.lowerBound) and \(count.upperBound)"
            throw error("must have \(wanted) elements, found \(elements.count)")
        }
        return elements.enumerated().map { offset, element in
            JSONReader(value: element, path: path.appending(index: offset), context: context)
        }
    }

    /// Reads every element of an array with `read`.
    public func array<T>(
        count: ClosedRange<Int>? = nil, _ read: (JSONReader) throws(WorldError) -> T
    ) throws(WorldError) -> [T] {
        var results: [T] = []
        for element in try array(count: count) { results.append(try read(element)) }
        return results
    }

    private func rangeText<T: FixedWidthInteger>(_ range: ClosedRange<T>) -> String {
        if range.lowerBound == T.min && range.upperBound == T.max {
            return "must be an integer from \(T.min) to \(T.max)"
        }
        if range.upperBound == T.max { return "must be at least \(range.lowerBound)" }
        // An unsigned range from 0 says its floor too: "at most" would read oddly of -5.
        if range.lowerBound == T.min && T.isSigned {
            return "must be at most \(range.upperBound)"
        }
        return "must be between \(range.lowerBound) and \(range.upperBound)"
    }

    /// Milliseconds written in the largest unit that divides them (`"6h"`, `"1500ms"`).
    private func formatDuration(_ milliseconds: Int64) -> String {
        for (unit, size) in UnitFormats.durationUnits.reversed()
        where milliseconds % Int64(size) == 0 {
            return "\"\(milliseconds / Int64(size))\(unit)\""
        }
        return "\"\(milliseconds)ms\""
    }
}

/// What readers share about the document they read: its name for messages and the folder
/// that relative data-file paths start from. Data files read through it are recorded, in
/// order, so the world digest can cover them.
public final class ReadingContext {
    /// The file as the user named it (`worlds/x.json`); empty for text without a file.
    public let displayName: String
    /// The folder of the file as named (`worlds`), or empty for the current folder.
    public let folder: String
    /// Data files read so far, in the order they were read.
    public private(set) var dataFiles: [DataFile] = []

    /// Creates a context for a document named `displayName`; `folder` defaults to the
    /// folder part of the name.
    public init(displayName: String, folder: String? = nil) {
        self.displayName = displayName
        self.folder = folder ?? ReadingContext.folder(of: displayName)
    }

    /// The folder part of a path (`worlds` for `worlds/x.json`, empty for `x.json`).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    func record(_ file: DataFile) {
        dataFiles.append(file)
    }
}
