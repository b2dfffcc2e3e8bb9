// The DAO: your PROV and voting power (with a prompt to delegate, since undelegated PROV never votes), the
// proposals with their state, tallies and decoded actions, voting with a reason, queue and execute, and the
// form that proposes a licence-terms change.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { getAddress, isAddress, keccak256, stringToHex, zeroAddress, type Address, type Hex } from "viem";
import { useBlock, useReadContract } from "wagmi";

import { api, type Schemas } from "../api";
import { useContractAddress } from "../deployment";
import { describeError } from "../errors";
import { formatAmount, formatTime, shortAddress } from "../format";
import { provenanceTokenAbi, provenantGovernorAbi } from "../generated/abis";
import { TxStatus, useTx } from "../tx";
import { usePaymentToken, useWriter } from "../wallet";
import { setTermsInWords, TermsProposalForm } from "./DaoTermsProposal";

type ProposalSummary = Schemas["ProposalSummary"];
type ProposalDetail = Schemas["ProposalDetail"];
type LatestBlock = { number: bigint; timestamp: bigint } | undefined;
type Tx = ReturnType<typeof useTx>;

const PROV_DECIMALS = 18;
const REFRESH_MS = 2_000; // proposal states move with every block
const prov = (value: bigint | string) => formatAmount(value, PROV_DECIMALS, "PROV");

const STATE_WORDS: Record<ProposalSummary["state"], string> = {
  pending: "Waiting for voting to open",
  active: "Voting open",
  canceled: "Canceled",
  defeated: "Defeated",
  succeeded: "Passed: ready to queue",
  queued: "Queued in the timelock",
  expired: "Expired without being executed",
  executed: "Executed",
};

export function Dao() {
  const latest = useBlock({ watch: true });
  const block: LatestBlock = latest.data
    ? { number: latest.data.number, timestamp: latest.data.timestamp }
    : undefined;
  return (
    <>
      <h1>DAO</h1>
      <p className="muted">
        PROV holders govern Provenant: licence terms, fees, emission and the treasury change only through
        proposals that pass a vote and wait out the timelock.
      </p>
      <VotingPower />
      <Proposals block={block} />
      <TermsProposalForm blockNumber={block?.number} />
    </>
  );
}

function useRefreshAfter() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries();
}

function VotingPower() {
  const { account, blocked } = useWriter();
  const token = useContractAddress("ProvenanceToken");
  const tx = useTx();
  const refresh = useRefreshAfter();
  const [delegatee, setDelegatee] = useState("");
  const enabled = { enabled: account !== undefined };
  const read = { address: token, abi: provenanceTokenAbi, args: account ? ([account] as const) : undefined };
  const balance = useReadContract({ ...read, functionName: "balanceOf", query: enabled });
  const delegate = useReadContract({ ...read, functionName: "delegates", query: enabled });
  const votes = useReadContract({ ...read, functionName: "getVotes", query: enabled });

  if (!account)
    return (
      <section className="card">
        <h2>Your voting power</h2>
        <p className="muted">{blocked}</p>
      </section>
    );
  if (balance.isError || delegate.isError || votes.isError)
    return (
      <p className="error" role="alert">
        {describeError(balance.error ?? delegate.error ?? votes.error)}
      </p>
    );
  if (balance.data === undefined || delegate.data === undefined || votes.data === undefined)
    return <p className="loading">Reading your PROV…</p>;

  async function delegateTo(to: Address, label: string) {
    if (
      await tx.send(label, { address: token, abi: provenanceTokenAbi, functionName: "delegate", args: [to] })
    )
      await refresh();
  }
  const typed = delegatee.trim();
  const typedValid = isAddress(typed, { strict: false });
  const undelegated = delegate.data === zeroAddress;
  const toSelf = !undelegated && getAddress(delegate.data) === getAddress(account);
  return (
    <section className="card" data-testid="voting-power">
      <h2>Your voting power</h2>
      <p>
        You hold <strong data-testid="prov-balance">{prov(balance.data)}</strong>; votes delegated to you:{" "}
        <strong data-testid="votes">{prov(votes.data)}</strong>.
      </p>
      {undelegated ? (
        balance.data > 0n && (
          <p className="banner" role="alert" data-testid="delegate-prompt">
            Your PROV is not delegated, and undelegated tokens do not vote. Delegate to yourself to vote, or
            to someone you trust to vote for you.
          </p>
        )
      ) : (
        <p>
          Delegated to <code data-testid="delegatee">{toSelf ? "yourself" : delegate.data}</code>. Votes count
          as delegated when a proposal's vote opens: a change now does not move votes on open proposals.
        </p>
      )}
      <p>
        <button
          disabled={tx.busy || blocked !== null || toSelf}
          onClick={() => delegateTo(account, "Delegate to yourself")}
        >
          Delegate to myself
        </button>{" "}
        or to{" "}
        <input
          aria-label="Delegate to address"
          placeholder="0x…"
          size={44}
          value={delegatee}
          onChange={(event) => setDelegatee(event.target.value)}
        />{" "}
        <button
          className="secondary"
          disabled={tx.busy || blocked !== null || !typedValid}
          onClick={() => delegateTo(getAddress(typed), `Delegate to ${shortAddress(typed)}`)}
        >
          Delegate to this address
        </button>
      </p>
      {typed !== "" && !typedValid && (
        <p className="error">That is not an address: an address is 0x followed by 40 hexadecimal digits.</p>
      )}
      {blocked && <p className="muted">{blocked}</p>}
      <TxStatus state={tx.state} />
    </section>
  );
}

