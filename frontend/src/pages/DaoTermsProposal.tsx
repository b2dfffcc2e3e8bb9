// The form that proposes a licence-terms change for a model: the DAO's timelock alone may call
// LicenseManager.setTerms, so the change is a proposal whose one action is that call, encoded here.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { encodeFunctionData, formatUnits, parseUnits, type Address, type Hex } from "viem";
import { useReadContract } from "wagmi";

import { api, type Schemas } from "../api";
import { useContractAddress } from "../deployment";
import { describeError } from "../errors";
import { formatAmount, formatCount, formatDuration } from "../format";
import { licenseManagerAbi, provenanceTokenAbi, provenantGovernorAbi } from "../generated/abis";
import { TxStatus, useTx } from "../tx";
import { usePaymentToken, useWriter } from "../wallet";

type ModelSummary = Schemas["ModelSummary"];
type Terms = Schemas["TermsInfo"];

// Bits of Terms.permissions (ILicenseManager), in plain words.
const PERMISSIONS: [name: string, bit: number, words: string][] = [
  ["COMMERCIAL", 1, "Commercial use"],
  ["DERIVATIVES", 2, "Derivatives (fine-tune, merge, quantize)"],
  ["DISTILLATION", 4, "Distillation"],
  ["TRAIN_ON_OUTPUTS", 8, "Training on its outputs"],
  ["ATTRIBUTION", 16, "Attribution required"],
];
// The bounds ILicenseManager enforces on every terms field (setTerms reverts beyond them).
const MAX_PRICE = 10n ** 30n;
const MAX_DURATION_DAYS = 3_650;
const MAX_DERIVATIVE_SHARE_PERCENT = 50;
const MAX_DERIVATIVES = 1_000;
const MAX_FEE_PER_CALL = 10n ** 18n;
const MAX_CALLS = 10n ** 18n;
const DAY = 86_400;

type Fields = {
  price: string;
  durationDays: string;
  includedCalls: string;
  feePerCall: string;
  permissions: string[];
  maxDerivatives: string;
  derivativeSharePercent: string;
  contributorsPercent: string;
  description: string;
};

type EncodedTerms = {
  price: bigint;
  duration: number;
  contributorsBps: number;
  derivativeRevShareBps: number;
  permissions: number;
  maxDerivatives: number;
  feePerCall: bigint;
  includedCalls: bigint;
};

function fieldsOf(terms: Terms | null | undefined, decimals: number): Fields {
  return {
    price: terms ? formatUnits(BigInt(terms.price), decimals) : "",
    durationDays: terms ? String(terms.duration / DAY) : "30",
    includedCalls: terms ? String(terms.included_calls) : "0",
    feePerCall: terms ? formatUnits(BigInt(terms.fee_per_call), decimals) : "0",
    permissions: terms ? [...terms.permissions] : ["ATTRIBUTION"],
    maxDerivatives: terms ? String(terms.max_derivatives) : "1",
    derivativeSharePercent: terms ? String(terms.derivative_rev_share_bps / 100) : "0",
    contributorsPercent: terms ? String(terms.contributors_bps / 100) : "0",
    description: "",
  };
}

function amount(text: string, decimals: number, max: bigint, what: string): bigint {
  const trimmed = text.trim();
  const [, fraction = ""] = trimmed.split(".");
  if (!/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) throw new Error(`${what}: type an amount such as 12.5.`);
  if (fraction.length > decimals) throw new Error(`${what}: at most ${decimals} decimals.`);
  const units = parseUnits(trimmed, decimals);
  if (units > max) throw new Error(`${what}: at most ${formatUnits(max, decimals)}.`);
  return units;
}

function wholeNumber(text: string, max: bigint, what: string): bigint {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed)) throw new Error(`${what}: type a whole number, such as 10000.`);
  const value = BigInt(trimmed);
  if (value > max) throw new Error(`${what}: at most ${max.toLocaleString("en-US")}.`);
  return value;
}

function percentBps(text: string, max: number, what: string): number {
  const trimmed = text.trim();
  if (!/^[0-9]+(\.[0-9]{1,2})?$/.test(trimmed))
    throw new Error(`${what}: type a percentage such as 15 or 12.5 (at most two decimals).`);
  const bps = Math.round(Number(trimmed) * 100);
  if (bps > max * 100) throw new Error(`${what}: at most ${max} %.`);
  return bps;
}

