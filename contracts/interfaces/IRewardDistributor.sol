// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRewardDistributor
/// @notice Pays data contributors from cumulative Merkle roots. A leaf is `(account, token, cumulativeAmount)`
/// hashed as OpenZeppelin's StandardMerkleTree does: `keccak256(bytes.concat(keccak256(abi.encode(account,
/// token, cumulativeAmount))))`, so OpenZeppelin's JS library merkle-tree builds and proves the same tree.
/// @dev The oracle submits one root per epoch with the IPFS CID of the full tree. A submitted root stays
/// pending for `rootDelay` seconds, during which the timelock or a guardian may revoke it; after that anyone
/// may accept it. Anyone may then claim for any account `cumulativeAmount - claimed`. The payment token is
/// paid from what this contract holds (contributor pools pulled from the royalty router); PROV is minted
/// within an emission allowance that accrues at the DAO-set rate. Nothing is ever paid beyond the funds held
/// or the allowance accrued.
interface IRewardDistributor {
    /// @notice A root was submitted and can be accepted at `acceptableAt`.
    event RootSubmitted(uint256 indexed epoch, bytes32 root, string treeCid, uint256 acceptableAt);
    /// @notice The pending root was revoked by `by`.
    event RootRevoked(uint256 indexed epoch, bytes32 root, address indexed by);
    /// @notice The pending root became the current root.
    event RootAccepted(uint256 indexed epoch, bytes32 root, string treeCid);
    /// @notice `amount` of `token` was paid to `account`.
    event Claimed(address indexed account, address indexed token, uint256 amount, uint256 cumulativeAmount);
    /// @notice Contributor pool revenue was pulled from the royalty router.
    event RevenuePulled(uint256 amount);
    /// @notice The PROV emission rate changed.
    event EmissionRateSet(uint256 tokensPerSecond);
    /// @notice The pending delay changed.
    event RootDelaySet(uint256 delaySeconds);

    /// @notice `caller` may not do this.
    error RewardDistributorUnauthorized(address caller);
    /// @notice There is no pending root (or it is not the one expected).
    error RewardDistributorNoPendingRoot();
    /// @notice The pending root cannot be accepted before `acceptableAt`.
    error RewardDistributorRootNotReady(uint256 acceptableAt);
    /// @notice Epochs must increase with every submitted root.
    error RewardDistributorStaleEpoch(uint256 epoch, uint256 lastEpoch);
    /// @notice A zero root or an empty or overlong tree CID.
    error RewardDistributorInvalidRoot();
    /// @notice The proof does not prove the leaf against the current root.
    error RewardDistributorInvalidProof();
    /// @notice The account already claimed everything its leaf grants.
    error RewardDistributorNothingToClaim(address account, address token);
    /// @notice The token is neither the payment token nor PROV.
    error RewardDistributorUnsupportedToken(address token);
    /// @notice Not enough funds held to pay the claim.
    error RewardDistributorInsufficientFunds(address token, uint256 needed, uint256 available);
    /// @notice Not enough PROV emission allowance accrued to pay the claim.
    error RewardDistributorEmissionExceeded(uint256 needed, uint256 available);
    /// @notice A parameter is above its bound.
    error RewardDistributorParameterTooHigh(uint256 value, uint256 max);

    /// @notice Role of the oracle that submits roots.
    function ORACLE_ROLE() external view returns (bytes32);
    /// @notice Role of guardians that may revoke a pending root besides the timelock.
    function GUARDIAN_ROLE() external view returns (bytes32);
    /// @notice Longest pending delay the DAO may set.
    function MAX_ROOT_DELAY() external view returns (uint256);
    /// @notice Highest PROV emission rate the DAO may set (tokens per second, 18 decimals).
    function MAX_EMISSION_RATE() external view returns (uint256);

    /// @notice Submits the root of `epoch`'s cumulative tree, replacing any pending root. Only the oracle.
    function submitRoot(uint256 epoch, bytes32 root, string calldata treeCid) external;

    /// @notice Revokes the pending root. Only the timelock or a guardian.
    function revokePendingRoot() external;

    /// @notice Makes the pending root current once its delay has passed. Anyone.
    function acceptRoot() external;

    /// @notice Pays `account` what its leaf grants beyond what it already claimed. Anyone may call.
    function claim(
        address account,
        address token,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount);

    /// @notice Pulls the contributor pools' credit from the royalty router. Anyone.
    function pullRevenue() external returns (uint256 amount);

    /// @notice Sets the PROV emission rate. Only the timelock.
    function setEmissionRate(uint256 tokensPerSecond) external;

    /// @notice Sets the pending delay for new roots. Only the timelock.
    function setRootDelay(uint256 delaySeconds) external;

    /// @notice The current root, its epoch and the CID of its tree.
    function currentRoot() external view returns (bytes32 root, uint256 epoch, string memory treeCid);

    /// @notice The pending root, its epoch, its tree CID and when it can be accepted (all zero when none).
    function pendingRoot()
        external
        view
        returns (bytes32 root, uint256 epoch, string memory treeCid, uint256 acceptableAt);

    /// @notice What `account` already claimed of `token`.
    function claimed(address account, address token) external view returns (uint256);

    /// @notice PROV that may be minted now (accrued allowance, within the token's cap).
    function emissionAvailable() external view returns (uint256);
}