function Proposals({ block }: { block: LatestBlock }) {
  const proposals = useQuery({
    queryKey: ["proposals"],
    queryFn: () => api<Schemas["Page_ProposalSummary_"]>("/v1/proposals?limit=50"),
    refetchInterval: REFRESH_MS,
  });
  return (
    <section>
      <h2>Proposals</h2>
      {proposals.isPending ? (
        <p className="loading">Loading the proposals…</p>
      ) : proposals.isError ? (
        <p className="error" role="alert">
          {describeError(proposals.error)}
        </p>
      ) : proposals.data.data.length === 0 ? (
        <p className="muted">No proposals yet.</p>
      ) : (
        proposals.data.data.map((summary) => (
          <ProposalCard key={summary.id} summary={summary} block={block} />
        ))
      )}
    </section>
  );
}

function ProposalCard({ summary, block }: { summary: ProposalSummary; block: LatestBlock }) {
  const detail = useQuery({
    queryKey: ["proposals", summary.id],
    queryFn: () => api<ProposalDetail>(`/v1/proposals/${summary.id}`),
    refetchInterval: REFRESH_MS,
  });
  // One transaction state per proposal, shown below it: it outlives the vote form, which a vote removes.
  const tx = useTx();
  const proposal = detail.data;
  const state = proposal?.state ?? summary.state;
  const tally = proposal?.tally ?? summary.tally;
  const supportSoFar = BigInt(tally.for) + BigInt(tally.abstain);
  return (
    <article className="card" data-testid="proposal" data-proposal-id={summary.id}>
      <h3>{summary.title}</h3>
      <p>
        <strong data-testid="proposal-state" data-state={state}>
          {STATE_WORDS[state]}
        </strong>{" "}
        <span className="muted">
          · proposed by <code title={summary.proposer}>{shortAddress(summary.proposer)}</code> in block{" "}
          {summary.created_block}
        </span>
      </p>
      <table>
        <tbody>
          <tr>
            <th>For</th>
            <td data-testid="tally-for">{prov(tally.for)}</td>
            <th>Against</th>
            <td data-testid="tally-against">{prov(tally.against)}</td>
            <th>Abstain</th>
            <td data-testid="tally-abstain">{prov(tally.abstain)}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted">
        {proposal?.quorum != null
          ? `Quorum: ${prov(proposal.quorum)} of For + Abstain (${BigInt(proposal.quorum) <= supportSoFar ? "reached" : `${prov(supportSoFar)} so far`}). `
          : "The quorum is set when voting opens. "}
        {votingWindow(summary, block)}
      </p>
      {detail.isError && (
        <p className="error" role="alert">
          {describeError(detail.error)}
        </p>
      )}
      {proposal && (
        <>
          <h4>{state === "executed" ? "It called" : "If executed, it will call"}</h4>
          <ul>
            {proposal.actions.map((action, index) => (
              <ActionItem key={index} action={action} />
            ))}
          </ul>
          {proposal.description.includes("\n") && (
            <p style={{ whiteSpace: "pre-wrap" }}>
              {proposal.description.split("\n").slice(1).join("\n").trim()}
            </p>
          )}
          {state === "active" && <VoteForm proposal={proposal} tx={tx} />}
          {(state === "succeeded" || state === "queued") && (
            <QueueOrExecute proposal={proposal} block={block} tx={tx} />
          )}
          <TxStatus state={tx.state} />
          <Votes votes={proposal.votes} />
        </>
      )}
    </article>
  );
}

function ActionItem({ action }: { action: ProposalDetail["actions"][number] }) {
  const words = setTermsInWords(action, usePaymentToken());
  return (
    <li data-testid="proposal-action">
      <code>{action.call}</code>
      {BigInt(action.value) > 0n && <> sending {formatAmount(action.value, 18, "ETH")}</>}
      {words && <p data-testid="terms-in-words">{words}</p>}
    </li>
  );
}

function votingWindow(summary: ProposalSummary, block: LatestBlock): string {
  if (!block) return `Voting from block ${summary.vote_start} to block ${summary.vote_end}.`;
  const now = block.number;
  if (now <= BigInt(summary.vote_start))
    return `Voting opens after block ${summary.vote_start} (${BigInt(summary.vote_start) - now + 1n} blocks from now).`;
  if (now <= BigInt(summary.vote_end))
    return `Voting ends with block ${summary.vote_end} (${BigInt(summary.vote_end) - now} blocks from now).`;
  return `Voting ended with block ${summary.vote_end}.`;
}

