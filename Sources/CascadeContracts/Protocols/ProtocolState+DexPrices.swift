import CascadeCore

/// An Aave reserve whose price the pool reads from a Uniswap v2 pair instead of a feed:
/// the pair's spot price (reserves, as the protocols that were drained by one-transaction
/// manipulation read it) or a TWAP oracle's last average over the pair.
///
/// The price is in the pool's base currency with 8 decimals: the pair's price of one whole
/// asset in the quote token, times `quotePrice` (the quote's own price, 8 decimals — $1 for
/// a stablecoin), so `price = quote per asset × quotePrice`. It is read at the start of
/// every call on the pool (`performAave`), so a swap earlier in the same transaction moves
/// a spot-priced reserve and leaves a TWAP-priced one where its last update put it.
public struct DexPriceFeed: Hashable, Sendable {
    public enum Source: Hashable, Sendable {
        /// `reserveQuote / reserveAsset`, now.
        case spot
        /// `consult` of TWAP oracle `index` (`ProtocolState.twaps`) over the same pair.
        case twap(Int)
    }

    /// The Aave pool (`ProtocolState.aavePools`) and its reserve.
    public let pool: Int
    public let asset: Int
    /// The pair (`ProtocolState.pairs`) holding the asset's token and `quote`.
    public let pair: Int
    public let quote: TokenID
    /// `10^decimals` of the quote token.
    public let quoteUnit: UInt256
    /// The quote token's price, base currency, 8 decimals.
    public let quotePrice: UInt256
    public let source: Source

    public init(
        pool: Int, asset: Int, pair: Int, quote: TokenID, quoteUnit: UInt256,
        quotePrice: UInt256, source: Source
    ) {
        self.pool = pool
        self.asset = asset
        self.pair = pair
        self.quote = quote
        self.quoteUnit = quoteUnit
        self.quotePrice = quotePrice
        self.source = source
    }
}

extension ProtocolState {
    /// Prices reserve `feed.asset` of pool `feed.pool` from its pair from now on. The pair
    /// must hold the reserve's token and the quote; a TWAP source must read that pair.
    public mutating func addDexPriceFeed(_ feed: DexPriceFeed) {
        precondition(aavePools.indices.contains(feed.pool), "unknown pool")
        precondition(aavePools[feed.pool].reserves.indices.contains(feed.asset), "unknown asset")
        precondition(pairs.indices.contains(feed.pair), "unknown pair")
        let pair = pairs[feed.pair]
        let token = aavePools[feed.pool].reserves[feed.asset].configuration.token
        precondition(
            (pair.token0 == token && pair.token1 == feed.quote)
                || (pair.token1 == token && pair.token0 == feed.quote),
            "the pair must hold the asset and the quote")
        precondition(!feed.quoteUnit.isZero && !feed.quotePrice.isZero, "a quote unit and price")
        if case .twap(let twap) = feed.source {
            precondition(
                twaps.indices.contains(twap) && twapPairs[twap] == feed.pair,
                "the TWAP must read the feed's pair")
        }
        dexPriceFeeds.removeAll { $0.pool == feed.pool && $0.asset == feed.asset }
        dexPriceFeeds.append(feed)
    }

    /// What `feed` reads now, base currency with 8 decimals. Reverts `INVALID_PRICE` when
    /// it is zero (an empty pair, a TWAP with no average yet) or not below 2^96.
    public func dexPrice(_ feed: DexPriceFeed) throws(Revert) -> UInt256 {
        let reserve = aavePools[feed.pool].reserves[feed.asset]
        let token = reserve.configuration.token
        let assetUnit = UInt256.powerOfTen(reserve.configuration.decimals)
        let quotePerAsset: UInt256
        switch feed.source {
        case .spot:
            let pair = pairs[feed.pair]
            let (assetReserve, quoteReserve) =
                pair.token0 == token
                ? (pair.reserve0, pair.reserve1) : (pair.reserve1, pair.reserve0)
            guard !assetReserve.isZero else { throw Revert("INVALID_PRICE") }
            quotePerAsset = UInt256.mulDiv(quoteReserve, assetUnit, assetReserve)
        case .twap(let index):
            quotePerAsset = try twaps[index].consult(token: token, amountIn: assetUnit)
        }
        let price = UInt256.mulDiv(quotePerAsset, feed.quotePrice, feed.quoteUnit)
        guard !price.isZero && price < AavePool.priceLimit else { throw Revert("INVALID_PRICE") }
        return price
    }

    /// Sets every pair-priced reserve of pool `index` to what its feed reads now; writes
    /// nothing unless every feed can be read.
    mutating func refreshDexPrices(pool index: Int) throws(Revert) {
        var prices: [(asset: Int, price: UInt256)] = []
        for feed in dexPriceFeeds where feed.pool == index {
            prices.append((feed.asset, try dexPrice(feed)))
        }
        for (asset, price) in prices { aavePools[index].reserves[asset].price = price }
    }
}
