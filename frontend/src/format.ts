// Numbers and addresses as people read them.
import { formatUnits } from "viem";

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function formatAmount(value: bigint | number | string, decimals: number, symbol?: string): string {
  const text = Number(formatUnits(BigInt(value), decimals)).toLocaleString("en-US", {
    maximumFractionDigits: Math.min(decimals, 6),
  });
  return symbol ? `${text} ${symbol}` : text;
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