function Votes({ votes }: { votes: ProposalDetail["votes"] }) {
  if (votes.length === 0) return <p className="muted">No votes yet.</p>;
  return (
    <table data-testid="votes-cast">
      <thead>
        <tr>
          <th>Voter</th>
          <th>Vote</th>
          <th>Weight</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {votes.map((vote) => (
          <tr key={vote.voter}>
            <td>
              <code title={vote.voter}>{shortAddress(vote.voter)}</code>
            </td>
            <td>{vote.support}</td>
            <td>{prov(vote.weight)}</td>
            <td>{vote.reason || <span className="muted">(no reason given)</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const SUPPORT: [label: string, value: number][] = [
  ["For", 1],
  ["Against", 0],
  ["Abstain", 2],
];

function VoteForm({ proposal, tx }: { proposal: ProposalDetail; tx: Tx }) {
  const { account, blocked } = useWriter();
  const governor = useContractAddress("ProvenantGovernor");
  const refresh = useRefreshAfter();
  const [reason, setReason] = useState("");
  const id = BigInt(proposal.id);
  const voted = useReadContract({
    address: governor,
    abi: provenantGovernorAbi,
    functionName: "hasVoted",
    args: account ? [id, account] : undefined,
    query: { enabled: account !== undefined },
  });
  const weight = useReadContract({
    address: governor,
    abi: provenantGovernorAbi,
    functionName: "getVotes",
    args: account ? [account, BigInt(proposal.snapshot)] : undefined,
    query: { enabled: account !== undefined },
  });
  if (blocked) return <p className="muted">{blocked} Then you can vote.</p>;
  if (voted.data) return <p className="ok">You have voted on this proposal.</p>;
  if (weight.data === undefined) return null;
  if (weight.data === 0n)
    return (
      <p className="muted" data-testid="no-voting-weight">
        You had no votes delegated to you when this vote opened (block {proposal.snapshot}), so you cannot
        vote on it. Delegate now to vote on later proposals.
      </p>
    );

  async function vote(support: number, label: string) {
    const sent = await tx.send(`Vote ${label}`, {
      address: governor,
      abi: provenantGovernorAbi,
      functionName: "castVoteWithReason",
      args: [id, support, reason.trim()],
    });
    if (sent) await refresh();
  }
  return (
    <div data-testid="vote-form">
      <p>
        Your vote weighs {prov(weight.data)} (what was delegated to you at block {proposal.snapshot}).
      </p>
      <label>
        Reason (optional, public, kept on chain)
        <br />
        <textarea
          aria-label="Reason"
          rows={2}
          cols={70}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <p>
        {SUPPORT.map(([label, support]) => (
          <button key={label} disabled={tx.busy} onClick={() => vote(support, label)}>
            Vote {label}
          </button>
        ))}
      </p>
    </div>
  );
}

function QueueOrExecute({ proposal, block, tx }: { proposal: ProposalDetail; block: LatestBlock; tx: Tx }) {
  const { blocked } = useWriter();
  const governor = useContractAddress("ProvenantGovernor");
  const refresh = useRefreshAfter();
  // queue and execute take the proposal's actions and the hash of its description, as propose got them.
  const args = [
    proposal.actions.map((action) => getAddress(action.target)),
    proposal.actions.map((action) => BigInt(action.value)),
    proposal.actions.map((action) => action.calldata as Hex),
    keccak256(stringToHex(proposal.description)),
  ] as const;

  async function run(functionName: "queue" | "execute", label: string) {
    if (await tx.send(label, { address: governor, abi: provenantGovernorAbi, functionName, args }))
      await refresh();
  }
  const queued = proposal.state === "queued";
  const due =
    queued && proposal.eta !== null && block !== undefined && block.timestamp >= BigInt(proposal.eta);
  return (
    <div data-testid="queue-execute">
      {queued ? (
        <p>
          {proposal.eta === null
            ? "Queued in the timelock."
            : due
              ? `The timelock delay is over (since ${formatTime(proposal.eta)}): anyone may execute it.`
              : `In the timelock until ${formatTime(proposal.eta)}; it can be executed after that.`}
        </p>
      ) : (
        <p>It passed. Queue it in the timelock, which holds it for its delay before it can be executed.</p>
      )}
      {blocked ? (
        <p className="muted">{blocked}</p>
      ) : queued ? (
        <button disabled={tx.busy || !due} onClick={() => run("execute", "Execute the proposal")}>
          Execute
        </button>
      ) : (
        <button disabled={tx.busy} onClick={() => run("queue", "Queue the proposal")}>
          Queue
        </button>
      )}
    </div>
  );
}
