// The model catalogue (GET /v1/models): search by manifest CID or owner address, one row per model.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { api, type Schemas } from "../api";
import { describeError } from "../errors";
import { shortAddress } from "../format";
import { href } from "../router";
import { usePaymentToken } from "../wallet";
import { permissionWords, priceWords } from "./ModelTerms";

const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300; // one request once typing pauses, not one per key

export function Models() {
  const token = usePaymentToken();
  const [typed, setTyped] = useState("");
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  useEffect(() => {
    const timer = setTimeout(() => {
      setSearch(typed.trim());
      setOffset(0);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  const models = useQuery({
    queryKey: ["models", search, offset],
    queryFn: () => {
      const query = new URLSearchParams({ offset: String(offset), limit: String(PAGE_SIZE) });
      if (search) query.set("q", search);
      return api<Schemas["Page_ModelSummary_"]>(`/v1/models?${query}`);
    },
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <h1>Models</h1>
      <p className="muted">
        Every model registered on Provenant, with its lineage and licence terms. Open one to see where it came
        from and to buy a licence.
      </p>
      <p>
        <input
          type="search"
          aria-label="Search models"
          placeholder="Search by manifest CID or owner address"
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          size={48}
        />
      </p>
      {models.isPending && <p className="loading">Loading the models…</p>}
      {models.isError && (
        <p className="error" role="alert">
          The models could not be loaded: {describeError(models.error)}
        </p>
      )}
      {models.data && models.data.data.length === 0 && (
        <p data-testid="no-models">
          {search ? `No model's manifest CID or owner contains "${search}".` : "No model is registered yet."}
        </p>
      )}
      {models.data && models.data.data.length > 0 && (
        <>
          <table data-testid="model-catalogue">
            <thead>
              <tr>
                <th>Model</th>
                <th>Owner</th>
                <th>Licence</th>
                <th>Permissions</th>
                <th>Parents</th>
              </tr>
            </thead>
            <tbody>
              {models.data.data.map((model) => (
                <tr key={model.id} data-testid={`model-row-${model.id}`}>
                  <td>
                    <a href={href("models", model.id)}>Model #{model.id}</a>
                    <br />
                    <code className="hash" title="manifest CID">
                      {model.manifest_cid}
                    </code>
                  </td>
                  <td>
                    <code title={model.owner}>{shortAddress(model.owner)}</code>
                  </td>
                  <td>
                    {model.terms ? priceWords(model.terms, token) : <span className="muted">no terms</span>}
                  </td>
                  <td>{model.terms ? permissionWords(model.terms.permissions) : "—"}</td>
                  <td>{model.parents.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} count={models.data.count} onMove={setOffset} />
        </>
      )}
    </>
  );
}

function Pager({
  offset,
  count,
  onMove,
}: {
  offset: number;
  count: number;
  onMove: (offset: number) => void;
}) {
  if (count <= PAGE_SIZE) return <p className="muted">{count.toLocaleString("en-US")} models.</p>;
  return (
    <p>
      <button className="secondary" disabled={offset === 0} onClick={() => onMove(offset - PAGE_SIZE)}>
        Previous
      </button>{" "}
      Models {offset + 1}–{Math.min(offset + PAGE_SIZE, count)} of {count.toLocaleString("en-US")}{" "}
      <button
        className="secondary"
        disabled={offset + PAGE_SIZE >= count}
        onClick={() => onMove(offset + PAGE_SIZE)}
      >
        Next
      </button>
    </p>
  );
}
