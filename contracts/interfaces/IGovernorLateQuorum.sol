// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IGovernorLateQuorum
/// @notice Late-quorum protection, with the events and functions of OpenZeppelin's GovernorPreventLateQuorum: a
/// proposal stays open at least {lateQuorumVoteExtension} clock units after the vote that makes it reach quorum, so
/// that a large vote cast at the last moment leaves the other voters time to react.
interface IGovernorLateQuorum {
    /// @notice The vote on `proposalId` now ends at `extendedDeadline` because its quorum was reached late.
    event ProposalExtended(uint256 indexed proposalId, uint64 extendedDeadline);

    /// @notice {lateQuorumVoteExtension} changed from `oldVoteExtension` to `newVoteExtension`.
    event LateQuorumVoteExtensionSet(uint64 oldVoteExtension, uint64 newVoteExtension);

    /// @notice Clock units a proposal stays open, at least, after the vote that makes it reach quorum.
    function lateQuorumVoteExtension() external view returns (uint48);

    /// @notice Sets {lateQuorumVoteExtension} for every vote cast from now on. Only through a proposal.
    function setLateQuorumVoteExtension(uint48 newVoteExtension) external;
}
