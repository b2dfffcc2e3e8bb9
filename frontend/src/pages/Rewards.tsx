// Rewards: what the connected contributor earned per token (payment token and PROV), epoch by epoch, and the
// claim of what is claimable now with the Merkle proof the API serves. A claim is offered only while its root
// is the distributor's current root, read on chain: the API learns of an acceptance from the indexer, a few
// seconds late, and a proof for the root before it would be refused.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { erc20Abi, getAddress, type Address, type Hex } from "viem";
import { useAccount, useBlock, useReadContract, useReadContracts } from "wagmi";

import { api, type Schemas } from "../api";
import { useContractAddress } from "../deployment";
import { describeError } from "../errors";
import { formatAmount, formatTime } from "../format";
import { rewardDistributorAbi } from "../generated/abis";
import { TxStatus, useTx } from "../tx";
import { useTokenBalance, useWriter } from "../wallet";
import "./Rewards.css";

type AccountRewards = Schemas["AccountRewardsInfo"];
type TokenRewards = Schemas["TokenRewardsInfo"];
type Token = { address: Address; symbol: string; decimals: number };

// Epochs close and roots get accepted in the background: keep the page current while it is open.
const REFRESH_MS = 3_000;
const CHART_EPOCHS = 24; // the API's default history

export function Rewards() {
  const { address } = useAccount();
  return (
    <>
      <h1>Rewards</h1>
      {address ? (
        <AccountRewardsView account={address} />
      ) : (
        <p className="card">Connect your wallet to see and claim your rewards.</p>
      )}
    </>
  );
}

function AccountRewardsView({ account }: { account: Address }) {
  const rewards = useQuery({
    queryKey: ["rewards", account],
    queryFn: () => api<AccountRewards>(`/v1/rewards/${account}`),
    refetchInterval: REFRESH_MS,
  });
  const distributor = useContractAddress("RewardDistributor");
  const currentRoot = useReadContract({
    address: distributor,
    abi: rewardDistributorAbi,
    functionName: "currentRoot",
    query: { refetchInterval: REFRESH_MS },
  }).data?.[0];
  const tokens = useTokens([
    ...new Set([
      ...(rewards.data?.tokens ?? []).map((token) => token.token),
      ...(rewards.data?.history ?? []).flatMap((epoch) => epoch.amounts.map((amount) => amount.token)),
    ]),
  ]);

  if (rewards.isPending) return <p className="loading">Loading your rewards…</p>;
  if (rewards.isError)
    return (
      <p className="error" role="alert">
        Your rewards cannot be loaded: {describeError(rewards.error)}
      </p>
    );
  if (rewards.data.tokens.length === 0)
    return (
      <p className="card" data-testid="no-rewards">
        No rewards yet. When an epoch ends, the platform shares what the datasets earned among their
        contributors, pro rata to accepted records: <a href="#/contribute">contribute a file</a> to earn a
        share.
      </p>
    );
  return (
    <>
      <LatestRoot rewards={rewards.data} />
      <section className="card">
        <h2>Per token</h2>
        <table data-testid="reward-tokens">
          <thead>
            <tr>
              <th>Token</th>
              <th>Earned in all</th>
              <th>Claimed</th>
              <th>Claimable now</th>
              <th>In your wallet</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rewards.data.tokens.map((token) => (
              <TokenRow
                key={token.token}
                account={account}
                rewards={token}
                token={tokens.get(token.token)}
                currentRoot={currentRoot}
                onClaimed={() => void rewards.refetch()}
              />
            ))}
          </tbody>
        </table>
        <ClaimAll
          account={account}
          requests={rewards.data.tokens.flatMap(({ token, claim, claimable }) =>
            claim && claimable !== "0" && sameRoot(claim.root, currentRoot)
              ? [
                  {
                    token: getAddress(token),
                    cumulativeAmount: BigInt(claim.cumulative_amount),
                    proof: claim.proof as Hex[],
                  },
                ]
              : [],
          )}
          onClaimed={() => void rewards.refetch()}
        />
      </section>
      <section className="card">
        <h2>Earned per epoch</h2>
        {rewards.data.tokens.map((token) => {
          const info = tokens.get(token.token);
          return info && <EpochChart key={token.token} token={info} history={rewards.data.history} />;
        })}
      </section>
    </>
  );
}

/** The latest rewards tree's root: waiting out its delay, acceptable now (anyone may), or revoked. The
 * acceptance's status stays shown once the root is accepted and the notice itself has gone. */
