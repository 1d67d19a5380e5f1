import CascadeCore

/// One lending liquidation in the fields of INTERFACE.md's `liquidation_call` trace record,
/// shared by every lending protocol so a trace reads the same for Aave and Compound.
///
/// Units differ between protocols where the protocols themselves differ, and each is what
/// the protocol's own formula takes, so the arithmetic can be recomputed from the trace:
///
/// | field | Aave | Compound v2 |
/// |---|---|---|
/// | `debtToCover`, `debtRepaid` | debt asset, base units | borrowed underlying, base units |
/// | `collateralSeized`, `protocolFee` | collateral underlying, base units | cTokens |
/// | `healthFactor` | WAD (liquidatable below 1e18) | WAD, Σ collateral·factor / Σ borrows |
/// | `closeFactor` | WAD, the share of debt the rule allowed | WAD, `closeFactorMantissa` |
/// | `bonus` | WAD, liquidation bonus (1.05e18 = +5%) | WAD, liquidation incentive |
/// | `debtPrice`, `collateralPrice` | base currency, 8 decimals | underlying price mantissa |
///
/// `collateralSeized` is everything taken from the borrower, protocol share included;
/// `protocolFee` is the part of it that went to the protocol (Aave's treasury, Compound's
/// reserves), so the liquidator received `collateralSeized − protocolFee`.
public struct LiquidationCall: Hashable, Sendable {
    /// `aave-v2`, `aave-v3`, `aave-v3.3` or `compound-v2`.
    public var protocolName: String
    public var borrower: Address
    public var liquidator: Address
    /// The reserve (Aave) or market (Compound) index of the debt repaid.
    public var debtAsset: Int
    /// The reserve or market index of the collateral seized.
    public var collateralAsset: Int
    /// What the liquidator asked to repay.
    public var debtToCover: UInt256
    public var healthFactor: UInt256
    public var closeFactor: UInt256
    public var debtRepaid: UInt256
    public var collateralSeized: UInt256
    public var bonus: UInt256
    public var protocolFee: UInt256
    public var debtPrice: UInt256
    public var collateralPrice: UInt256

    public init(
        protocolName: String, borrower: Address, liquidator: Address, debtAsset: Int,
        collateralAsset: Int, debtToCover: UInt256, healthFactor: UInt256, closeFactor: UInt256,
        debtRepaid: UInt256, collateralSeized: UInt256, bonus: UInt256, protocolFee: UInt256,
        debtPrice: UInt256, collateralPrice: UInt256
    ) {
        self.protocolName = protocolName
        self.borrower = borrower
        self.liquidator = liquidator
        self.debtAsset = debtAsset
        self.collateralAsset = collateralAsset
        self.debtToCover = debtToCover
        self.healthFactor = healthFactor
        self.closeFactor = closeFactor
        self.debtRepaid = debtRepaid
        self.collateralSeized = collateralSeized
        self.bonus = bonus
        self.protocolFee = protocolFee
        self.debtPrice = debtPrice
        self.collateralPrice = collateralPrice
    }

    /// The trace's fields in INTERFACE.md's order, values as exact decimal integers, with
    /// assets named by `assetName` (a token symbol, say).
    public func traceFields(assetName: (Int) -> String) -> [(name: String, value: String)] {
        [
            ("protocol", protocolName), ("borrower", borrower.description),
            ("liquidator", liquidator.description), ("debt_asset", assetName(debtAsset)),
            ("collateral_asset", assetName(collateralAsset)),
            ("debt_to_cover", debtToCover.description),
            ("health_factor", healthFactor.description), ("close_factor", closeFactor.description),
            ("debt_repaid", debtRepaid.description),
            ("collateral_seized", collateralSeized.description), ("bonus", bonus.description),
            ("protocol_fee", protocolFee.description), ("debt_price", debtPrice.description),
            ("collateral_price", collateralPrice.description),
        ]
    }
}
