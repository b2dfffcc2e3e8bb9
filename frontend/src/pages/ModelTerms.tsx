// Licence terms in plain words, shared by the catalogue, the model page and My licences.
import type { Schemas } from "../api";
import { formatAmount, formatCount, formatDuration } from "../format";

export type Terms = Schemas["TermsInfo"];
export type Permission = Terms["permissions"][number];
export type Token = { symbol: string; decimals: number };

// ATTRIBUTION is an obligation rather than a grant, so it is worded apart from the others.
const GRANTS: [Permission, string][] = [
  ["COMMERCIAL", "commercial use"],
  ["DERIVATIVES", "derived models (fine-tunes, merges…)"],
  ["DISTILLATION", "distillation"],
  ["TRAIN_ON_OUTPUTS", "training on its outputs"],
];

export function percent(bps: number): string {
  return `${(bps / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;
}

function list(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

export function priceWords(terms: Terms, token: Token): string {
  return `${formatAmount(terms.price, token.decimals, token.symbol)} for ${formatDuration(terms.duration)}`;
}

export function usageWords(terms: Terms, token: Token): string {
  const included = `${formatCount(terms.included_calls)} calls included`;
  return BigInt(terms.fee_per_call) === 0n
    ? `${included}, further calls free`
    : `${included}, then ${formatAmount(terms.fee_per_call, token.decimals, token.symbol)} per call`;
}

export function permissionWords(permissions: Permission[]): string {
  const granted = GRANTS.filter(([bit]) => permissions.includes(bit)).map(([, words]) => words);
  const refused = GRANTS.filter(([bit]) => !permissions.includes(bit)).map(([, words]) => words);
  const parts = [granted.length ? `allows ${list(granted)}` : "allows no commercial or derived use"];
  if (refused.length && granted.length) parts.push(`not ${list(refused)}`);
  if (permissions.includes("ATTRIBUTION")) parts.push("requires attribution");
  return parts.join("; ");
}

function derivationWords(count: number): string {
  return count === 0 ? "no model" : count === 1 ? "one model" : `${count.toLocaleString("en-US")} models`;
}

/** The whole of a terms version as one sentence a licensee can read before paying. */
export function termsInWords(terms: Terms, token: Token): string {
  return (
    `${priceWords(terms, token)}, ${usageWords(terms, token)}; ${permissionWords(terms.permissions)}; ` +
    `one licence may derive ${derivationWords(terms.max_derivatives)}; models derived from it pay it ${percent(terms.derivative_rev_share_bps)} of every payment; ` +
    `${percent(terms.contributors_bps)} of its revenue goes to its data contributors.`
  );
}
