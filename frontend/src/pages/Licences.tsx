// My licences (GET /v1/licences?holder=...): validity, expiry, calls left and usage credit of each licence the
// connected account holds, and topping up a licence's credit (approve, then LicenseManager.deposit).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { parseUnits, type Address } from "viem";
import { useConfig } from "wagmi";

import { api, type Schemas } from "../api";
import { useContractAddress } from "../deployment";
import { describeError } from "../errors";
import { formatAmount, formatCount, formatTime } from "../format";
import { licenseManagerAbi } from "../generated/abis";
import { href } from "../router";
import { payingSteps } from "../payment";
import { TxStatus, useTx, type TxStep } from "../tx";
import { usePaymentToken, useTokenBalance, useWriter } from "../wallet";
import { termsInWords, type Token } from "./ModelTerms";
import "./Licences.css";

type Licence = Schemas["LicenceInfo"];

const REFRESH_MS = 5_000; // usage is metered and settled in the background: keep the quota current

export function Licences() {
  const { account } = useWriter();
  const token = usePaymentToken();
  const licences = useQuery({
    queryKey: ["licences", account],
    queryFn: () => api<Schemas["Page_LicenceInfo_"]>(`/v1/licences?holder=${account}&limit=100`),
    enabled: account !== undefined,
    refetchInterval: REFRESH_MS,
  });
  const balance = useTokenBalance(token.address, account);

  return (
    <>
      <h1>My licences</h1>
      {account === undefined ? (
        <p>Connect your wallet to see the licences it holds.</p>
      ) : (
        <>
          {balance.data !== undefined && (
            <p className="muted">
              Your wallet holds {formatAmount(balance.data, token.decimals, token.symbol)}.
            </p>
          )}
          {licences.isPending && <p className="loading">Loading your licences…</p>}
          {licences.isError && (
            <p className="error" role="alert">
              Your licences could not be loaded: {describeError(licences.error)}
            </p>
          )}
          {licences.data?.data.length === 0 && (
            <p data-testid="no-licences">
              This account holds no licence yet. <a href={href("models")}>Find a model</a> to license.
            </p>
          )}
          {licences.data?.data.map((licence) => (
            <LicenceCard
              key={licence.id}
              licence={licence}
              token={token}
              balance={balance.data}
              onChange={() => Promise.all([licences.refetch(), balance.refetch()])}
            />
          ))}
          {licences.data && licences.data.count > licences.data.data.length && (
            <p className="muted">
              Showing {licences.data.data.length} of {licences.data.count} licences.
            </p>
          )}
        </>
      )}
    </>
  );
}

function Validity({ licence, token }: { licence: Licence; token: Token }) {
  if (licence.status === "expired")
    return (
      <span className="licence-status expired" data-testid="licence-status">
        Expired on {formatTime(licence.expires_at)}: buy a new licence on the model page to go on using it.
      </span>
    );
  if (licence.status === "suspended") {
    const debt = formatAmount(-BigInt(licence.credit), token.decimals, token.symbol);
    return (
      <span className="licence-status suspended" data-testid="licence-status">
        Suspended: its usage fees exceed its credit by {debt}. Top up at least {debt} to reinstate it.
      </span>
    );
  }
  return (
    <span className="licence-status valid" data-testid="licence-status">
      Valid until {formatTime(licence.expires_at)}
    </span>
  );
}

