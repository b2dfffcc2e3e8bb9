// Contribute: sign in with Ethereum, upload a file to a dataset (with its progress), then follow the review of
// every contribution of the connected account until none is pending.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useAccount } from "wagmi";

import { ApiError, api, type Schemas } from "../api";
import { describeError } from "../errors";
import { formatTime, shortAddress } from "../format";
import { useSession } from "../session";
import "./Contribute.css";

type Contribution = Schemas["ContributionInfo"];
type Upload =
  | { state: "idle" }
  | { state: "uploading"; sent: number; total: number }
  | { state: "done"; contribution: Contribution }
  | { state: "failed"; message: string };

const REVIEW_POLL_MS = 2_000;
// Browsers leave File.type empty for some of the kinds the API accepts (JSON Lines); the name tells.
const MEDIA_TYPES: Record<string, string> = {
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
  jsonl: "application/jsonl",
  ndjson: "application/x-ndjson",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
};
const ACCEPTED_FILES = Object.keys(MEDIA_TYPES)
  .map((extension) => `.${extension}`)
  .join(",");

export function Contribute() {
  const { address } = useAccount();
  return (
    <>
      <h1>Contribute data</h1>
      <p className="muted">
        Add files to a dataset that models are trained on. Each accepted file earns you a share of the
        dataset&apos;s rewards, pro rata to its records.
      </p>
      {address ? (
        <>
          <SignIn address={address} />
          <UploadForm />
          <MyContributions address={address} />
        </>
      ) : (
        <p className="card">Connect your wallet to contribute and to follow your contributions.</p>
      )}
    </>
  );
}

function SignIn({ address }: { address: string }) {
  const session = useSession();
  if (session.token)
    return (
      <p className="card">
        Signed in as <code data-testid="signed-in-as">{address}</code>{" "}
        <button className="secondary" onClick={session.signOut}>
          Sign out
        </button>
      </p>
    );
  return (
    <div className="card">
      <p>Sign in with your wallet to upload: you sign a message, nothing is sent to the chain.</p>
      <button disabled={session.signingIn} onClick={() => void session.signIn()}>
        {session.signingIn ? "Signing in…" : "Sign in with Ethereum"}
      </button>
      {session.error && (
        <p className="error" role="alert">
          {session.error}
        </p>
      )}
    </div>
  );
}

function UploadForm() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [datasetId, setDatasetId] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<Upload>({ state: "idle" });
  const datasets = useQuery({
    queryKey: ["datasets"],
    queryFn: () => api<Schemas["Page_DatasetSummary_"]>("/v1/datasets?limit=100"),
  });

  if (!session.token) return null;
  const token = session.token;
  const chosen = datasetId || String(datasets.data?.data[0]?.id ?? "");

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    if (file.size === 0) {
      setUpload({ state: "failed", message: `The file is not accepted: ${file.name} is empty.` });
      return;
    }
    const form = new FormData();
    form.append("dataset_id", chosen);
    form.append("file", new Blob([file], { type: mediaType(file) }), file.name);
    setUpload({ state: "uploading", sent: 0, total: file.size });
    try {
      const contribution = await uploadContribution(form, token, (sent, total) =>
        setUpload({ state: "uploading", sent, total }),
      );
      setUpload({ state: "done", contribution });
      await queryClient.invalidateQueries({ queryKey: ["contributions"] });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) session.signOut();
      setUpload({ state: "failed", message: describeError(error) });
    }
  }

  if (datasets.isPending) return <p className="card loading">Loading the datasets…</p>;
  if (datasets.isError)
    return (
      <p className="card error" role="alert">
        The datasets cannot be loaded: {describeError(datasets.error)}
      </p>
    );
  if (datasets.data.data.length === 0)
    return <p className="card">No dataset is registered yet: a curator has to register one first.</p>;
  const uploading = upload.state === "uploading";
  return (
    <form className="card upload" onSubmit={(event) => void submit(event)}>
      <h2>Upload a file</h2>
      <label>
        Dataset{" "}
        <select value={chosen} onChange={(event) => setDatasetId(event.target.value)} disabled={uploading}>
          {datasets.data.data.map((dataset) => (
            <option key={dataset.id} value={dataset.id}>
              Dataset {dataset.id}: curated by {shortAddress(dataset.curator)},{" "}
              {dataset.version_count === 0 ? "no version yet" : `version ${dataset.version_count}`}
            </option>
          ))}
        </select>
      </label>
      <label>
        File{" "}
        <input
          type="file"
          data-testid="contribution-file"
          accept={ACCEPTED_FILES}
          disabled={uploading}
          onChange={(event) => {
            setFile(event.target.files?.[0] ?? null);
            setUpload({ state: "idle" });
          }}
        />
      </label>
      <p className="muted">
        Plain text, CSV (with a header row), JSON, JSON Lines, PNG or JPEG. A record is a non-empty line or
        row, or one JSON document or image.
      </p>
      <button type="submit" disabled={!file || uploading}>
        {uploading ? "Uploading…" : "Upload"}
      </button>
      <UploadState upload={upload} />
    </form>
  );
}

