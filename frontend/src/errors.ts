// One sentence a person understands for anything a wallet, the chain or the API can throw.
import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError } from "viem";

import { ApiError } from "./api";

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof BaseError) {
    if (error.walk((cause) => cause instanceof UserRejectedRequestError))
      return "You rejected the request in your wallet.";
    const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName;
      if (name !== undefined) {
        const args = (revert.data?.args ?? []).map((arg) => String(arg)).join(", ");
        return `The contract refused: ${name}(${args}).`;
      }
      return `The contract refused: ${revert.reason ?? revert.shortMessage}.`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
