// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRoyaltyRouter
/// @notice Splits every payment made for a model exactly (credits sum to the payment to the wei) and holds
/// the credits until their owners pull them.
/// @dev For a payment P to model M: the protocol fee (at most MAX_PROTOCOL_FEE_BPS of P) goes to the treasury;
/// every ancestor in M's royalty stack takes its `revShareBps` of P, split in turn by that ancestor's own
/// `contributorsBps` between its training datasets' pools and its owner; of the remainder, M's
/// `contributorsBps` goes to M's datasets' pools by dataset weight and the rest, with all rounding dust, to
/// M's owner. Owners' shares accrue to the model itself (as a royalty vault per asset) and are withdrawn by
/// whoever owns the model when withdrawing; dataset pools are credited to the reward distributor, which pays
/// contributors from Merkle roots; protocol fees to the treasury. Credits are pulled, never pushed, so a
/// reverting recipient blocks nobody.
/// A model's royalty stack and dataset pools are recorded here once, when the asset registry registers the
/// model, so that a payment reads only this contract's storage (and the model's owner).
interface IRoyaltyRouter {
    /// @notice One ancestor in a model's royalty stack (or a direct parent handed over at registration).
    struct Ancestor {
        uint64 modelId;
        uint16 revShareBps;
    }

    /// @notice One training dataset's contributor pool and its share of the model's contributor revenue.
    struct Pool {
        uint64 datasetId;
        uint16 weightBps;
    }

    /// @notice `ancestorId` was placed in the royalty stack of `modelId`.
    event RoyaltyStackEntryAdded(uint256 indexed modelId, uint256 indexed ancestorId, uint16 revShareBps);
    /// @notice A payment `amount` for `modelId` was split; `ownerAmount` accrued to the model's revenue.
    event PaymentSplit(uint256 indexed modelId, uint256 amount, uint256 protocolFee, uint256 ownerAmount);
    /// @notice `ancestorId` earned `amount` (before its own contributor split) from a payment for `modelId`.
    event AncestorRoyaltyCredited(uint256 indexed modelId, uint256 indexed ancestorId, uint256 amount);
    /// @notice The contributor pool of `datasetId` earned `amount` from a payment for `modelId`.
    event DatasetPoolCredited(uint256 indexed datasetId, uint256 indexed modelId, uint256 amount);
    /// @notice `account` withdrew `amount` to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    /// @notice The owner of `modelId` withdrew the model's revenue `amount` to `to`.
    event ModelRevenueWithdrawn(
        uint256 indexed modelId,
        address indexed owner,
        address indexed to,
        uint256 amount
    );
    /// @notice The protocol fee changed.
    event ProtocolFeeSet(uint256 feeBps);
    /// @notice The treasury changed.
    event TreasurySet(address treasury);

    /// @notice `caller` may not do this.
    error RoyaltyRouterUnauthorized(address caller);
    /// @notice The fee exceeds MAX_PROTOCOL_FEE_BPS.
    error RoyaltyRouterFeeTooHigh(uint256 feeBps, uint256 maxBps);
    /// @notice A zero address where one is required.
    error RoyaltyRouterZeroAddress();
    /// @notice The royalty stack would hold more than MAX_ANCESTORS models.
    error RoyaltyRouterTooManyAncestors(uint256 count, uint256 max);
    /// @notice The royalty stack would take more than MAX_STACK_BPS of every payment.
    error RoyaltyRouterStackTooExpensive(uint256 totalBps, uint256 maxBps);
    /// @notice `account` has nothing to withdraw.
    error RoyaltyRouterNothingToWithdraw(address account);
    /// @notice `modelId` has no revenue to withdraw.
    error RoyaltyRouterNoModelRevenue(uint256 modelId);

    /// @notice Cap on the protocol fee (basis points).
    function MAX_PROTOCOL_FEE_BPS() external view returns (uint256);
    /// @notice Most ancestors in a royalty stack (direct parents and everything above them).
    function MAX_ANCESTORS() external view returns (uint256);
    /// @notice Cap on the sum of a royalty stack's shares (basis points of every payment).
    function MAX_STACK_BPS() external view returns (uint256);

    /// @notice Records a new model's split: its royalty stack is the set of its direct `parents` and every
    /// model in their stacks, each once at the highest share any path gives it, sorted by model id; so the
    /// order of the parents, or listing an ancestor directly under an older, cheaper licence, changes
    /// nothing. `pools` are its training datasets by weight. Only the asset registry, when it registers the
    /// model.
    function registerSplit(uint256 modelId, Ancestor[] calldata parents, Pool[] calldata pools) external;

    /// @notice Splits `amount`, already transferred to this contract, among `modelId`'s payees.
    /// Only the licence manager.
    /// @param contributorsBps The model's contributor share under the terms the payment was made under.
    function distribute(uint256 modelId, uint256 amount, uint256 contributorsBps) external;

    /// @notice Sends the caller's whole credit (treasury, reward distributor) to `to`.
    function withdraw(address to) external returns (uint256 amount);

    /// @notice Sends a model's whole revenue to `to`. Only the model's current owner.
    function withdrawModelRevenue(uint256 modelId, address to) external returns (uint256 amount);

    /// @notice Sets the protocol fee. Only the DAO's timelock.
    function setProtocolFee(uint256 feeBps) external;

    /// @notice Sets the treasury that receives protocol fees. Only the DAO's timelock.
    function setTreasury(address treasury) external;

    /// @notice Royalty stack of a model, fixed at registration.
    function royaltyStackOf(uint256 modelId) external view returns (Ancestor[] memory);

    /// @notice Dataset pools of a model and their weights, fixed at registration.
    function poolsOf(uint256 modelId) external view returns (Pool[] memory);

    /// @notice Credit of `account` waiting to be withdrawn.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Revenue of `modelId` waiting to be withdrawn by its owner.
    function modelBalanceOf(uint256 modelId) external view returns (uint256);

    /// @notice Current protocol fee (basis points).
    function protocolFeeBps() external view returns (uint256);

    /// @notice Current treasury.
    function treasury() external view returns (address);
}
