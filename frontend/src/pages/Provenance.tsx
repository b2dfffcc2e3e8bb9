// The audit trail of a model or dataset, and a contribution's inclusion proof checked here, in the browser,
// against the dataset version's root read from the chain (not the API's word for it).
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { getAddress, type Hex } from "viem";
import { useReadContract } from "wagmi";

import { api, ApiError, type Schemas } from "../api";
import { useContractAddress } from "../deployment";
import { describeError } from "../errors";
import { shortAddress } from "../format";
import { assetRegistryAbi } from "../generated/abis";
import { href, Link } from "../router";
import { contributionLeafHash, rootFromProof } from "./merkle";

type Trail = Schemas["ProvenanceTrail"];
type OnChainRef = Schemas["OnChainRef"];
type Contribution = Schemas["ContributionInfo"];
type Proof = Schemas["ContributionProofInfo"];

// A 4xx (no such asset, not in this version) will not change on a retry: show it at once.
const retryUnlessRefused = (failures: number, error: Error) =>
  !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 3;

const EDGE_WORDS: Record<string, string> = {
  FINE_TUNE: "fine-tuned from",
  DISTILL: "distilled from",
  TRAIN_ON_OUTPUTS: "trained on the outputs of",
  MERGE: "merged from",
  QUANTIZE: "quantized from",
};

export function Provenance({ assetId }: { assetId: string | undefined }) {
  return (
    <>
      <h1>Provenance</h1>
      <p className="muted">
        Where a model or dataset came from, each step with the block and transaction that recorded it on
        chain. A dataset's contributions can be checked against the root its version holds on chain.
      </p>
      <AssetIdForm key={assetId ?? ""} current={assetId} />
      {assetId === undefined ? null : /^[1-9][0-9]{0,18}$/.test(assetId) ? (
        <AuditTrail key={assetId} assetId={assetId} />
      ) : (
        <p className="error" role="alert">
          "{assetId}" is not an asset id: type a whole number such as 1.
        </p>
      )}
    </>
  );
}

function AssetIdForm({ current }: { current: string | undefined }) {
  const [text, setText] = useState(current ?? "");
  function submit(event: FormEvent) {
    event.preventDefault();
    window.location.hash = href("provenance", text.trim());
  }
  return (
    <form className="card" onSubmit={submit}>
      <label>
        Asset id (model or dataset){" "}
        <input value={text} inputMode="numeric" onChange={(event) => setText(event.target.value)} />
      </label>{" "}
      <button type="submit" disabled={text.trim() === ""}>
        Show provenance
      </button>
    </form>
  );
}

function AuditTrail({ assetId }: { assetId: string }) {
  const trail = useQuery({
    queryKey: ["provenance", assetId],
    queryFn: () => api<Trail>(`/v1/provenance/${assetId}`),
    retry: retryUnlessRefused,
  });
  if (trail.isPending) return <p className="loading">Loading the audit trail of asset {assetId}…</p>;
  if (trail.isError)
    return (
      <p className="error" role="alert">
        {describeError(trail.error)}
      </p>
    );
  const asset = trail.data;
  return (
    <section data-testid="audit-trail">
      <h2>
        {asset.kind === "model" ? "Model" : "Dataset"} {asset.asset_id}
      </h2>
      <dl>
        <dt>{asset.kind === "model" ? "Owner" : "Curator"}</dt>
        <dd>
          <code>{asset.owner}</code>
        </dd>
        <dt>Manifest (IPFS)</dt>
        <dd>
          <code>{asset.manifest_cid}</code>
        </dd>
        <dt>Registered</dt>
        <dd>
          <Recorded at={asset.registered} />
        </dd>
      </dl>
      {asset.kind === "model" ? <ModelTrail trail={asset} /> : <DatasetTrail trail={asset} />}
    </section>
  );
}

function Recorded({ at }: { at: OnChainRef }) {
  return (
    <span>
      block {at.block_number}
      {at.transaction_hash ? (
        <>
          , transaction <code className="hash">{at.transaction_hash}</code>
        </>
      ) : (
        <span className="muted"> (transaction not indexed yet)</span>
      )}
    </span>
  );
}

