/// An array stored in fixed-size chunks, each copied on write on its own.
///
/// Why: agents keep the state of the block they last saw (a `BlockReport`) while the
/// builder writes the next block. With one flat array, the first write after such a
/// snapshot copies the whole table — every vault, every auction — even to change one
/// entry; on Black Thursday those copies were about 5% of a run's instructions (230 M,
/// callgrind; docs/performance.md). Here the first write
/// copies the outer list of chunk references (count/64 pointers) and the one chunk
/// written (64 elements); the other chunks stay shared with the snapshot.
///
/// Semantics are those of `Array`: a value type, equal when the elements are equal in
/// order, iteration by index. Reading and writing are O(1); `append` is amortised O(1).
@frozen
public struct ChunkedArray<Element> {
    @inlinable @inline(__always) static var shift: Int { 6 }
    @inlinable @inline(__always) static var chunkSize: Int { 64 }
    @inlinable @inline(__always) static var mask: Int { 63 }

    @usableFromInline var chunks: [ContiguousArray<Element>] = []
    @usableFromInline var storedCount = 0
    @inlinable public var count: Int { storedCount }

    @inlinable
    public init() {}

    /// An array of `count` copies of `element`.
    @inlinable
    public init(repeating element: Element, count: Int) {
        append(contentsOf: repeatElement(element, count: count))
    }

    @inlinable
    public var isEmpty: Bool { count == 0 }

    @inlinable
    public var indices: Range<Int> { 0..<count }

    /// Out of range traps, as `Array`'s does: a negative index or one past the last chunk
    /// fails the outer bounds check, one past the end of the last chunk the inner one.
    @inlinable
    public subscript(index: Int) -> Element {
        @inline(__always) get {
            chunks[index &>> Self.shift][index & Self.mask]
        }
        @inline(__always) _modify {
            yield &chunks[index &>> Self.shift][index & Self.mask]
        }
    }

    @inlinable
    public mutating func append(_ element: Element) {
        if count & Self.mask == 0 {
            var chunk = ContiguousArray<Element>()
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        storedCount += 1
    }

    @inlinable
    public mutating func append<S: Sequence>(contentsOf elements: S) where S.Element == Element {
        for element in elements { append(element) }
    }

    /// Removes the last `k` elements (`0 ≤ k ≤ count`).
    @inlinable
    public mutating func removeLast(_ k: Int = 1) {
        precondition(k >= 0 && k <= count, "ChunkedArray can't remove more than it holds")
        storedCount -= k
        let keptChunks = (count + Self.mask) &>> Self.shift
        chunks.removeLast(chunks.count - keptChunks)
        let tail = count & Self.mask
        if tail != 0 {
            let last = chunks.count - 1
            chunks[last].removeLast(chunks[last].count - tail)
        }
    }
}

extension ChunkedArray: RandomAccessCollection {
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable public func index(after i: Int) -> Int { i + 1 }
    @inlinable public func index(before i: Int) -> Int { i - 1 }
}

extension ChunkedArray: Equatable where Element: Equatable {
    @inlinable
    public static func == (lhs: ChunkedArray, rhs: ChunkedArray) -> Bool {
        lhs.count == rhs.count && lhs.chunks == rhs.chunks
    }
}

extension ChunkedArray: Hashable where Element: Hashable {
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}

extension ChunkedArray: ExpressibleByArrayLiteral {
    @inlinable
    public init(arrayLiteral elements: Element...) {
        self.init()
        append(contentsOf: elements)
    }
}
