// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title RevertingReceiver
/// @notice Test payee that refuses everything sent to it: every incoming call and every ether transfer
/// reverts. Its operator drives it through `execute` (e.g. to register a model it then owns, to register a
/// token hook, or to withdraw its royalty credit).
/// @dev Development and tests only.
contract RevertingReceiver {
    address private immutable _operator;

    /// @notice An incoming call or transfer was refused.
    error RevertingReceiverRefused();
    /// @notice Only the operator may drive this contract.
    error RevertingReceiverUnauthorized(address caller);

    constructor() {
        _operator = msg.sender;
    }

    /// @notice Calls `target` with `data` as this contract; bubbles up a revert. Only the operator.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != _operator) revert RevertingReceiverUnauthorized(msg.sender);
        bool success;
        (success, result) = target.call(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    receive() external payable {
        revert RevertingReceiverRefused();
    }

    fallback() external payable {
        revert RevertingReceiverRefused();
    }
}
