// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRewardDistributor
/// @notice Pays data contributors from cumulative Merkle roots. A leaf is `(account, token, cumulativeAmount)`
/// hashed as OpenZeppelin's StandardMerkleTree does: `keccak256(bytes.concat(keccak256(abi.encode(account,
/// token, cumulativeAmount))))`, so OpenZeppelin's JS library merkle-tree builds and proves the same tree.
/// @dev Root lifecycle: the oracle submits a root with the IPFS CID of the full tree and the tree's total in
/// the payment token. At most one root is pending at a time, each with its own unlock time (`rootDelay` after
/// its submission); a submission while the pending root is still locked is refused (the oracle's next tree is
/// cumulative, so it carries the skipped epochs), and a submission once it has unlocked first accepts it.
/// Until it is accepted, the timelock or a guardian may revoke the pending root; anyone may accept it once
/// unlocked. A delay shorter than the DAO's voting delay + voting period + timelock delay leaves revocation to
/// the guardians. Anyone may then claim for any account `cumulativeAmount - claimed`. The payment token is
/// paid from what this contract holds (contributor pools pulled from the royalty router); PROV is minted
/// within an emission allowance that accrues at the DAO-set rate. Nothing is ever paid beyond the funds held
/// or the allowance accrued. Pulled revenue that no tree allocates (a pool with no eligible contributor)
/// can be swept to the treasury by the timelock, never more than that.
interface IRewardDistributor {
    /// @notice One claim of `claimMany`: a token, the cumulative amount its leaf grants, and the leaf's proof.
    struct ClaimRequest {
        address token;
        uint256 cumulativeAmount;
        bytes32[] proof;
    }

    /// @notice A root was submitted and can be accepted at `acceptableAt`; its tree allocates `paymentTotal`
    /// of the payment token in all.
    event RootSubmitted(
        uint256 indexed epoch,
        bytes32 root,
        string treeCid,
        uint256 paymentTotal,
        uint256 acceptableAt
    );
    /// @notice The pending root was revoked by `by`.
    event RootRevoked(uint256 indexed epoch, bytes32 root, address indexed by);
    /// @notice The pending root became the current root.
    event RootAccepted(uint256 indexed epoch, bytes32 root, string treeCid);
    /// @notice `amount` of `token` was paid to `account`.
    event Claimed(address indexed account, address indexed token, uint256 amount, uint256 cumulativeAmount);
    /// @notice Contributor pool revenue was pulled from the royalty router.
    event RevenuePulled(uint256 amount);
    /// @notice `amount` of pulled revenue that no tree allocates was sent to `to`.
    event UnallocatedSwept(address indexed to, uint256 amount);
    /// @notice The PROV emission rate changed.
    event EmissionRateSet(uint256 tokensPerSecond);
    /// @notice The pending delay changed.
    event RootDelaySet(uint256 delaySeconds);

    /// @notice `caller` may not do this.
    error RewardDistributorUnauthorized(address caller);
    /// @notice There is no pending root (or it is not the one expected).
    error RewardDistributorNoPendingRoot();
    /// @notice A root is pending until `acceptableAt`; the next one may be submitted once it has unlocked.
    error RewardDistributorRootPending(uint256 epoch, uint256 acceptableAt);
    /// @notice A tree's payment-token total is below the current tree's: cumulative trees never shrink.
    error RewardDistributorTotalDecreased(uint256 paymentTotal, uint256 currentTotal);
    /// @notice More than the unallocated revenue was asked to be swept.
    error RewardDistributorSweepExceedsUnallocated(uint256 amount, uint256 unallocated);
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

    /// @notice Submits the root of `epoch`'s cumulative tree, whose payment-token amounts sum to
    /// `paymentTotal`. Only the oracle. Accepts the pending root first if it has unlocked; reverts with
    /// `RewardDistributorRootPending` if it has not. `epoch` must exceed every epoch submitted before, revoked
    /// ones included, and `paymentTotal` must not be below the current tree's.
    function submitRoot(uint256 epoch, bytes32 root, uint256 paymentTotal, string calldata treeCid) external;

    /// @notice Revokes the pending root of `epoch` (named so that a revocation never hits a root submitted
    /// after it was decided). Only the timelock or a guardian.
    function revokePendingRoot(uint256 epoch) external;

    /// @notice Makes the pending root current once its delay has passed. Anyone.
    function acceptRoot() external;

    /// @notice Sends `amount` of pulled revenue that no submitted tree allocates to `to`. Only the timelock.
    function sweepUnallocated(address to, uint256 amount) external;

    /// @notice Pays `account` what its leaf grants beyond what it already claimed. Anyone may call.
    function claim(
        address account,
        address token,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount);

    /// @notice `claim` for each request in turn, all for `account`; reverts if any one does. Anyone may call.
    function claimMany(
        address account,
        ClaimRequest[] calldata requests
    ) external returns (uint256[] memory amounts);

    /// @notice Pulls the contributor pools' credit from the royalty router. Anyone.
    function pullRevenue() external returns (uint256 amount);

    /// @notice Sets the PROV emission rate. Only the timelock.
    function setEmissionRate(uint256 tokensPerSecond) external;

    /// @notice Sets the pending delay for new roots. Only the timelock.
    function setRootDelay(uint256 delaySeconds) external;

    /// @notice The current root, its epoch, the CID of its tree and the tree's payment-token total.
    function currentRoot()
        external
        view
        returns (bytes32 root, uint256 epoch, string memory treeCid, uint256 paymentTotal);

    /// @notice The pending root, its epoch, its tree CID, its payment-token total and when it can be accepted
    /// (all zero when none).
    function pendingRoot()
        external
        view
        returns (
            bytes32 root,
            uint256 epoch,
            string memory treeCid,
            uint256 paymentTotal,
            uint256 acceptableAt
        );

    /// @notice Revenue pulled from the router, less what was swept and what the newest submitted tree
    /// (pending, else current) allocates: what no contributor can claim.
    function unallocatedRevenue() external view returns (uint256);

    /// @notice What `account` already claimed of `token`.
    function claimed(address account, address token) external view returns (uint256);

    /// @notice PROV that may be minted now (accrued allowance, within the token's cap).
    function emissionAvailable() external view returns (uint256);
}
