// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IGovernorLateQuorum} from "./interfaces/IGovernorLateQuorum.sol";

/// @title GovernorLateQuorum
/// @notice OpenZeppelin's GovernorPreventLateQuorum (same deadlines, events and functions) at a fraction of its gas
/// per vote. The vote that brings a proposal's For + Abstain votes from below its quorum to at least its quorum, cast
/// at clock t, sets the deadline to `max(deadline, t + lateQuorumVoteExtension())`, emitting {ProposalExtended} when
/// that is later. No other vote moves the deadline, so a proposal is extended at most once and never shortened. The
/// one difference: with a zero quorum, which holds before any vote, no vote reaches it and the deadline never moves
/// (OpenZeppelin extends on the first vote in the final window).
/// @dev OpenZeppelin looks the quorum up (token supply and quorum numerator checkpoints) on every vote until the
/// quorum is reached, then stores a deadline, extended or not. Here only a For or Abstain vote cast in the final
/// {lateQuorumVoteExtension} clock units looks the quorum up, and only until one such vote finds it reached and
/// stores the deadline: earlier, t + extension is not later than the deadline and the vote cannot move it. The
/// extension shares a slot with the latest extended deadline of all proposals, so an ordinary vote reads that one
/// slot and no per-proposal one: a proposal whose deadline is not before the latest extended deadline cannot have
/// been extended. Costs move to rarer votes: the first For or Abstain votes in a final window pay the quorum lookup
/// (the one that finds it reached also stores the deadline), and a vote on a proposal whose deadline another
/// proposal's extension passes reads one more slot.
abstract contract GovernorLateQuorum is IGovernorLateQuorum, GovernorCountingSimple {
    // One slot, the only one of this contract that an ordinary vote reads.
    uint48 private _voteExtension;
    uint48 private _latestExtendedDeadline;
    // Set by the first For or Abstain vote in the final window that finds the quorum reached: the deadline that
    // quorum gives the proposal (extended, or the original one if the quorum was reached before the window).
    mapping(uint256 proposalId => uint48) private _finalDeadlines;

    /// @param initialVoteExtension The first {lateQuorumVoteExtension}.
    constructor(uint48 initialVoteExtension) {
        _setLateQuorumVoteExtension(initialVoteExtension);
    }

    /// @notice The deadline, extended if the proposal's quorum was reached late.
    function proposalDeadline(uint256 proposalId) public view virtual override returns (uint256) {
        uint256 deadline = super.proposalDeadline(proposalId);
        // No extension reaches past this deadline, so none can be this proposal's.
        if (_latestExtendedDeadline <= deadline) return deadline;
        return Math.max(deadline, _finalDeadlines[proposalId]);
    }

    /// @inheritdoc IGovernorLateQuorum
    function lateQuorumVoteExtension() public view virtual returns (uint48) {
        return _voteExtension;
    }

    /// @inheritdoc IGovernorLateQuorum
    function setLateQuorumVoteExtension(uint48 newVoteExtension) public virtual onlyGovernance {
        _setLateQuorumVoteExtension(newVoteExtension);
    }

    /// @dev Counts the vote, then extends the deadline if this vote reached the quorum in the final window (see the
    /// contract's documentation). Emits {ProposalExtended} when it does.
    function _castVote(
        uint256 proposalId,
        address account,
        uint8 support,
        string memory reason,
        bytes memory params
    ) internal virtual override returns (uint256 votedWeight) {
        votedWeight = super._castVote(proposalId, account, support, reason, params);
        if (support == uint8(VoteType.Against) || votedWeight == 0) return votedWeight;

        uint256 deadline = super.proposalDeadline(proposalId);
        uint256 extendedDeadline = clock() + uint256(_voteExtension);
        if (extendedDeadline <= deadline) return votedWeight;
        if (_finalDeadlines[proposalId] != 0) return votedWeight; // settled for good by an earlier vote

        (, uint256 forVotes, uint256 abstainVotes) = proposalVotes(proposalId);
        uint256 counted = forVotes + abstainVotes;
        uint256 required = quorum(proposalSnapshot(proposalId));
        if (counted < required) return votedWeight;
        if (counted - votedWeight >= required) {
            // Reached before the final window: the deadline stands. Recorded to spare later votes the lookup.
            _finalDeadlines[proposalId] = SafeCast.toUint48(deadline);
            return votedWeight;
        }

        uint48 newDeadline = SafeCast.toUint48(extendedDeadline);
        _finalDeadlines[proposalId] = newDeadline;
        if (newDeadline > _latestExtendedDeadline) _latestExtendedDeadline = newDeadline;
        emit ProposalExtended(proposalId, newDeadline);
    }

    /// @dev Sets {lateQuorumVoteExtension}. Emits {LateQuorumVoteExtensionSet}.
    function _setLateQuorumVoteExtension(uint48 newVoteExtension) internal virtual {
        emit LateQuorumVoteExtensionSet(_voteExtension, newVoteExtension);
        _voteExtension = newVoteExtension;
    }
}