function UploadState({ upload }: { upload: Upload }) {
  switch (upload.state) {
    case "idle":
      return null;
    case "uploading":
      return (
        <p className="upload-progress">
          <progress data-testid="upload-progress" value={upload.sent} max={upload.total} />{" "}
          {Math.floor((100 * upload.sent) / Math.max(upload.total, 1))} % of {formatSize(upload.total)}
        </p>
      );
    case "done":
      return (
        <p className="ok" role="status" data-testid="upload-done">
          Uploaded {upload.contribution.filename} as <code>{upload.contribution.cid}</code>; the platform
          reviews it now (see below).
        </p>
      );
    case "failed":
      return (
        <p className="error" role="alert" data-testid="upload-error">
          {upload.message}
        </p>
      );
  }
}

function MyContributions({ address }: { address: string }) {
  const contributions = useQuery({
    queryKey: ["contributions", address],
    queryFn: () => api<Contribution[]>(`/v1/contributions?contributor=${address}&limit=500`),
    // Reviews happen in the background: keep asking while one is pending.
    refetchInterval: (query) =>
      query.state.data?.some((contribution) => contribution.status === "pending") ? REVIEW_POLL_MS : false,
  });
  return (
    <section className="card">
      <h2>Your contributions</h2>
      {contributions.isPending ? (
        <p className="loading">Loading your contributions…</p>
      ) : contributions.isError ? (
        <p className="error" role="alert">
          Your contributions cannot be loaded: {describeError(contributions.error)}
        </p>
      ) : contributions.data.length === 0 ? (
        <p data-testid="no-contributions">You have not contributed anything yet.</p>
      ) : (
        <table data-testid="contributions">
          <thead>
            <tr>
              <th>Dataset</th>
              <th>File</th>
              <th>Size</th>
              <th>Content ID (IPFS)</th>
              <th>Status</th>
              <th>Submitted</th>
            </tr>
          </thead>
          <tbody>
            {contributions.data.map((contribution) => (
              <tr key={contribution.id} data-testid={`contribution-${contribution.id}`}>
                <td>{contribution.dataset_id}</td>
                <td>{contribution.filename}</td>
                <td className="nowrap">{formatSize(contribution.size)}</td>
                <td className="cids">
                  <code data-testid="cid">{contribution.cid}</code>
                  <code className="muted" data-testid="cid-v1">
                    {contribution.cid_v1}
                  </code>
                </td>
                <td>
                  <ReviewStatus contribution={contribution} />
                </td>
                <td>{formatTime(contribution.submitted_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ReviewStatus({ contribution }: { contribution: Contribution }) {
  const records = `${contribution.weight} new record${contribution.weight === 1 ? "" : "s"}`;
  // An accepted contribution's reason says why it weighs less than its records (repeats, the epoch cap).
  const partly = contribution.reason ? ` (${contribution.reason})` : "";
  return (
    <span data-testid="status" data-status={contribution.status} className={`status-${contribution.status}`}>
      {contribution.status === "pending" && "Pending review"}
      {contribution.status === "accepted" && `Accepted: ${records}${partly}`}
      {contribution.status === "rejected" && `Rejected: ${contribution.reason ?? "no reason given"}`}
    </span>
  );
}

/** POST /v1/contributions through XMLHttpRequest, the one browser API that reports upload progress. */
function uploadContribution(
  form: FormData,
  token: string,
  onProgress: (sent: number, total: number) => void,
): Promise<Contribution> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/v1/contributions");
    request.setRequestHeader("Authorization", `Bearer ${token}`);
    request.setRequestHeader("Accept", "application/json");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    request.onload = () => {
      if (request.status === 201) resolve(JSON.parse(request.responseText) as Contribution);
      else reject(new ApiError(request.status, problemDetail(request)));
    };
    request.onerror = () =>
      reject(new ApiError(0, "The upload did not reach the Provenant API; check your connection and retry."));
    request.send(form);
  });
}

function problemDetail(request: XMLHttpRequest): string {
  try {
    const problem = JSON.parse(request.responseText) as { title?: string; detail?: string };
    return problem.detail ?? problem.title ?? `The API answered ${request.status}.`;
  } catch {
    return `The API answered ${request.status}.`;
  }
}

function mediaType(file: File): string {
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  return MEDIA_TYPES[extension] ?? (file.type || "application/octet-stream");
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