/** The terms struct setTerms takes, or an error saying which field is wrong and how. */
function encodeTerms(fields: Fields, decimals: number): EncodedTerms {
  const days = Number(fields.durationDays.trim());
  if (!/^[0-9]+(\.[0-9]+)?$/.test(fields.durationDays.trim()) || !(days > 0))
    throw new Error("Duration: type a number of days above zero, such as 30.");
  if (days > MAX_DURATION_DAYS)
    throw new Error(`Duration: at most ${MAX_DURATION_DAYS.toLocaleString("en-US")} days.`);
  const duration = Math.max(1, Math.round(days * DAY));
  return {
    price: amount(fields.price, decimals, MAX_PRICE, "Price"),
    duration,
    contributorsBps: percentBps(fields.contributorsPercent, 100, "Contributors' share"),
    derivativeRevShareBps: percentBps(
      fields.derivativeSharePercent,
      MAX_DERIVATIVE_SHARE_PERCENT,
      "Share from derived models",
    ),
    permissions: PERMISSIONS.filter(([name]) => fields.permissions.includes(name)).reduce(
      (bits, [, bit]) => bits | bit,
      0,
    ),
    maxDerivatives: Number(wholeNumber(fields.maxDerivatives, BigInt(MAX_DERIVATIVES), "Models per licence")),
    feePerCall: amount(fields.feePerCall, decimals, MAX_FEE_PER_CALL, "Fee per extra call"),
    includedCalls: wholeNumber(fields.includedCalls, MAX_CALLS, "Included calls"),
  };
}

/** A LicenseManager.setTerms action in plain words, from the API's decoded arguments; null for other calls. */
export function setTermsInWords(
  action: Schemas["ActionInfo"],
  token: { decimals: number; symbol: string },
): string | null {
  if (action.contract !== "LicenseManager" || action.function !== "setTerms" || !action.args) return null;
  const { modelId, terms } = action.args as {
    modelId: number | string;
    terms: Record<string, number | string>;
  };
  const bits = Number(terms.permissions);
  const allowed = PERMISSIONS.filter(([name, bit]) => name !== "ATTRIBUTION" && bits & bit).map(
    ([, , words]) => words.toLowerCase(),
  );
  const money = (value: number | string | undefined) =>
    formatAmount(String(value ?? 0), token.decimals, token.symbol);
  return [
    `Model ${modelId}'s new terms: ${money(terms.price)} for ${formatDuration(Number(terms.duration))}`,
    `${formatCount(terms.includedCalls ?? 0)} calls included, then ${money(terms.feePerCall)} a call`,
    allowed.length ? `allows ${allowed.join(", ")}` : "allows nothing beyond use",
    bits & 16 ? "attribution required" : "no attribution required",
    `${Number(terms.maxDerivatives)} derived model(s) per licence`,
    `${Number(terms.derivativeRevShareBps) / 100} % of derived models' sales`,
    `${Number(terms.contributorsBps) / 100} % of its revenue to its data contributors`,
  ].join("; ");
}

