// Numbers and addresses as people read them. Amounts and counts from the chain (decimal strings from the API,
// up to 2**256) are formatted with BigInt: a Number rounds them above 2**53.

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Token units as whole tokens: en-US grouping, at most 6 decimals (rounded half away from zero, as
 * toLocaleString does), no trailing zeros. */
export function formatAmount(value: bigint | number | string, decimals: number, symbol?: string): string {
  const units = BigInt(value);
  const shown = Math.min(decimals, 6);
  const step = 10n ** BigInt(decimals - shown);
  const rounded = ((units < 0n ? -units : units) + step / 2n) / step;
  const scale = 10n ** BigInt(shown);
  const fraction = (rounded % scale).toString().padStart(shown, "0").replace(/0+$/, "");
  const text =
    (units < 0n && rounded > 0n ? "-" : "") +
    (rounded / scale).toLocaleString("en-US") +
    (fraction ? `.${fraction}` : "");
  return symbol ? `${text} ${symbol}` : text;
}

/** A count (calls, from the API as a decimal string) with en-US grouping. */
export function formatCount(value: bigint | number | string): string {
  return BigInt(value).toLocaleString("en-US");
}

export function formatTime(unixSeconds: number | string): string {
  const date = typeof unixSeconds === "string" ? new Date(unixSeconds) : new Date(unixSeconds * 1000);
  return (
    date.toLocaleString("en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "UTC",
    }) + " UTC"
  );
}

export function formatDuration(seconds: number): string {
  const days = seconds / 86_400;
  if (Number.isInteger(days)) return `${days} day${days === 1 ? "" : "s"}`;
  const hours = seconds / 3_600;
  if (Number.isInteger(hours)) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return `${seconds} seconds`;
}