function ModelTrail({ trail }: { trail: Trail }) {
  return (
    <>
      <h3>Weight versions</h3>
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Manifest</th>
            <th>Weights hash</th>
            <th>Recorded</th>
          </tr>
        </thead>
        <tbody>
          {trail.versions.map((version) => (
            <tr key={version.version}>
              <td>{version.version}</td>
              <td>
                <code>{version.manifest_cid}</code>
              </td>
              <td>
                <code className="hash">{version.weights_hash}</code>
              </td>
              <td>
                <Recorded at={version.recorded} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Derived from</h3>
      {trail.derived_from.length === 0 ? (
        <p className="muted">An original model: it has no parent models.</p>
      ) : (
        <ul data-testid="derived-from">
          {trail.derived_from.map((step) => (
            <li key={`${step.parent_id}-${step.edge_type}`}>
              {EDGE_WORDS[step.edge_type] ?? step.edge_type}{" "}
              <Link to={["provenance", step.parent_id]}>model {step.parent_id}</Link>{" "}
              {step.licence_id === null ? (
                "(the registrant owned it)"
              ) : (
                <>
                  under licence {step.licence_id}
                  {step.licence?.terms && (
                    <>
                      {" "}
                      (terms version {step.licence.terms.version}, allowing{" "}
                      {step.licence.terms.permissions.join(", ").toLowerCase()})
                    </>
                  )}
                  {step.licence?.purchased && (
                    <>
                      , bought in <Recorded at={step.licence.purchased} />
                    </>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
      )}

      <h3>Trained on</h3>
      {trail.trained_on.length === 0 ? (
        <p className="muted">No training datasets are recorded for this model.</p>
      ) : (
        <table data-testid="trained-on">
          <thead>
            <tr>
              <th>Dataset</th>
              <th>Version</th>
              <th>Weight</th>
              <th>Contributions root</th>
              <th>Committed</th>
            </tr>
          </thead>
          <tbody>
            {trail.trained_on.map((step) => (
              <tr key={`${step.dataset_id}-${step.version}`}>
                <td>
                  <Link to={["provenance", step.dataset_id]}>dataset {step.dataset_id}</Link>
                </td>
                <td>{step.version}</td>
                <td>{step.weight_bps / 100} %</td>
                <td>
                  <code className="hash">
                    {step.dataset_version?.contributions_root ?? "not indexed yet"}
                  </code>
                </td>
                <td>{step.dataset_version ? <Recorded at={step.dataset_version.recorded} /> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function DatasetTrail({ trail }: { trail: Trail }) {
  const versions = trail.dataset_versions;
  const [checking, setChecking] = useState<number | null>(null);
  const [version, setVersion] = useState<number | null>(null);
  const chosenVersion = version ?? versions.at(-1)?.version ?? null;
  const contributions = useQuery({
    queryKey: ["contributions", trail.asset_id, "accepted"],
    queryFn: () =>
      api<Contribution[]>(`/v1/contributions?dataset_id=${trail.asset_id}&status=accepted&limit=500`),
  });
  return (
    <>
      <h3>Versions</h3>
      {versions.length === 0 ? (
        <p className="muted">
          No version committed yet: a version (a Merkle root over the accepted contributions) is committed
          when an epoch closes.
        </p>
      ) : (
        <table data-testid="dataset-versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Contributions root</th>
              <th>Manifest (the tree's leaves)</th>
              <th>Committed</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((step) => (
              <tr key={step.version}>
                <td>{step.version}</td>
                <td>
                  <code className="hash">{step.contributions_root}</code>
                </td>
                <td>
                  <code>{step.manifest_cid}</code>
                </td>
                <td>
                  <Recorded at={step.recorded} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Accepted contributions</h3>
      {contributions.isPending ? (
        <p className="loading">Loading the contributions…</p>
      ) : contributions.isError ? (
        <p className="error" role="alert">
          {describeError(contributions.error)}
        </p>
      ) : contributions.data.length === 0 ? (
        <p className="muted">No contribution to this dataset has been accepted yet.</p>
      ) : (
        <>
          {chosenVersion !== null && (
            <p>
              <label>
                Check inclusion in version{" "}
                <select
                  aria-label="Dataset version"
                  value={chosenVersion}
                  onChange={(event) => {
                    setVersion(Number(event.target.value));
                    setChecking(null);
                  }}
                >
                  {versions.map((step) => (
                    <option key={step.version} value={step.version}>
                      {step.version}
                    </option>
                  ))}
                </select>
              </label>
            </p>
          )}
          <table data-testid="contributions">
            <thead>
              <tr>
                <th>Id</th>
                <th>Contributor</th>
                <th>File</th>
                <th>CID</th>
                <th>Weight</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {contributions.data.map((contribution) => (
                <tr key={contribution.id} data-testid={`contribution-${contribution.id}`}>
                  <td>{contribution.id}</td>
                  <td>
                    <code title={contribution.contributor}>{shortAddress(contribution.contributor)}</code>
                  </td>
                  <td>{contribution.filename}</td>
                  <td>
                    <code>{contribution.cid}</code>
                  </td>
                  <td>{contribution.weight}</td>
                  <td>
                    {chosenVersion !== null && (
                      <button className="secondary" onClick={() => setChecking(contribution.id)}>
                        Check proof
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {checking !== null && chosenVersion !== null && (
            <ProofCheck
              key={`${chosenVersion}-${checking}`}
              datasetId={trail.asset_id}
              version={chosenVersion}
              contributionId={checking}
            />
          )}
        </>
      )}
    </>
  );
}

type Verdict = { leaf: Hex; computedRoot: Hex; onChainRoot: Hex; checks: boolean } | { error: string };

function verdictOf(proof: Proof, onChainRoot: Hex): Verdict {
  try {
    const leaf = contributionLeafHash(
      getAddress(proof.leaf.contributor),
      proof.leaf.cid,
      BigInt(proof.leaf.weight),
    );
    const computedRoot = rootFromProof(leaf, proof.proof as Hex[]);
    return {
      leaf,
      computedRoot,
      onChainRoot,
      checks: computedRoot.toLowerCase() === onChainRoot.toLowerCase(),
    };
  } catch (error) {
    return { error: `The proof's leaf cannot be rebuilt: ${describeError(error)}` };
  }
}

function ProofCheck({
  datasetId,
  version,
  contributionId,
}: {
  datasetId: number;
  version: number;
  contributionId: number;
}) {
  const proof = useQuery({
    queryKey: ["proof", datasetId, version, contributionId],
    queryFn: () => api<Proof>(`/v1/datasets/${datasetId}/versions/${version}/proof/${contributionId}`),
    retry: retryUnlessRefused,
  });
  const onChain = useReadContract({
    address: useContractAddress("AssetRegistry"),
    abi: assetRegistryAbi,
    functionName: "datasetVersion",
    args: [BigInt(datasetId), BigInt(version)],
  });
  const heading = `Contribution ${contributionId} in version ${version} of dataset ${datasetId}`;
  if (proof.isPending || onChain.isPending)
    return <p className="loading">Fetching the proof and reading the root from the chain…</p>;
  if (proof.isError || onChain.isError)
    return (
      <div className="card" data-testid="proof-result" data-verified="false">
        <h3>{heading}</h3>
        <p className="error" role="alert">
          {proof.isError
            ? `No proof: ${describeError(proof.error)}`
            : `The chain could not be read: ${describeError(onChain.error)}`}
        </p>
      </div>
    );
  const verdict = verdictOf(proof.data, onChain.data.contributionsRoot);
  return (
    <div className="card" data-testid="proof-result" data-verified={"checks" in verdict && verdict.checks}>
      <h3>{heading}</h3>
      {"error" in verdict ? (
        <p className="error" role="alert">
          {verdict.error}
        </p>
      ) : verdict.checks ? (
        <p className="ok">
          ✓ The proof checks against the on-chain root: this contribution is in this version.
        </p>
      ) : (
        <p className="error" role="alert">
          ✗ The proof does not check against the on-chain root: it leads to a different root, so this
          contribution cannot be shown to be in this version.
        </p>
      )}
      <dl>
        <dt>Leaf (contributor, contribution CID, weight)</dt>
        <dd>
          <code>{proof.data.leaf.contributor}</code>, <code>{proof.data.leaf.cid}</code>,{" "}
          {proof.data.leaf.weight}
        </dd>
        {"leaf" in verdict && (
          <>
            <dt>Leaf hash, computed here</dt>
            <dd>
              <code className="hash">{verdict.leaf}</code>
            </dd>
          </>
        )}
        <dt>
          Proof ({proof.data.proof.length} sibling {proof.data.proof.length === 1 ? "hash" : "hashes"}, from
          the leaf up)
        </dt>
        <dd>
          <ol>
            {proof.data.proof.map((sibling, index) => (
              <li key={index}>
                <code className="hash">{sibling}</code>
              </li>
            ))}
          </ol>
        </dd>
        {"computedRoot" in verdict && (
          <>
            <dt>Root the proof leads to</dt>
            <dd>
              <code className="hash" data-testid="computed-root">
                {verdict.computedRoot}
              </code>
            </dd>
            <dt>Root on chain (AssetRegistry.datasetVersion)</dt>
            <dd>
              <code className="hash" data-testid="on-chain-root">
                {verdict.onChainRoot}
              </code>
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
