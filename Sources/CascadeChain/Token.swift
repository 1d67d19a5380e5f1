import CascadeCore

/// The simplest contract: ERC-20 style tokens held in the ledger, to exercise the chain.
///
/// Every token in `ledger` (the native one included) can be transferred or burned by its
/// holder; only `minter` may mint. Reverts change nothing (validation before writing).
public struct Token: LedgerState, Hashable {
    public enum Call: GasMetered, Hashable, Sendable {
        case transfer(TokenID, to: Address, amount: UInt128)
        case mint(TokenID, to: Address, amount: UInt128)
        case burn(TokenID, amount: UInt128)
        /// Reverts with `reason`: a stand-in for any failing contract call in tests.
        case fail(reason: String)

        /// Net of the 21,000 intrinsic gas, near an ERC-20's cost on mainnet.
        public var gasCost: Gas {
            switch self {
            case .transfer: 30_000
            case .mint: 35_000
            case .burn: 25_000
            case .fail: 5_000
            }
        }
    }

    public enum Event: Hashable, Sendable {
        case transferred(TokenID, from: Address, to: Address, amount: UInt128)
        case minted(TokenID, to: Address, amount: UInt128)
        case burned(TokenID, from: Address, amount: UInt128)
    }

    public var ledger: TokenLedger
    public var minter: Address

    public init(ledger: TokenLedger, minter: Address) {
        self.ledger = ledger
        self.minter = minter
    }

    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .transfer(let token, let destination, let amount):
            try checkToken(token)
            try ledger.transfer(token, from: caller, to: destination, amount: amount)
            events.append(.transferred(token, from: caller, to: destination, amount: amount))
        case .mint(let token, let destination, let amount):
            try checkToken(token)
            guard caller == minter else { throw Revert("Token/not-minter") }
            guard UInt128.max - ledger.totalSupply(of: token) >= amount else {
                throw Revert("Token/supply-overflow")
            }
            ledger.mint(token, to: destination, amount: amount)
            events.append(.minted(token, to: destination, amount: amount))
        case .burn(let token, let amount):
            try checkToken(token)
            try ledger.burn(token, from: caller, amount: amount)
            events.append(.burned(token, from: caller, amount: amount))
        case .fail(let reason):
            throw Revert(reason)
        }
    }

    public func checkInvariants() throws(InvariantViolation) {
        try ledger.checkInvariants()
    }

    private func checkToken(_ token: TokenID) throws(Revert) {
        guard Int(token.rawValue) < ledger.tokenCount else { throw Revert("Token/unknown-token") }
    }
}
