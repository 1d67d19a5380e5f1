/// An amount of wei, or a price in wei per unit of gas.
///
/// `UInt128`, the same width as `TokenLedger` balances, so fees move through the ledger with
/// no conversion. Why not `UInt64`: a price fits (2^64 wei is 18 ETH per gas), but a fee does
/// not — 30M gas × 1,000 gwei is 3e19 wei, above 2^64 ≈ 1.8e19. And the EIP-1559 update
/// multiplies a base fee by a gas difference before dividing, which must not wrap either.
/// 2^128 wei is 3.4e20 ETH: every product of a price and a gas amount in a real chain fits.
public typealias Wei = UInt128

/// An amount of gas. Block limits are tens of millions; `UInt64` leaves no doubt.
public typealias Gas = UInt64

/// Unit helpers for readable constants in code and tests (`Wei.gwei(195)`).
extension UInt128 {
    /// 10^9 wei.
    public static let weiPerGwei: UInt128 = 1_000_000_000
    /// 10^18 wei.
    public static let weiPerEther: UInt128 = 1_000_000_000_000_000_000

    /// `amount` gwei in wei.
    public static func gwei(_ amount: UInt64) -> UInt128 {
        UInt128(amount) * weiPerGwei
    }
}

/// The gas every transaction pays before its first call (`params.TxGas` in go-ethereum).
public let intrinsicGasPerTransaction: Gas = 21_000
