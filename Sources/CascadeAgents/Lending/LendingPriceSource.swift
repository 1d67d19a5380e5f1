import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Adds a lending pool's assets to the prices a `ProtocolBlockRelay` hands its observer,
/// after the Maker collaterals, so `blocks.csv` gets `price_<ASSET>` and `oracle_<ASSET>`
/// for them and the race ledger finds their market prices.
///
/// Entry `firstSlot + i` is asset `i`: its `collateral` index and its `ilk` raw value are
/// both `firstSlot + i` (a slot, not a Maker ilk), `marketPrice` is the reference at the
/// block's time, and `oraclePrice`, `queuedOraclePrice` and `medianPrice` the pool's own
/// price as WAD (the price it liquidates at); `spot` is zero.
public struct LendingPriceSource: Sendable {
    public let reader: LendingPoolReader
    public let assets: [AssetID]
    public let firstSlot: Int

    public init(reader: LendingPoolReader, assets: [AssetID], firstSlot: Int) {
        self.reader = reader
        self.assets = assets
        self.firstSlot = firstSlot
    }

    func append(
        to prices: inout [CollateralBlockPrices], state: ProtocolState, market: MarketPath,
        time: SimTime
    ) {
        for (index, asset) in assets.enumerated() {
            let slot = firstSlot + index
            let oracle = reader.oraclePrice(index, state)
            prices.append(
                CollateralBlockPrices(
                    collateral: slot, ilk: MakerSystem.IlkID(rawValue: UInt16(slot)),
                    marketPrice: market.price(of: asset, at: time), oraclePrice: oracle,
                    queuedOraclePrice: oracle, medianPrice: oracle, spot: .zero))
        }
    }
}
