// Paying a contract in the payment token (an ERC-20): approve first, and only when the allowance falls short.
import type { Address } from "viem";
import type { Config } from "wagmi";
import { readContract } from "wagmi/actions";

import { formatAmount } from "./format";
import { mockUSDCAbi } from "./generated/abis";
import type { TxStep } from "./tx";

type Token = { address: Address; symbol: string; decimals: number };

/** The steps that pay ``amount`` to ``spender`` with ``pay``; the allowance is read now, at the moment of paying. */
export async function payingSteps(
  config: Config,
  {
    token,
    owner,
    spender,
    amount,
    pay,
  }: { token: Token; owner: Address; spender: Address; amount: bigint; pay: TxStep },
): Promise<TxStep[]> {
  const allowance = await readContract(config, {
    address: token.address,
    abi: mockUSDCAbi,
    functionName: "allowance",
    args: [owner, spender],
  });
  const approve: TxStep = [
    `Approve ${formatAmount(amount, token.decimals, token.symbol)}`,
    { address: token.address, abi: mockUSDCAbi, functionName: "approve", args: [spender, amount] },
  ];
  return allowance < amount ? [approve, pay] : [pay];
}
