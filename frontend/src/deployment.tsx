// Where the contracts are: GET /v1/deployment (the deployment manifest), read once at start.
import { createContext, useContext } from "react";
import { defineChain, getAddress, type Address } from "viem";
import { createConfig, http, type Config } from "wagmi";
import { injected } from "wagmi/connectors";

import type { Schemas } from "./api";

export type Deployment = Schemas["Deployment"];
export type ContractName =
  | "AssetRegistry"
  | "LicenseManager"
  | "MockUSDC"
  | "ProvenanceToken"
  | "ProvenantGovernor"
  | "RewardDistributor"
  | "RoyaltyRouter"
  | "TimelockController";

export const DeploymentContext = createContext<Deployment | null>(null);

export function useDeployment(): Deployment {
  const deployment = useContext(DeploymentContext);
  if (deployment === null) throw new Error("useDeployment outside DeploymentContext");
  return deployment;
}

/** The address of a deployed contract; throws when this deployment has no such contract. */
export function useContractAddress(name: ContractName): Address {
  const address = useDeployment().contracts[name];
  if (address === undefined) throw new Error(`this deployment has no ${name}`);
  return getAddress(address);
}

export function wagmiConfig(deployment: Deployment): Config {
  const chain = defineChain({
    id: deployment.chain_id,
    name: deployment.chain_id === 31337 ? "Local development chain" : `Chain ${deployment.chain_id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [deployment.rpc_url] } },
  });
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    transports: { [chain.id]: http(deployment.rpc_url) },
  });
}