export function TermsProposalForm({ blockNumber }: { blockNumber: bigint | undefined }) {
  const { account, blocked } = useWriter();
  const token = usePaymentToken();
  const licenseManager = useContractAddress("LicenseManager");
  const governor = useContractAddress("ProvenantGovernor");
  const prov = useContractAddress("ProvenanceToken");
  const tx = useTx();
  const queryClient = useQueryClient();
  const models = useQuery({
    queryKey: ["models", "all"],
    queryFn: () => api<Schemas["Page_ModelSummary_"]>("/v1/models?limit=100"),
  });
  const threshold = useReadContract({
    address: governor,
    abi: provenantGovernorAbi,
    functionName: "proposalThreshold",
  });
  // Governor.propose counts the proposer's votes at the previous block, so votes delegated in this block
  // do not count yet.
  const previousBlock = blockNumber !== undefined && blockNumber > 0n ? blockNumber - 1n : undefined;
  const votes = useReadContract({
    address: prov,
    abi: provenanceTokenAbi,
    functionName: "getPastVotes",
    args: account && previousBlock !== undefined ? [account, previousBlock] : undefined,
    query: { enabled: account !== undefined && previousBlock !== undefined },
  });
  const [modelId, setModelId] = useState<number | null>(null);
  const [fields, setFields] = useState<Fields | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (models.isPending) return <p className="loading">Loading the models…</p>;
  if (models.isError)
    return (
      <p className="error" role="alert">
        {describeError(models.error)}
      </p>
    );
  const model: ModelSummary | undefined = models.data.data.find((candidate) => candidate.id === modelId);

  function pick(id: number) {
    const picked = models.data?.data.find((candidate) => candidate.id === id);
    setModelId(picked ? id : null);
    setFields(picked ? fieldsOf(picked.terms, token.decimals) : null);
    setError(null);
    tx.reset();
  }

  let encoded: { terms: EncodedTerms; calldata: Hex } | null = null;
  let invalid: string | null = null;
  if (model && fields) {
    try {
      const terms = encodeTerms(fields, token.decimals);
      const calldata = encodeFunctionData({
        abi: licenseManagerAbi,
        functionName: "setTerms",
        args: [BigInt(model.id), terms],
      });
      encoded = { terms, calldata };
    } catch (problem) {
      invalid = describeError(problem);
    }
  }

  const enoughVotes =
    threshold.data !== undefined && votes.data !== undefined ? votes.data >= threshold.data : false;

  const set = (patch: Partial<Fields>) =>
    setFields((current) => (current ? { ...current, ...patch } : current));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!fields || !model || !encoded) return;
    if (fields.description.trim() === "")
      return setError("Description: say what changes and why; its first line is the proposal's title.");
    setError(null);
    const proposed = await tx.send("Propose the terms change", {
      address: governor,
      abi: provenantGovernorAbi,
      functionName: "propose",
      args: [[licenseManager as Address], [0n], [encoded.calldata], fields.description.trim()],
    });
    if (proposed) {
      set({ description: "" }); // the same actions and description again would be the same proposal
      await queryClient.invalidateQueries({ queryKey: ["proposals"] });
    }
  }

  return (
    <form className="card" onSubmit={submit} data-testid="terms-proposal">
      <h2>Propose a licence-terms change</h2>
      <p className="muted">
        Only the DAO may change a model's terms once it is registered. The new terms apply to licences sold
        after the proposal is executed; licences already sold keep the terms they were bought under.
      </p>
      <label>
        Model{" "}
        <select
          aria-label="Model"
          value={modelId ?? ""}
          onChange={(event) => pick(Number(event.target.value))}
        >
          <option value="">Pick a model…</option>
          {models.data.data.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              Model {candidate.id}
              {candidate.terms
                ? ` (now ${formatAmount(candidate.terms.price, token.decimals, token.symbol)}, terms version ${candidate.terms.version})`
                : ""}
            </option>
          ))}
        </select>
      </label>
      {model && fields && (
        <fieldset>
          <legend>New terms for model {model.id}</legend>
          <p>
            <label>
              Price ({token.symbol}){" "}
              <input
                aria-label="Price"
                value={fields.price}
                onChange={(e) => set({ price: e.target.value })}
              />
            </label>
          </p>
          <p>
            <label>
              Duration (days){" "}
              <input
                aria-label="Duration in days"
                value={fields.durationDays}
                onChange={(e) => set({ durationDays: e.target.value })}
              />
            </label>
          </p>
          <p>
            <label>
              Included calls{" "}
              <input
                aria-label="Included calls"
                value={fields.includedCalls}
                onChange={(e) => set({ includedCalls: e.target.value })}
              />
            </label>{" "}
            <label>
              Fee per extra call ({token.symbol}){" "}
              <input
                aria-label="Fee per extra call"
                value={fields.feePerCall}
                onChange={(e) => set({ feePerCall: e.target.value })}
              />
            </label>
          </p>
          <p>
            Licensees may:{" "}
            {PERMISSIONS.map(([name, , words]) => (
              <label key={name}>
                <input
                  type="checkbox"
                  checked={fields.permissions.includes(name)}
                  onChange={(e) =>
                    set({
                      permissions: e.target.checked
                        ? [...fields.permissions, name]
                        : fields.permissions.filter((held) => held !== name),
                    })
                  }
                />{" "}
                {words}{" "}
              </label>
            ))}
          </p>
          <p>
            <label>
              Models one licence may derive (at most {MAX_DERIVATIVES}){" "}
              <input
                aria-label="Models per licence"
                value={fields.maxDerivatives}
                onChange={(e) => set({ maxDerivatives: e.target.value })}
              />
            </label>
          </p>
          <p>
            <label>
              Share from derived models (%, at most {MAX_DERIVATIVE_SHARE_PERCENT}){" "}
              <input
                aria-label="Share from derived models"
                value={fields.derivativeSharePercent}
                onChange={(e) => set({ derivativeSharePercent: e.target.value })}
              />
            </label>{" "}
            <label>
              Contributors' share of this model's revenue (%){" "}
              <input
                aria-label="Contributors' share"
                value={fields.contributorsPercent}
                onChange={(e) => set({ contributorsPercent: e.target.value })}
              />
            </label>
          </p>
          <p>
            <label>
              Description (first line: the title)
              <br />
              <textarea
                aria-label="Description"
                rows={3}
                cols={70}
                value={fields.description}
                placeholder={`Model ${model.id}: new licence terms`}
                onChange={(e) => set({ description: e.target.value })}
              />
            </label>
          </p>
          {invalid ? (
            <p className="error" role="alert" data-testid="terms-error">
              {invalid}
            </p>
          ) : (
            encoded && (
              <p className="muted">
                The proposal will call <code>LicenseManager.setTerms({model.id}, …)</code>, encoded as{" "}
                <code className="hash" data-testid="calldata">
                  {encoded.calldata}
                </code>
              </p>
            )
          )}
        </fieldset>
      )}
      {error && (
        <p className="error" role="alert" data-testid="terms-error">
          {error}
        </p>
      )}
      {blocked ? (
        <p className="muted">{blocked}</p>
      ) : (
        threshold.data !== undefined &&
        votes.data !== undefined &&
        !enoughVotes && (
          <p className="muted">
            Proposing needs {formatAmount(threshold.data, 18, "PROV")} of voting power delegated to you before
            this block; you have {formatAmount(votes.data, 18, "PROV")}.
          </p>
        )
      )}
      <button type="submit" disabled={!encoded || blocked !== null || !enoughVotes || tx.busy}>
        Propose
      </button>
      <TxStatus state={tx.state} />
    </form>
  );
}
