// Transactions with their states shown: waiting for the wallet, pending, confirmed, failed (with the reason).
import { useState } from "react";
import type { Abi, Hash } from "viem";
import { useConfig } from "wagmi";
import { simulateContract, waitForTransactionReceipt, writeContract } from "wagmi/actions";

import { describeError } from "./errors";

export type TxState =
  | { status: "idle" }
  | { status: "signing"; label: string }
  | { status: "pending"; label: string; hash: Hash }
  | { status: "confirmed"; label: string; hash: Hash }
  | { status: "failed"; label: string; reason: string; error?: unknown };

type ContractCall = Parameters<typeof simulateContract>[1];
/** One transaction of a sequence: its label (shown in TxStatus) and the call. */
export type TxStep = [string, ContractCall];

export function useTx() {
  const config = useConfig();
  const [state, setState] = useState<TxState>({ status: "idle" });

  /** Simulates the call first (a revert is reported before anything is signed), then sends and waits. */
  async function send(label: string, call: ContractCall): Promise<boolean> {
    setState({ status: "signing", label });
    try {
      const { request } = await simulateContract(config, call as ContractCall & { abi: Abi });
      const hash = await writeContract(config, request);
      setState({ status: "pending", label, hash });
      const receipt = await waitForTransactionReceipt(config, { hash });
      if (receipt.status !== "success") {
        setState({
          status: "failed",
          label,
          reason: `The transaction ${hash} reverted.`,
        });
        return false;
      }
      setState({ status: "confirmed", label, hash });
      return true;
    } catch (error) {
      setState({ status: "failed", label, reason: describeError(error), error });
      return false;
    }
  }

  /** Runs a sequence of steps (e.g. approve, then buy), stopping at the first that fails. */
  async function sequence(steps: TxStep[]): Promise<boolean> {
    for (const [label, call] of steps) if (!(await send(label, call))) return false;
    return true;
  }

  const busy = state.status === "signing" || state.status === "pending";
  return {
    state,
    send,
    sequence,
    busy,
    reset: () => setState({ status: "idle" }),
  };
}

/** `explain` may give a page's own sentence for a failure it knows (e.g. one custom error); null: the default. */
export function TxStatus({
  state,
  explain,
}: {
  state: TxState;
  explain?: (error: unknown) => string | null;
}) {
  if (state.status === "idle") return null;
  const reason = state.status === "failed" ? (explain?.(state.error) ?? state.reason) : "";
  const text = {
    signing: `${state.label}: confirm in your wallet…`,
    pending: `${state.label}: pending…`,
    confirmed: `${state.label}: confirmed.`,
    failed: `${state.label} failed. ${reason}`,
  }[state.status];
  return (
    <p className={`tx tx-${state.status}`} role="status" data-tx-status={state.status}>
      {text}
      {"hash" in state && <code className="hash"> {state.hash}</code>}
    </p>
  );
}
