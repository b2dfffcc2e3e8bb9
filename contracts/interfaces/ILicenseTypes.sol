// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Licence terms of a model. Each change creates a new version; a sold licence keeps the version it
/// was bought under, so later changes never alter it.
/// @dev Packed into two storage slots: what a purchase reads fits the first. Amounts are in units of the
/// payment token. Every field is bounded (ILicenseManager's MAX_* constants), so no value a registrant chooses
/// can make a purchase, a deposit or a settlement revert.
struct Terms {
    // Price of one licence.
    uint128 price;
    // Seconds a licence stays valid after purchase.
    uint32 duration;
    // Share of this model's own revenue that goes to its training datasets' contributors (basis points).
    uint16 contributorsBps;
    // Share of every payment made to a model derived from this one that this model receives (basis points).
    uint16 derivativeRevShareBps;
    // Bit set of permissions (see ILicenseManager: COMMERCIAL, DERIVATIVES, DISTILLATION, ...).
    uint8 permissions;
    // Models one licence may derive (each parent edge registered with it counts once).
    uint16 maxDerivatives;
    // Fee for each call beyond `includedCalls`, settled from the licence's usage credit.
    uint128 feePerCall;
    // Calls included in the price.
    uint64 includedCalls;
}

/// @notice How a model was derived from a parent model.
enum EdgeType {
    FINE_TUNE,
    DISTILL,
    TRAIN_ON_OUTPUTS,
    MERGE,
    QUANTIZE
}
