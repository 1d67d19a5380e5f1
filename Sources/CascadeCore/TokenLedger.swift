/// A token on the simulated chain, by dense index into the ledger.
public struct TokenID: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static func < (lhs: TokenID, rhs: TokenID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// ERC-20 balances of every token, in base units (wei of an 18-decimal token).
///
/// Balances are `UInt128`: 2^128 ≈ 3.4e38 base units is 3.4e20 whole tokens of 18 decimals,
/// far above any real supply, and every operation traps on overflow as Solidity 0.8 reverts.
/// Storage is dense (`[token][address]`), so nothing depends on hash order and a copy for a
/// transaction's rollback shares storage until written (copy-on-write).
///
/// Invariant, checked by `checkInvariants()`: for every token, `totalSupply` equals the sum
/// of all balances.
///
/// Complexity: balance, transfer, mint and burn are O(1) amortised; `checkInvariants()` is
/// O(tokens × addresses).
///
/// The balance operations are `@inlinable`: every transaction the chain executes pays its
/// gas through five of them, and as opaque calls into this module (each `balance` also
/// copying its row, a retain and a release) they were 8% of the chain benchmark.
public struct TokenLedger: Hashable, Sendable {
    public private(set) var symbols: [String] = []
    @usableFromInline var balances: [[UInt128]] = []
    @usableFromInline var supplies: [UInt128] = []

    public init() {}

    /// Registers a token and returns its id; ids are handed out in registration order.
    public mutating func addToken(symbol: String) -> TokenID {
        precondition(symbols.count < Int(UInt16.max), "too many tokens")
        symbols.append(symbol)
        balances.append([])
        supplies.append(0)
        return TokenID(rawValue: UInt16(symbols.count - 1))
    }

    public var tokenCount: Int { symbols.count }

    public func symbol(of token: TokenID) -> String {
        symbols[Int(token.rawValue)]
    }

    @inlinable
    public func totalSupply(of token: TokenID) -> UInt128 {
        supplies[Int(token.rawValue)]
    }

    @inlinable
    public func balance(of token: TokenID, _ owner: Address) -> UInt128 {
        // Indexed in place: binding the row to a local copied it (a retain and a release).
        let tokenIndex = Int(token.rawValue)
        let index = Int(owner.rawValue)
        return index < balances[tokenIndex].count ? balances[tokenIndex][index] : 0
    }

    /// Creates `amount` new units for `owner`.
    @inlinable
    public mutating func mint(_ token: TokenID, to owner: Address, amount: UInt128) {
        supplies[Int(token.rawValue)] += amount
        credit(token, owner, amount)
    }

    /// Creates `first` new units for `firstOwner` and `second` for `secondOwner`: the same
    /// as two `mint`s, with one access to the token's row (the chain refunds a
    /// transaction's unused gas and pays its tip this way; two mints were two uniqueness
    /// checks of the ledger and two of the row more, every transaction).
    @inlinable
    public mutating func mint(
        _ token: TokenID, _ first: UInt128, to firstOwner: Address, _ second: UInt128,
        to secondOwner: Address
    ) {
        let tokenIndex = Int(token.rawValue)
        supplies[tokenIndex] += first
        supplies[tokenIndex] += second
        let firstIndex = Int(firstOwner.rawValue)
        let secondIndex = Int(secondOwner.rawValue)
        let needed = Swift.max(firstIndex, secondIndex) + 1
        if needed > balances[tokenIndex].count {
            balances[tokenIndex].append(
                contentsOf: repeatElement(0, count: needed - balances[tokenIndex].count))
        }
        balances[tokenIndex].withUnsafeMutableBufferPointer { row in
            row[firstIndex] += first
            row[secondIndex] += second
        }
    }

    /// Destroys `amount` of `owner`'s units; reverts if the balance is short.
    @inlinable
    public mutating func burn(_ token: TokenID, from owner: Address, amount: UInt128) throws(Revert)
    {
        try debit(token, owner, amount)
        supplies[Int(token.rawValue)] -= amount
    }

    /// Moves `amount` from `source` to `destination`; reverts, changing nothing, if short.
    ///
    /// Both balances are written through one access to the token's row: a debit and a
    /// credit were two uniqueness checks of the ledger and two of the row, every transfer.
    @inlinable @inline(__always)
    public mutating func transfer(
        _ token: TokenID, from source: Address, to destination: Address, amount: UInt128
    ) throws(Revert) {
        let held = balance(of: token, source)
        guard held >= amount else {
            throw Revert("\(symbol(of: token))/insufficient-balance")
        }
        let tokenIndex = Int(token.rawValue)
        let sourceIndex = Int(source.rawValue)
        let destinationIndex = Int(destination.rawValue)
        if destinationIndex >= balances[tokenIndex].count {
            balances[tokenIndex].append(
                contentsOf: repeatElement(
                    0, count: destinationIndex + 1 - balances[tokenIndex].count))
        }
        balances[tokenIndex].withUnsafeMutableBufferPointer { row in
            // A debit of 0 writes nothing (the source may lie past the row's end); any
            // other amount is held, so the source is in the row.
            if amount > 0 {
                row[sourceIndex] = held - amount
            }
            row[destinationIndex] += amount
        }
    }

    /// Verifies that every token's supply equals the sum of its balances.
    public func checkInvariants() throws(InvariantViolation) {
        for index in supplies.indices {
            var sum: UInt128 = 0
            for balance in balances[index] {
                let (next, overflow) = sum.addingReportingOverflow(balance)
                guard !overflow else {
                    throw InvariantViolation("\(symbols[index]): balances overflow")
                }
                sum = next
            }
            guard sum == supplies[index] else {
                throw InvariantViolation(
                    "\(symbols[index]): supply \(supplies[index]) != sum of balances \(sum)")
            }
        }
    }

    /// Two ledgers are equal when they hold the same tokens with the same supplies and
    /// every address has the same balance. Storage rows grow to the highest address ever
    /// credited, so a row's trailing zeros are representation, not state: a transaction
    /// that credited a new address and was rolled back leaves a longer row of zeros, and
    /// the ledger still equals the one before.
    public static func == (lhs: TokenLedger, rhs: TokenLedger) -> Bool {
        guard lhs.symbols == rhs.symbols, lhs.supplies == rhs.supplies else { return false }
        for (left, right) in zip(lhs.balances, rhs.balances) {
            let shared = Swift.min(left.count, right.count)
            guard left[..<shared] == right[..<shared],
                left[shared...].allSatisfy({ $0 == 0 }),
                right[shared...].allSatisfy({ $0 == 0 })
            else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(symbols)
        hasher.combine(supplies)
        for row in balances {
            let used = (row.lastIndex { $0 != 0 } ?? -1) + 1
            hasher.combine(used)
            for balance in row[..<used] { hasher.combine(balance) }
        }
    }

    @inlinable
    mutating func credit(_ token: TokenID, _ owner: Address, _ amount: UInt128) {
        let index = Int(owner.rawValue)
        let tokenIndex = Int(token.rawValue)
        if index >= balances[tokenIndex].count {
            balances[tokenIndex].append(
                contentsOf: repeatElement(0, count: index + 1 - balances[tokenIndex].count))
        }
        balances[tokenIndex][index] += amount
    }

    @inlinable
    mutating func debit(_ token: TokenID, _ owner: Address, _ amount: UInt128)
        throws(Revert)
    {
        let held = balance(of: token, owner)
        guard held >= amount else {
            throw Revert("\(symbol(of: token))/insufficient-balance")
        }
        if amount > 0 {
            balances[Int(token.rawValue)][Int(owner.rawValue)] = held - amount
        }
    }
}
