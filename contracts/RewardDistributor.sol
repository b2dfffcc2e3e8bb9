// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IProvenanceToken} from "./interfaces/IProvenanceToken.sol";
import {IRewardDistributor} from "./interfaces/IRewardDistributor.sol";
import {IRoyaltyRouter} from "./interfaces/IRoyaltyRouter.sol";

/// @title RewardDistributor
/// @notice Pays data contributors, in the payment token and in PROV, from cumulative Merkle roots.
/// @dev Storage is laid out for the claim: it reads the root from its own slot and writes one slot, the
/// claimed amount of `(account, token)`; the payment token, PROV and its cap are immutables.
contract RewardDistributor is IRewardDistributor, AccessControl {
    using SafeERC20 for IERC20;

    /// @dev A root with its epoch, the IPFS CID of its full tree and the tree's payment-token total.
    struct Root {
        bytes32 root;
        uint256 epoch;
        string treeCid;
        uint256 paymentTotal;
    }

    /// @dev What an account claimed of a token, in a struct so that a claim derives its slot once for both
    /// the read and the write.
    struct Claim {
        uint256 cumulativeAmount;
    }

    /// @inheritdoc IRewardDistributor
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");
    /// @inheritdoc IRewardDistributor
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @inheritdoc IRewardDistributor
    uint256 public constant MAX_ROOT_DELAY = 30 days;
    /// @inheritdoc IRewardDistributor
    uint256 public constant MAX_EMISSION_RATE = 100e18;

    uint256 private constant _MAX_TREE_CID_LENGTH = 128;

    IERC20 private immutable _paymentToken;
    IProvenanceToken private immutable _prov;
    uint256 private immutable _provCap;
    IRoyaltyRouter private immutable _router;

    // `_current.root` has its own slot: the only slot a claim reads besides the one it writes.
    Root private _current;
    mapping(address account => mapping(address token => Claim)) private _claimed;

    Root private _pending;
    uint256 private _pendingAcceptableAt;
    uint256 private _lastEpoch;
    uint256 private _rootDelay;
    // Revenue pulled from the router less what was swept.
    uint256 private _revenue;

    uint256 private _emissionRate;
    // One slot: the allowance accrued up to `_emissionUpdatedAt` and not yet minted.
    uint208 private _emissionAllowance;
    uint48 private _emissionUpdatedAt;

    /// @param admin The DAO's timelock: sets the delay and the emission rate, revokes roots, manages roles.
    /// @param guardian May revoke a pending root.
    /// @param oracle Submits the roots.
    /// @param paymentToken The token the contributor pools are paid in.
    /// @param prov The PROV token, whose minter this contract must be.
    /// @param router The royalty router that credits the contributor pools to this contract.
    /// @param rootDelay How long a submitted root stays pending (at most MAX_ROOT_DELAY).
    /// @param emissionRate PROV accruing per second from now on (at most MAX_EMISSION_RATE).
    constructor(
        address admin,
        address guardian,
        address oracle,
        IERC20 paymentToken,
        IProvenanceToken prov,
        IRoyaltyRouter router,
        uint256 rootDelay,
        uint256 emissionRate
    ) {
        _paymentToken = paymentToken;
        _prov = prov;
        _provCap = ERC20Capped(address(prov)).cap();
        _router = router;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        _grantRole(ORACLE_ROLE, oracle);
        _setRootDelay(rootDelay);
        _setEmissionRate(emissionRate);
    }

    /// @inheritdoc IRewardDistributor
    function submitRoot(
        uint256 epoch,
        bytes32 root,
        uint256 paymentTotal,
        string calldata treeCid
    ) external onlyRole(ORACLE_ROLE) {
        if (epoch <= _lastEpoch) revert RewardDistributorStaleEpoch(epoch, _lastEpoch);
        if (
            root == bytes32(0) || bytes(treeCid).length == 0 || bytes(treeCid).length > _MAX_TREE_CID_LENGTH
        ) {
            revert RewardDistributorInvalidRoot();
        }
        if (_pending.root != bytes32(0)) {
            if (block.timestamp < _pendingAcceptableAt) {
                revert RewardDistributorRootPending(_pending.epoch, _pendingAcceptableAt);
            }
            _acceptPending();
        }
        if (paymentTotal < _current.paymentTotal) {
            revert RewardDistributorTotalDecreased(paymentTotal, _current.paymentTotal);
        }
        uint256 acceptableAt = block.timestamp + _rootDelay;
        _lastEpoch = epoch;
        _pending = Root(root, epoch, treeCid, paymentTotal);
        _pendingAcceptableAt = acceptableAt;
        emit RootSubmitted(epoch, root, treeCid, paymentTotal, acceptableAt);
    }

    /// @inheritdoc IRewardDistributor
    function revokePendingRoot(uint256 epoch) external {
        if (!hasRole(DEFAULT_ADMIN_ROLE, msg.sender) && !hasRole(GUARDIAN_ROLE, msg.sender)) {
            revert RewardDistributorUnauthorized(msg.sender);
        }
        bytes32 root = _pending.root;
        if (root == bytes32(0) || _pending.epoch != epoch) revert RewardDistributorNoPendingRoot();
        emit RootRevoked(epoch, root, msg.sender);
        _deletePending();
    }

    /// @inheritdoc IRewardDistributor
    function acceptRoot() external {
        if (_pending.root == bytes32(0)) revert RewardDistributorNoPendingRoot();
        if (block.timestamp < _pendingAcceptableAt)
            revert RewardDistributorRootNotReady(_pendingAcceptableAt);
        _acceptPending();
    }

    /// @inheritdoc IRewardDistributor
    function sweepUnallocated(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 unallocated = unallocatedRevenue();
        if (amount > unallocated) revert RewardDistributorSweepExceedsUnallocated(amount, unallocated);
        _revenue -= amount;
        emit UnallocatedSwept(to, amount);
        _paymentToken.safeTransfer(to, amount);
    }

    /// @inheritdoc IRewardDistributor
    /// @dev Public so that `claimMany` runs the same body without a second internal call layer.
    function claim(
        address account,
        address token,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) public returns (uint256 amount) {
        if (_processProof(proof, _leafHash(account, token, cumulativeAmount)) != _current.root) {
            revert RewardDistributorInvalidProof();
        }

        Claim storage claimedOf = _claimed[account][token];
        uint256 alreadyClaimed = claimedOf.cumulativeAmount;
        if (cumulativeAmount <= alreadyClaimed) revert RewardDistributorNothingToClaim(account, token);
        claimedOf.cumulativeAmount = cumulativeAmount;
        unchecked {
            amount = cumulativeAmount - alreadyClaimed;
        }
        emit Claimed(account, token, amount, cumulativeAmount);

        // The token is checked once, here: a leaf of another token can only come from the oracle's tree.
        if (token == address(_paymentToken)) {
            _pay(account, amount);
        } else if (token == address(_prov)) {
            _mintReward(account, amount);
        } else {
            revert RewardDistributorUnsupportedToken(token);
        }
    }

    /// @inheritdoc IRewardDistributor
    function claimMany(
        address account,
        ClaimRequest[] calldata requests
    ) external returns (uint256[] memory amounts) {
        amounts = new uint256[](requests.length);
        for (uint256 i; i < requests.length; ++i) {
            ClaimRequest calldata request = requests[i];
            amounts[i] = claim(account, request.token, request.cumulativeAmount, request.proof);
        }
    }

    /// @inheritdoc IRewardDistributor
    function pullRevenue() external returns (uint256 amount) {
        amount = _router.withdraw(address(this));
        _revenue += amount;
        emit RevenuePulled(amount);
    }

    /// @inheritdoc IRewardDistributor
    function setEmissionRate(uint256 tokensPerSecond) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setEmissionRate(tokensPerSecond);
    }

    /// @inheritdoc IRewardDistributor
    function setRootDelay(uint256 delaySeconds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRootDelay(delaySeconds);
    }

    /// @inheritdoc IRewardDistributor
    function currentRoot()
        external
        view
        returns (bytes32 root, uint256 epoch, string memory treeCid, uint256 paymentTotal)
    {
        return (_current.root, _current.epoch, _current.treeCid, _current.paymentTotal);
    }

    /// @inheritdoc IRewardDistributor
    function pendingRoot()
        external
        view
        returns (
            bytes32 root,
            uint256 epoch,
            string memory treeCid,
            uint256 paymentTotal,
            uint256 acceptableAt
        )
    {
        return (_pending.root, _pending.epoch, _pending.treeCid, _pending.paymentTotal, _pendingAcceptableAt);
    }

    /// @inheritdoc IRewardDistributor
    function unallocatedRevenue() public view returns (uint256) {
        uint256 allocated = _pending.root != bytes32(0) ? _pending.paymentTotal : _current.paymentTotal;
        return _revenue > allocated ? _revenue - allocated : 0;
    }

    /// @inheritdoc IRewardDistributor
    function claimed(address account, address token) external view returns (uint256) {
        return _claimed[account][token].cumulativeAmount;
    }

    /// @inheritdoc IRewardDistributor
    function emissionAvailable() public view returns (uint256) {
        uint256 accrued = _emissionAllowance + _emissionRate * (block.timestamp - _emissionUpdatedAt);
        return Math.min(accrued, _provCap - IERC20(address(_prov)).totalSupply());
    }

    /// @dev `keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount))))` hashed in scratch
    /// space, borrowing the free memory pointer's slot for the third word, instead of allocating two buffers.
    function _leafHash(
        address account,
        address token,
        uint256 cumulativeAmount
    ) private pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            let freePointer := mload(0x40)
            mstore(0x00, shr(96, shl(96, account)))
            mstore(0x20, shr(96, shl(96, token)))
            mstore(0x40, cumulativeAmount)
            mstore(0x00, keccak256(0x00, 0x60))
            leaf := keccak256(0x00, 0x20)
            mstore(0x40, freePointer)
        }
    }

    /// @dev `MerkleProof.processProofCalldata` with `Hashes.commutativeKeccak256` inlined: each pair is hashed
    /// in scratch space, the smaller first.
    function _processProof(bytes32[] calldata proof, bytes32 leaf) private pure returns (bytes32 node) {
        assembly ("memory-safe") {
            node := leaf
            if proof.length {
                let p := proof.offset
                let end := add(p, shl(5, proof.length))
                for {} 1 {} {
                    let sibling := calldataload(p)
                    let nodeAt := shl(5, gt(node, sibling))
                    mstore(nodeAt, node)
                    mstore(xor(nodeAt, 0x20), sibling)
                    node := keccak256(0x00, 0x40)
                    p := add(p, 0x20)
                    if iszero(lt(p, end)) {
                        break
                    }
                }
            }
        }
    }

    /// @dev Pays from the balance; a failed transfer is reported as a shortfall when it is one.
    function _pay(address account, uint256 amount) private {
        if (!_tryTransfer(account, amount)) {
            uint256 available = _paymentToken.balanceOf(address(this));
            if (available < amount) {
                revert RewardDistributorInsufficientFunds(address(_paymentToken), amount, available);
            }
            revert SafeERC20.SafeERC20FailedOperation(address(_paymentToken));
        }
    }

    /// @dev `SafeERC20.trySafeTransfer` of the payment token with the call encoded in scratch space, as OpenZeppelin
    /// 5.5 does (the free memory pointer it overlaps is restored), rather than in a newly allocated buffer. True if
    /// the token returned true, or returned nothing and has code.
    function _tryTransfer(address to, uint256 value) private returns (bool success) {
        IERC20 token = _paymentToken;
        bytes4 selector = IERC20.transfer.selector;
        assembly ("memory-safe") {
            let freePointer := mload(0x40)
            mstore(0x00, selector)
            mstore(0x04, shr(96, shl(96, to)))
            mstore(0x24, value)
            success := call(gas(), token, 0, 0x00, 0x44, 0x00, 0x20)
            switch returndatasize()
            case 0 {
                success := and(success, gt(extcodesize(token), 0))
            }
            default {
                success := and(success, and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)))
            }
            mstore(0x40, freePointer)
        }
    }

    function _mintReward(address account, uint256 amount) private {
        uint256 available = emissionAvailable();
        if (amount > available) revert RewardDistributorEmissionExceeded(amount, available);
        _checkpointEmission(available - amount);
        _prov.mint(account, amount);
    }

    /// @dev Records the allowance left as of now; what accrues from here on counts at the current rate.
    function _checkpointEmission(uint256 allowance) private {
        _emissionAllowance = SafeCast.toUint208(allowance);
        _emissionUpdatedAt = uint48(block.timestamp);
    }

    function _setRootDelay(uint256 delaySeconds) private {
        if (delaySeconds > MAX_ROOT_DELAY)
            revert RewardDistributorParameterTooHigh(delaySeconds, MAX_ROOT_DELAY);
        _rootDelay = delaySeconds;
        emit RootDelaySet(delaySeconds);
    }

    /// @dev Accrues at the old rate up to now first, so a rate change never applies to the past.
    function _setEmissionRate(uint256 tokensPerSecond) private {
        if (tokensPerSecond > MAX_EMISSION_RATE) {
            revert RewardDistributorParameterTooHigh(tokensPerSecond, MAX_EMISSION_RATE);
        }
        _checkpointEmission(emissionAvailable());
        _emissionRate = tokensPerSecond;
        emit EmissionRateSet(tokensPerSecond);
    }

    function _acceptPending() private {
        _current = _pending;
        _deletePending();
        emit RootAccepted(_current.epoch, _current.root, _current.treeCid);
    }

    function _deletePending() private {
        delete _pending;
        delete _pendingAcceptableAt;
    }
}