function LicenceCard({
  licence,
  token,
  balance,
  onChange,
}: {
  licence: Licence;
  token: Token & { address: Address };
  balance: bigint | undefined;
  onChange: () => Promise<unknown>;
}) {
  const used = BigInt(licence.settled_calls) + BigInt(licence.unsettled_calls ?? 0);
  const included = licence.included_calls === null ? null : BigInt(licence.included_calls);
  const unsettledFee = BigInt(licence.unsettled_fee ?? "0");
  return (
    <section className="card licence" data-testid={`licence-${licence.id}`}>
      <h2>
        Licence #{licence.id} on <a href={href("models", licence.model_id)}>Model #{licence.model_id}</a>
      </h2>
      <Validity licence={licence} token={token} />
      <dl className="licence-facts">
        <dt>Bought under</dt>
        <dd>
          {licence.terms ? (
            <>
              terms version {licence.terms.version}: {termsInWords(licence.terms, token)}
            </>
          ) : (
            <span className="muted">its terms are not indexed yet</span>
          )}
        </dd>
        <dt>Models derived</dt>
        <dd data-testid="derivations">
          {licence.derivations.toLocaleString("en-US")}
          {licence.terms ? ` of ${licence.terms.max_derivatives.toLocaleString("en-US")}` : ""}
        </dd>
        <dt>Included calls left</dt>
        <dd data-testid="included-calls-left">
          {included === null
            ? "—"
            : `${formatCount(included > used ? included - used : 0n)} of ${formatCount(included)}`}
        </dd>
        <dt>Calls used</dt>
        <dd data-testid="calls-used">
          {formatCount(used)} ({formatCount(licence.settled_calls)} settled on chain)
        </dd>
        <dt>Usage credit</dt>
        <dd data-testid="credit">
          {formatAmount(licence.credit, token.decimals, token.symbol)}
          {unsettledFee > 0n && (
            <span className="muted">
              {" "}
              ({formatAmount(unsettledFee, token.decimals, token.symbol)} of it will pay for calls not settled
              yet)
            </span>
          )}
        </dd>
        <dt>Calls left in all</dt>
        <dd data-testid="calls-left">
          {licence.calls_left === null
            ? "no limit: calls beyond the included ones are free"
            : `${formatCount(licence.calls_left)} (included calls plus what the credit pays for)`}
        </dd>
      </dl>
      {licence.status === "expired" ? (
        <p className="muted">An expired licence cannot be topped up.</p>
      ) : (
        <>
          <TopUp licence={licence} token={token} balance={balance} onChange={onChange} />
          <MeteringLimit licence={licence} onChange={onChange} />
        </>
      )}
      <UsageStatement licence={licence} token={token} />
    </section>
  );
}

