// The wallet: connect (injected, e.g. MetaMask), the account shown, a wrong network caught before any write.
import { erc20Abi, type Address } from "viem";
import { useAccount, useConnect, useDisconnect, useReadContract, useSwitchChain } from "wagmi";

import { useDeployment } from "./deployment";
import { describeError } from "./errors";
import { shortAddress } from "./format";
import { mockUSDCAbi } from "./generated/abis";

export function ConnectButton() {
  const { address, isConnected } = useAccount();
  const { connect, connectors, error, isPending } = useConnect();
  const { disconnect } = useDisconnect();
  if (isConnected && address)
    return (
      <span className="account">
        <code data-testid="account">{shortAddress(address)}</code>
        <button onClick={() => disconnect()}>Disconnect</button>
      </span>
    );
  const connector = connectors[0];
  return (
    <span className="account">
      <button disabled={!connector || isPending} onClick={() => connector && connect({ connector })}>
        {isPending ? "Connecting…" : "Connect wallet"}
      </button>
      {!connector && (
        <span className="error">No wallet found: install MetaMask or another injected wallet.</span>
      )}
      {error && <span className="error">{describeError(error)}</span>}
    </span>
  );
}

/** Whether the connected wallet is on the deployment's chain; a banner offers to switch when it is not. */
export function useWrongNetwork(): boolean {
  const { isConnected, chainId } = useAccount();
  return isConnected && chainId !== useDeployment().chain_id;
}

export function NetworkBanner() {
  const deployment = useDeployment();
  const { chainId } = useAccount();
  const { switchChain, error, isPending } = useSwitchChain();
  if (!useWrongNetwork()) return null;
  return (
    <div className="banner error" role="alert" data-testid="wrong-network">
      Wrong network: your wallet is on chain {chainId}, Provenant is on chain {deployment.chain_id}.{" "}
      <button disabled={isPending} onClick={() => switchChain({ chainId: deployment.chain_id })}>
        Switch network
      </button>
      {error && <span> {describeError(error)}</span>}
    </div>
  );
}

/** What a page that sends transactions needs: the account, or why it cannot send one now. */
export function useWriter(): {
  account: Address | undefined;
  blocked: string | null;
} {
  const { address } = useAccount();
  const wrongNetwork = useWrongNetwork();
  const blocked = !address
    ? "Connect your wallet to continue."
    : wrongNetwork
      ? "Switch your wallet to the right network first."
      : null;
  return { account: address, blocked };
}

/** The payment token (an ERC-20; MockUSDC on development chains): its address, symbol and decimals. */
export function usePaymentToken(): {
  address: Address;
  symbol: string;
  decimals: number;
} {
  const deployment = useDeployment();
  const address = deployment.payment_token as Address;
  const symbol = useReadContract({
    address,
    abi: mockUSDCAbi,
    functionName: "symbol",
  }).data;
  const decimals = useReadContract({
    address,
    abi: mockUSDCAbi,
    functionName: "decimals",
  }).data;
  return { address, symbol: symbol ?? "USDC", decimals: decimals ?? 6 };
}

/** ``account``'s balance of the ERC-20 at ``token`` (not read until there is an account); ``refetch`` after a payment. */
export function useTokenBalance(token: Address, account: Address | undefined) {
  return useReadContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: account ? [account] : undefined,
    query: { enabled: account !== undefined },
  });
}
