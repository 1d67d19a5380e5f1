import CascadeCore

extension MakerSystem {
    /// A collateral type (dss's `ilk`, a `bytes32` such as `"ETH-A"`), by dense index.
    ///
    /// Ids are handed out by `addIlk` in registration order; the name is kept in the ilk.
    public struct IlkID: RawRepresentable, Hashable, Comparable, Sendable,
        CustomStringConvertible
    {
        public let rawValue: UInt16

        public init(rawValue: UInt16) {
            self.rawValue = rawValue
        }

        public static func < (lhs: IlkID, rhs: IlkID) -> Bool {
            lhs.rawValue < rhs.rawValue
        }

        public var description: String { "ilk#\(rawValue)" }
    }

    /// An auction's id, unique across every Flipper and Clipper of the system.
    ///
    /// dss numbers auctions per auction house (`kicks`); here one counter serves every
    /// house, so a trace's `auction` field names an auction without its ilk. Ids start at 1.
    public struct AuctionID: RawRepresentable, Hashable, Comparable, Sendable,
        CustomStringConvertible
    {
        public let rawValue: UInt64

        public init(rawValue: UInt64) {
            self.rawValue = rawValue
        }

        public init(_ rawValue: UInt64) {
            self.rawValue = rawValue
        }

        public static func < (lhs: AuctionID, rhs: AuctionID) -> Bool {
            lhs.rawValue < rhs.rawValue
        }

        public var description: String { String(rawValue) }
    }

    /// A signed change of an amount, as dss's `int256` arguments (`dink`, `dart`).
    public struct Delta: Hashable, Sendable, CustomStringConvertible {
        /// The absolute value, in the unit of the amount it changes.
        public var magnitude: UInt256
        /// Whether the change lowers the amount. A zero magnitude is never negative.
        public var isNegative: Bool

        public init(magnitude: UInt256, isNegative: Bool) {
            self.magnitude = magnitude
            self.isNegative = isNegative && magnitude != .zero
        }

        /// An increase by `amount`.
        public static func plus(_ amount: UInt256) -> Delta {
            Delta(magnitude: amount, isNegative: false)
        }

        /// A decrease by `amount`.
        public static func minus(_ amount: UInt256) -> Delta {
            Delta(magnitude: amount, isNegative: true)
        }

        public static let zero = Delta(magnitude: .zero, isNegative: false)

        /// `≤ 0` in dss's `either(dart <= 0, ...)`.
        public var isNonPositive: Bool { isNegative || magnitude == .zero }
        /// `≥ 0`.
        public var isNonNegative: Bool { !isNegative }

        public var description: String { (isNegative ? "-" : "") + magnitude.description }

        /// `value + self`, reverting on overflow or if the result would be negative.
        func applied(to value: UInt256) throws(Revert) -> UInt256 {
            isNegative ? try subChecked(value, magnitude) : try addChecked(value, magnitude)
        }

        /// `self · factor` (dss `mul(uint, int)`), keeping the sign.
        func scaled(by factor: UInt256) throws(Revert) -> Delta {
            Delta(magnitude: try mulChecked(magnitude, factor), isNegative: isNegative)
        }
    }

    /// One vault (dss's `urn`): locked collateral and normalised debt.
    public struct Urn: Hashable, Sendable {
        /// Locked collateral, WAD.
        public internal(set) var ink: UInt256 = .zero
        /// Normalised debt, WAD: the vault owes `art · rate` RAD of DAI.
        public internal(set) var art: UInt256 = .zero

        public init(ink: UInt256 = .zero, art: UInt256 = .zero) {
            self.ink = ink
            self.art = art
        }
    }

    /// An (ilk, owner) pair: the key of vaults and of free collateral balances.
    struct IlkAccount: Hashable, Sendable {
        var ilk: IlkID
        var owner: Address
    }
}