/** Per epoch, the calls each operator key reported and what settlement took (GET /v1/licences/{id}/usage). */
function UsageStatement({ licence, token }: { licence: Licence; token: Token }) {
  const statement = useQuery({
    queryKey: ["licence-usage", licence.id],
    queryFn: () => api<Schemas["Page_EpochUsageInfo_"]>(`/v1/licences/${licence.id}/usage?limit=10`),
    refetchInterval: REFRESH_MS,
  });
  if (statement.isError) return <p className="error">The usage statement could not be loaded.</p>;
  const epochs = statement.data?.data ?? [];
  if (epochs.length === 0) return <p className="muted">No usage reported on this licence yet.</p>;
  return (
    <table className="usage-statement" data-testid="usage-statement">
      <caption>Usage by epoch (newest first)</caption>
      <thead>
        <tr>
          <th>Epoch</th>
          <th>Reported</th>
          <th>Settled</th>
        </tr>
      </thead>
      <tbody>
        {epochs.map((epoch) => (
          <tr key={epoch.epoch}>
            <td>{epoch.epoch}</td>
            <td>
              {epoch.metered
                .map((m) => `${formatCount(m.units)} by ${m.label ?? `key ${m.operator_key_id ?? "?"}`}`)
                .join(", ") || "—"}
            </td>
            <td>
              {epoch.settlement === null
                ? epoch.set_aside
                  ? `not settled: set aside by the epoch close (${epoch.set_aside.reason})`
                  : "not settled yet"
                : `${formatCount(epoch.settlement.accepted_calls)} calls charged` +
                  (epoch.settlement.refused_calls !== "0"
                    ? `, ${formatCount(epoch.settlement.refused_calls)} refused`
                    : "") +
                  `; fee ${formatAmount(epoch.settlement.fee, token.decimals, token.symbol)}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const MAX_CALLS = 10n ** 18n; // ILicenseManager.MAX_CALLS

/** The holder's limit of calls charged per epoch: shown, and changed from the next epoch on. */
function MeteringLimit({ licence, onChange }: { licence: Licence; onChange: () => Promise<unknown> }) {
  const { blocked } = useWriter();
  const licenseManager = useContractAddress("LicenseManager");
  const tx = useTx();
  const [typed, setTyped] = useState("");
  const text = typed.trim();
  const limit = /^\d+$/.test(text) && BigInt(text) <= MAX_CALLS ? BigInt(text) : null;
  const latest = licence.metering_limits.at(-1);
  return (
    <form
      className="metering-limit"
      onSubmit={(event) => {
        event.preventDefault();
        if (limit === null) return;
        tx.send("Set the limit", {
          address: licenseManager,
          abi: licenseManagerAbi,
          functionName: "setMeteringLimit",
          args: [BigInt(licence.id), limit],
        })
          .then((sent) => sent && setTyped(""))
          .then(onChange);
      }}
    >
      <p data-testid="metering-limit">
        {latest === undefined || latest.calls_per_epoch === "0"
          ? "No limit on the calls charged per epoch: set one to cap what a faulty or hostile meter can cost you."
          : `At most ${formatCount(latest.calls_per_epoch)} calls charged per epoch, from epoch ${latest.from_epoch}; calls reported beyond it are refused, never charged.`}
      </p>
      <label>
        Calls per epoch{" "}
        <input
          inputMode="numeric"
          aria-label={`Metering limit for licence ${licence.id}`}
          placeholder="0 = no limit"
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          size={12}
        />
      </label>{" "}
      <button type="submit" disabled={blocked !== null || tx.busy || limit === null}>
        Set the limit
      </button>{" "}
      <span className="muted">It applies from the next epoch.</span>
      {text !== "" && limit === null && (
        <p className="error">Enter a whole number of calls, at most {MAX_CALLS.toLocaleString("en-US")}.</p>
      )}
      <TxStatus state={tx.state} />
    </form>
  );
}

/** The amount typed, in token units, or why it cannot be paid. */
function parseAmount(typed: string, token: Token, balance: bigint | undefined): bigint | string {
  const text = typed.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return `Enter an amount of ${token.symbol}, e.g. 5 or 2.5.`;
  if ((text.split(".")[1] ?? "").length > token.decimals)
    return `${token.symbol} has ${token.decimals} decimals: use at most ${token.decimals} digits after the point.`;
  const amount = parseUnits(text, token.decimals);
  if (amount === 0n) return "Enter an amount above zero.";
  if (balance !== undefined && amount > balance)
    return `Your wallet holds only ${formatAmount(balance, token.decimals, token.symbol)}.`;
  return amount;
}

function TopUp({
  licence,
  token,
  balance,
  onChange,
}: {
  licence: Licence;
  token: Token & { address: Address };
  balance: bigint | undefined;
  onChange: () => Promise<unknown>;
}) {
  const config = useConfig();
  const { account, blocked } = useWriter();
  const licenseManager = useContractAddress("LicenseManager");
  const tx = useTx();
  const [typed, setTyped] = useState("");
  const [readError, setReadError] = useState<string | null>(null);
  const amount = typed === "" ? null : parseAmount(typed, token, balance);

  async function topUp(payer: Address, value: bigint) {
    const deposit: TxStep = [
      "Top up",
      {
        address: licenseManager,
        abi: licenseManagerAbi,
        functionName: "deposit",
        args: [BigInt(licence.id), value],
      },
    ];
    const steps = await payingSteps(config, {
      token,
      owner: payer,
      spender: licenseManager,
      amount: value,
      pay: deposit,
    });
    if (await tx.sequence(steps)) setTyped("");
    await onChange();
  }

  return (
    <form
      className="top-up"
      onSubmit={(event) => {
        event.preventDefault();
        setReadError(null);
        if (account && typeof amount === "bigint")
          topUp(account, amount).catch((error: unknown) =>
            setReadError(`Your allowance could not be read: ${describeError(error)}`),
          );
      }}
    >
      <label>
        Top up the credit with{" "}
        <input
          inputMode="decimal"
          aria-label={`Top-up amount for licence ${licence.id}`}
          placeholder="0.00"
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          size={10}
        />{" "}
        {token.symbol}
      </label>{" "}
      <button type="submit" disabled={blocked !== null || tx.busy || typeof amount !== "bigint"}>
        Top up
      </button>
      {blocked && <span className="muted"> {blocked}</span>}
      {typeof amount === "string" && <p className="error">{amount}</p>}
      {readError && <p className="error">{readError}</p>}
      <TxStatus state={tx.state} />
      {tx.state.status === "confirmed" && tx.state.label === "Top up" && (
        <p className="muted">The new credit shows here once the chain is indexed, within seconds.</p>
      )}
    </form>
  );
}
