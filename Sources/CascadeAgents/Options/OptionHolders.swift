import CascadeContracts

/// The accounts of an options exchange that hold a position, in id order, kept from the
/// exchange's events: a trade names both accounts, a liquidation the account and its
/// liquidator, a settlement may empty any book (a rescan). Accounts without positions —
/// most of a world's once series settle — are never looked at. The liquidators' shared
/// index and the race ledger each keep one.
public struct OptionHolders: Sendable {
    /// Whether each account (by id) holds a position.
    private var holding: [Bool] = []
    /// The holders, ascending.
    public private(set) var ids: [OptionAccountID] = []

    public init() {}

    /// Every account of `books`, read once (seeding, and after a settlement).
    public mutating func rescan(_ books: OptionsExchange) {
        holding = (0..<books.accountCount).map {
            !books.account(OptionAccountID($0)).positions.isEmpty
        }
        ids = holding.indices.filter { holding[$0] }.map { OptionAccountID($0) }
    }

    /// Re-reads account `id` of `books`.
    public mutating func touch(_ id: OptionAccountID, _ books: OptionsExchange) {
        let slot = Int(id.rawValue)
        while holding.count < books.accountCount { holding.append(false) }
        let holds = !books.account(id).positions.isEmpty
        guard holding[slot] != holds else { return }
        holding[slot] = holds
        if holds {
            ids.insert(id, at: ids.firstIndex { $0 > id } ?? ids.count)
        } else {
            ids.removeAll { $0 == id }
        }
    }

    /// Applies a block's events of exchange `exchange` (its index in
    /// `ProtocolState.optionsExchanges`), `books` being its state after the block; true
    /// when the block had any event of the exchange (a price, a mark or a position may
    /// have changed).
    public mutating func apply(
        _ events: [ProtocolState.Event], exchange: Int, books: OptionsExchange
    ) -> Bool {
        var changed = false
        for event in events {
            guard case .options(let index, let optionsEvent) = event, index == exchange else {
                continue
            }
            changed = true
            switch optionsEvent {
            case .traded(_, let buyer, let seller, _, _, _):
                touch(buyer, books)
                touch(seller, books)
            case .liquidated(let liquidation):
                touch(liquidation.account, books)
                touch(liquidation.liquidator, books)
            case .settled:
                rescan(books)
            default:
                break
            }
        }
        return changed
    }
}