function LatestRoot({ rewards }: { rewards: AccountRewards }) {
  const queryClient = useQueryClient();
  const distributor = useContractAddress("RewardDistributor");
  const { blocked } = useWriter();
  const tx = useTx();
  const chainTime = useBlock({ watch: true }).data?.timestamp;
  const latest = rewards.history[rewards.history.length - 1];
  if ((!latest || latest.status === "accepted") && tx.state.status === "idle") return null;

  function accept(epoch: number) {
    void tx
      .send(`Making epoch ${epoch}'s rewards claimable`, {
        address: distributor,
        abi: rewardDistributorAbi,
        functionName: "acceptRoot",
      })
      .then(() => queryClient.invalidateQueries({ queryKey: ["rewards"] }));
  }

  let notice = null;
  if (latest?.status === "unsubmitted")
    notice = (
      <p>Your rewards for epoch {latest.epoch} are computed; the platform is publishing them on chain.</p>
    );
  else if (latest?.status === "revoked")
    notice = (
      <p className="error">
        The rewards of epoch {latest.epoch} were revoked by the DAO or a guardian; the next epoch publishes
        them again if they were right.
      </p>
    );
  else if (latest?.status === "pending") {
    const acceptableAt = latest.acceptable_at ?? 0;
    notice =
      chainTime !== undefined && chainTime >= BigInt(acceptableAt) ? (
        <>
          <p>
            Your rewards for epoch {latest.epoch} can become claimable now: their waiting period (during which
            the DAO may revoke them) is over, and anyone may confirm them.
          </p>
          <button disabled={blocked !== null || tx.busy} onClick={() => accept(latest.epoch)}>
            Make claimable
          </button>
          {blocked && <span className="muted"> {blocked}</span>}
        </>
      ) : (
        <p>
          Your rewards for epoch {latest.epoch} become claimable at {formatTime(acceptableAt)}, once the
          waiting period during which the DAO may revoke them is over.
        </p>
      );
  }
  return (
    <div className="card notice" data-testid="latest-root">
      {notice}
      <TxStatus state={tx.state} />
    </div>
  );
}

function TokenRow({
  account,
  rewards,
  token,
  currentRoot,
  onClaimed,
}: {
  account: Address;
  rewards: TokenRewards;
  token: Token | undefined;
  currentRoot: Hex | undefined;
  onClaimed: () => void;
}) {
  const distributor = useContractAddress("RewardDistributor");
  const { blocked } = useWriter();
  const tx = useTx();
  const address = getAddress(rewards.token);
  const balance = useTokenBalance(address, account);
  // Read on chain, so a claim shows at once rather than when the indexer has seen it.
  const claimedOnChain = useReadContract({
    address: distributor,
    abi: rewardDistributorAbi,
    functionName: "claimed",
    args: [account, address],
  });
  const claimed = claimedOnChain.data ?? BigInt(rewards.claimed);
  const claim = rewards.claim;
  const claimable = claim ? maxBigint(BigInt(claim.cumulative_amount) - claimed, 0n) : 0n;
  const stale = claim !== null && currentRoot !== undefined && !sameRoot(claim.root, currentRoot);
  const show = (value: bigint | string) => (token ? formatAmount(value, token.decimals, token.symbol) : "…");

  async function send() {
    if (!claim) return;
    const sent = await tx.send(`Claiming ${show(claimable)}`, {
      address: distributor,
      abi: rewardDistributorAbi,
      functionName: "claim",
      args: [account, address, BigInt(claim.cumulative_amount), claim.proof as Hex[]],
    });
    if (sent) {
      await Promise.all([balance.refetch(), claimedOnChain.refetch()]);
      onClaimed();
    }
  }

  return (
    <tr data-testid={`reward-${token?.symbol ?? address}`}>
      <td>{token?.symbol ?? address}</td>
      <td data-testid="earned">{show(rewards.cumulative_amount)}</td>
      <td data-testid="claimed">{show(claimed)}</td>
      <td data-testid="claimable">{show(claimable)}</td>
      <td data-testid="balance">{balance.data === undefined ? "…" : show(balance.data)}</td>
      <td>
        <button
          disabled={claimable === 0n || currentRoot === undefined || stale || blocked !== null || tx.busy}
          onClick={() => void send()}
        >
          Claim
        </button>
        {claimable > 0n && stale && (
          <span className="muted" data-testid="claim-stale">
            {" "}
            Newer rewards were just made claimable; updating the proof…
          </span>
        )}
        {claimable > 0n && !stale && blocked && <span className="muted"> {blocked}</span>}
        <TxStatus state={tx.state} />
      </td>
    </tr>
  );
}

