// One model (GET /v1/models/{id} and its lineage): versions, terms in plain words, training data, royalty
// stack, the lineage graph, and buying a licence at the price shown (maxPrice guards a change in flight).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { BaseError, ContractFunctionRevertedError, type Address } from "viem";
import { useBlock, useConfig } from "wagmi";

import { api, ApiError, type Schemas } from "../api";
import { useContractAddress } from "../deployment";
import { describeError } from "../errors";
import { formatAmount, formatTime } from "../format";
import { licenseManagerAbi } from "../generated/abis";
import { href } from "../router";
import { payingSteps } from "../payment";
import { TxStatus, useTx, type TxStep } from "../tx";
import { usePaymentToken, useTokenBalance, useWriter } from "../wallet";
import { LineageGraph } from "./LineageGraph";
import "./ModelPage.css";
import {
  percent,
  permissionWords,
  priceWords,
  termsInWords,
  usageWords,
  type Terms,
  type Token,
} from "./ModelTerms";

type Model = Schemas["ModelDetail"];
const BUY_LABEL = "Buy the licence";

export function ModelPage({ modelId }: { modelId: string }) {
  const id = /^[1-9]\d*$/.test(modelId) ? Number(modelId) : null;
  const model = useQuery({
    queryKey: ["model", id],
    queryFn: () => api<Model>(`/v1/models/${id}`),
    enabled: id !== null,
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  });
  const lineage = useQuery({
    queryKey: ["lineage", id],
    queryFn: () => api<Schemas["LineageGraph"]>(`/v1/models/${id}/lineage`),
    enabled: id !== null,
  });

  if (id === null)
    return <p className="error">“{modelId}” is not a model id: ids are whole numbers from 1.</p>;
  if (model.isPending) return <p className="loading">Loading model #{id}…</p>;
  if (model.isError)
    return (
      <p className="error" role="alert">
        {describeError(model.error)} <a href={href("models")}>Back to the models</a>
      </p>
    );
  const detail = model.data;
  return (
    <>
      <p>
        <a href={href("models")}>← All models</a>
      </p>
      <h1>Model #{detail.id}</h1>
      <p>
        Owned by <code title={detail.owner}>{detail.owner}</code>; manifest{" "}
        <code className="hash">{detail.manifest_cid}</code> ·{" "}
        <a href={href("provenance", detail.id)}>Full provenance</a>
      </p>

      <section className="card" data-testid="terms">
        <h2>Licence terms</h2>
        {detail.terms ? (
          <CurrentTerms terms={detail.terms} />
        ) : (
          <p className="muted">This model has no licence terms yet, so no licence can be bought.</p>
        )}
        {detail.terms && <BuyLicence model={detail} terms={detail.terms} onStale={() => model.refetch()} />}
      </section>

      <section className="card">
        <h2>Lineage</h2>
        {lineage.isPending && <p className="loading">Loading the lineage…</p>}
        {lineage.isError && (
          <p className="error">The lineage could not be loaded: {describeError(lineage.error)}</p>
        )}
        {lineage.data && (
          <>
            <p className="muted">
              {lineage.data.edges.length === 0
                ? "This model has no parents, no training datasets and no derived models on record."
                : "Parent models and training data above, models derived from this one below; click a box to open it."}
            </p>
            {lineage.data.nodes.length > 1 && <LineageGraph graph={lineage.data} />}
          </>
        )}
      </section>

      <section className="card">
        <h2>Versions</h2>
        <table data-testid="versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Manifest CID</th>
              <th>Weights hash</th>
              <th>Published</th>
            </tr>
          </thead>
          <tbody>
            {detail.versions.map((version) => (
              <VersionRow key={version.version} version={version} />
            ))}
          </tbody>
        </table>
      </section>

      <section className="card">
        <h2>Training data</h2>
        <TrainingData model={detail} />
      </section>

      <section className="card">
        <h2>Royalty stack</h2>
        <RoyaltyStack model={detail} />
      </section>

      {detail.terms_history.length > 1 && (
        <section className="card">
          <h2>Earlier terms</h2>
          <p className="muted">
            A licence keeps the terms it was bought under; these applied to earlier sales.
          </p>
          <ul>
            {detail.terms_history.slice(0, -1).map((terms) => (
              <li key={terms.version}>
                Version {terms.version} (block {terms.block_number}): <TermsSentence terms={terms} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function TermsSentence({ terms }: { terms: Terms }) {
  return <>{termsInWords(terms, usePaymentToken())}</>;
}

function CurrentTerms({ terms }: { terms: Terms }) {
  const token = usePaymentToken();
  return (
    <>
      <p data-testid="terms-sentence">{termsInWords(terms, token)}</p>
      <dl className="terms">
        <dt>Price</dt>
        <dd data-testid="price">{priceWords(terms, token)}</dd>
        <dt>Usage</dt>
        <dd>{usageWords(terms, token)}</dd>
        <dt>Permissions</dt>
        <dd>{permissionWords(terms.permissions)}</dd>
        <dt>Derived models pay it</dt>
        <dd>{percent(terms.derivative_rev_share_bps)} of every payment they receive</dd>
        <dt>Data contributors get</dt>
        <dd>{percent(terms.contributors_bps)} of its revenue</dd>
        <dt>Terms version</dt>
        <dd>
          {terms.version} (published in block {terms.block_number})
        </dd>
      </dl>
    </>
  );
}

function VersionRow({ version }: { version: Model["versions"][number] }) {
  const block = useBlock({ blockNumber: BigInt(version.block_number) });
  return (
    <tr>
      <td>{version.version}</td>
      <td>
        <code className="hash">{version.manifest_cid}</code>
      </td>
      <td>
        <code className="hash">{version.weights_hash}</code>
      </td>
      <td>{block.data ? formatTime(Number(block.data.timestamp)) : `block ${version.block_number}`}</td>
    </tr>
  );
}

function TrainingData({ model }: { model: Model }) {
  if (model.training_datasets.length === 0)
    return <p className="muted">No training datasets are recorded for this model.</p>;
  return (
    <table data-testid="training-datasets">
      <thead>
        <tr>
          <th>Dataset</th>
          <th>Version trained on</th>
          <th>Weight</th>
          <th>Contributions root</th>
        </tr>
      </thead>
      <tbody>
        {model.training_datasets.map((use) => (
          <tr key={use.dataset_id}>
            <td>
              <a href={href("provenance", use.dataset_id)}>Dataset #{use.dataset_id}</a>
            </td>
            <td>{use.version}</td>
            <td>{percent(use.weight_bps)} of the contributors' share</td>
            <td>
              {use.contributions_root ? (
                <code className="hash">{use.contributions_root}</code>
              ) : (
                <span className="muted">not indexed yet</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RoyaltyStack({ model }: { model: Model }) {
  if (model.royalty_stack.length === 0)
    return <p className="muted">No upstream model takes a share of this model's payments.</p>;
  const total = model.royalty_stack.reduce((sum, entry) => sum + entry.rev_share_bps, 0);
  return (
    <>
      <p>
        Of every payment for this model, {percent(total)} goes up its lineage (after the protocol fee); the
        rest is split between its owner and its data contributors.
      </p>
      <ul data-testid="royalty-stack">
        {model.royalty_stack.map((entry) => (
          <li key={entry.model_id}>
            <a href={href("models", entry.model_id)}>Model #{entry.model_id}</a> takes{" "}
            {percent(entry.rev_share_bps)}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The sentence for a purchase refused because the terms changed since they were shown
 * (LicenseManagerTermsVersionMismatch) or the price is above the one shown (LicenseManagerPriceAboveMax). */
function termsChange(error: unknown, token: Token): string | null {
  if (!(error instanceof BaseError)) return null;
  const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return null;
  const nothingLost = "No licence was bought and nothing was paid.";
  if (revert.data?.errorName === "LicenseManagerTermsVersionMismatch") {
    const [shown, current] = revert.data.args as readonly [bigint, bigint];
    return (
      `The licence terms changed to version ${current} since you loaded the page (you were shown ` +
      `version ${shown}); reload to see the new terms. ${nothingLost}`
    );
  }
  if (revert.data?.errorName === "LicenseManagerPriceAboveMax") {
    const [price, shown] = revert.data.args as readonly [bigint, bigint];
    return (
      `The price is ${formatAmount(price, token.decimals, token.symbol)}, above the ` +
      `${formatAmount(shown, token.decimals, token.symbol)} you were shown; reload to see the terms. ${nothingLost}`
    );
  }
  return null;
}

function BuyLicence({ model, terms, onStale }: { model: Model; terms: Terms; onStale: () => void }) {
  const config = useConfig();
  const token = usePaymentToken();
  const { account, blocked } = useWriter();
  const licenseManager = useContractAddress("LicenseManager");
  const tx = useTx();
  const [readError, setReadError] = useState<string | null>(null);
  const price = BigInt(terms.price);
  const balance = useTokenBalance(token.address, account);
  const held = useQuery({
    queryKey: ["licences", account, model.id],
    queryFn: () => api<Schemas["Page_LicenceInfo_"]>(`/v1/licences?holder=${account}&model_id=${model.id}`),
    enabled: account !== undefined,
    refetchInterval: 5_000, // a licence just bought shows once the indexer has seen it
  });
  const validLicences = held.data?.data.filter((licence) => licence.valid) ?? [];
  const short = balance.data !== undefined && balance.data < price;
  const staleTerms = tx.state.status === "failed" && termsChange(tx.state.error, token) !== null;

  async function buy(buyer: Address) {
    const purchase: TxStep = [
      BUY_LABEL,
      {
        address: licenseManager,
        abi: licenseManagerAbi,
        functionName: "purchase",
        args: [BigInt(model.id), buyer, price, BigInt(terms.version)], // the price and terms shown
      },
    ];
    const steps = await payingSteps(config, {
      token,
      owner: buyer,
      spender: licenseManager,
      amount: price,
      pay: purchase,
    });
    await tx.sequence(steps);
    await Promise.all([balance.refetch(), held.refetch()]);
  }

  return (
    <div className="buy" data-testid="buy-licence">
      <h3>Buy a licence</h3>
      {validLicences.length > 0 && (
        <p className="ok" data-testid="held-licence">
          You hold {validLicences.length === 1 ? "a valid licence" : `${validLicences.length} valid licences`}{" "}
          on this model (
          {validLicences
            .map((licence) => `#${licence.id} until ${formatTime(licence.expires_at)}`)
            .join(", ")}
          ). <a href={href("licences")}>See My licences</a>
        </p>
      )}
      <p>
        Price: <strong>{formatAmount(price, token.decimals, token.symbol)}</strong> for the terms above
        (version {terms.version}). The purchase is refused if the price has risen by the time it reaches the
        chain.
      </p>
      {blocked ? (
        <p className="muted">{blocked}</p>
      ) : (
        <>
          {short && balance.data !== undefined && (
            <p className="error">
              You hold {formatAmount(balance.data, token.decimals, token.symbol)}; this licence costs{" "}
              {formatAmount(price, token.decimals, token.symbol)}.
            </p>
          )}
          <button
            disabled={tx.busy || short || balance.data === undefined}
            onClick={() => {
              setReadError(null);
              if (account)
                buy(account).catch((error: unknown) =>
                  setReadError(`Your allowance could not be read: ${describeError(error)}`),
                );
            }}
          >
            Buy for {formatAmount(price, token.decimals, token.symbol)}
          </button>
        </>
      )}
      {readError && <p className="error">{readError}</p>}
      <TxStatus state={tx.state} explain={(error) => termsChange(error, token)} />
      {staleTerms && (
        <button
          className="secondary"
          onClick={() => {
            tx.reset();
            onStale();
          }}
        >
          Load the new terms
        </button>
      )}
      {tx.state.status === "confirmed" && tx.state.label === BUY_LABEL && (
        <p className="ok" data-testid="bought">
          Licence bought. <a href={href("licences")}>See it on My licences</a> (it appears once the chain is
          indexed, within seconds).
        </p>
      )}
    </div>
  );
}
