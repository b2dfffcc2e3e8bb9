// The API under /v1, typed from its OpenAPI document (generated/api.ts). Errors are RFC 9457 problems.
import type { components } from "./generated/api";

export type Schemas = components["schemas"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Options = {
  method?: string;
  body?: unknown;
  token?: string | null;
  form?: FormData;
};

export async function api<T>(path: string, { method, body, token, form }: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: method ?? (body !== undefined || form ? "POST" : "GET"),
      headers,
      body: form ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
  } catch {
    throw new ApiError(0, "The Provenant API does not answer; check your connection and try again.");
  }
  if (!response.ok) throw new ApiError(response.status, await problemMessage(response));
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export async function problemMessage(response: Response): Promise<string> {
  try {
    const problem = (await response.json()) as {
      title?: string;
      detail?: string;
    };
    return problem.detail ?? problem.title ?? `The API answered ${response.status}.`;
  } catch {
    return `The API answered ${response.status}.`;
  }
}