/** Every token claimable now in one `claimMany` transaction (all or none), when there are several. */
function ClaimAll({
  account,
  requests,
  onClaimed,
}: {
  account: Address;
  requests: { token: Address; cumulativeAmount: bigint; proof: Hex[] }[];
  onClaimed: () => void;
}) {
  const queryClient = useQueryClient();
  const distributor = useContractAddress("RewardDistributor");
  const { blocked } = useWriter();
  const tx = useTx();
  if (requests.length < 2 && tx.state.status === "idle") return null;

  async function send() {
    const sent = await tx.send("Claiming every token", {
      address: distributor,
      abi: rewardDistributorAbi,
      functionName: "claimMany",
      args: [account, requests],
    });
    if (sent) {
      await queryClient.invalidateQueries(); // balances and on-chain claimed amounts of every row
      onClaimed();
    }
  }

  return (
    <p data-testid="claim-all">
      <button disabled={requests.length < 2 || blocked !== null || tx.busy} onClick={() => void send()}>
        Claim all in one transaction
      </button>
      <TxStatus state={tx.state} />
    </p>
  );
}

function sameRoot(root: string, currentRoot: Hex | undefined): boolean {
  return currentRoot !== undefined && root.toLowerCase() === currentRoot.toLowerCase();
}

/** One bar per epoch: what the epoch added to the account's rewards in this token. */
function EpochChart({ token, history }: { token: Token; history: AccountRewards["history"] }) {
  // An epoch that paid nobody has no rewards tree, so no history entry: it is drawn as an empty slot.
  const byEpoch = new Map(history.map((epoch) => [epoch.epoch, epoch]));
  const last = history[history.length - 1]?.epoch ?? -1;
  const first = Math.max(history[0]?.epoch ?? 0, last - CHART_EPOCHS + 1);
  const earned = Array.from({ length: last - first + 1 }, (_, index) => {
    const amounts = byEpoch.get(first + index)?.amounts ?? [];
    const amount = amounts.find((entry) => sameAddress(entry.token, token.address))?.earned ?? "0";
    return { epoch: first + index, amount: BigInt(amount) };
  });
  const highest = earned.reduce((max, point) => maxBigint(max, point.amount), 0n);
  const [width, height, top, bottom, left] = [560, 170, 18, 22, 8];
  const slot = (width - left) / Math.max(earned.length, 1);
  const barHeight = (amount: bigint) =>
    highest === 0n ? 0 : (Number((amount * 10_000n) / highest) / 10_000) * (height - top - bottom);
  return (
    <figure className="epoch-chart" data-testid={`chart-${token.symbol}`}>
      <figcaption>
        {token.symbol} earned per epoch (highest: {formatAmount(highest, token.decimals, token.symbol)})
      </figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${token.symbol} earned in each of the last ${earned.length} epochs`}
      >
        <line x1={left} x2={width} y1={height - bottom} y2={height - bottom} className="axis" />
        {earned.map((point, index) => {
          const barTop = height - bottom - barHeight(point.amount);
          const x = left + index * slot;
          return (
            <g key={point.epoch} data-testid="epoch-bar" data-epoch={point.epoch}>
              <rect x={x + slot * 0.15} y={barTop} width={slot * 0.7} height={height - bottom - barTop}>
                <title>
                  Epoch {point.epoch}: {formatAmount(point.amount, token.decimals, token.symbol)}
                </title>
              </rect>
              <text x={x + slot / 2} y={height - 6} textAnchor="middle">
                {point.epoch}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** Symbol and decimals of each token, read from the token contracts. */
function useTokens(addresses: string[]): Map<string, Token> {
  const reads = useReadContracts({
    contracts: addresses.flatMap((address) => [
      { address: getAddress(address), abi: erc20Abi, functionName: "symbol" } as const,
      { address: getAddress(address), abi: erc20Abi, functionName: "decimals" } as const,
    ]),
  });
  const tokens = new Map<string, Token>();
  addresses.forEach((address, index) => {
    const symbol = reads.data?.[2 * index]?.result;
    const decimals = reads.data?.[2 * index + 1]?.result;
    if (typeof symbol === "string" && typeof decimals === "number")
      tokens.set(address, { address: getAddress(address), symbol, decimals });
  });
  return tokens;
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
