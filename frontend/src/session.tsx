// Sign-In with Ethereum (EIP-4361): the API's nonce, a message signed in the wallet, a session token.
import { createContext, useContext, useState, type ReactNode } from "react";
import { createSiweMessage } from "viem/siwe";
import { useAccount, useConfig } from "wagmi";
import { signMessage } from "wagmi/actions";

import { api, type Schemas } from "./api";
import { describeError } from "./errors";

type Stored = { token: string; address: string; expiresAt: string };
type SessionValue = {
  token: string | null;
  signingIn: boolean;
  error: string | null;
  signIn: () => Promise<string | null>;
  signOut: () => void;
};

const STORAGE_KEY = "provenant.session";
const SessionContext = createContext<SessionValue | null>(null);

function stored(address: string | undefined): Stored | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  const session = raw ? (JSON.parse(raw) as Stored) : null;
  if (!session || !address || session.address.toLowerCase() !== address.toLowerCase()) return null;
  return new Date(session.expiresAt) > new Date() ? session : null;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const config = useConfig();
  const { address } = useAccount();
  const [, setVersion] = useState(0);
  const [signingIn, setSigningIn] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const token = stored(address)?.token ?? null;

  async function signIn(): Promise<string | null> {
    if (!address) {
      setError("Connect your wallet first.");
      return null;
    }
    setSigningIn(true);
    setError(null);
    try {
      const challenge = await api<Schemas["SignInChallenge"]>("/v1/auth/nonce");
      const message = createSiweMessage({
        domain: challenge.domain,
        address,
        statement: "Sign in to Provenant.",
        uri: challenge.uri,
        version: "1",
        chainId: challenge.chain_id,
        nonce: challenge.nonce,
        issuedAt: new Date(),
        expirationTime: new Date(challenge.expires_at),
      });
      const signature = await signMessage(config, { message });
      const session = await api<Schemas["SessionToken"]>("/v1/auth/login", {
        body: { message, signature },
      });
      sessionStorage.setItem(
        STORAGE_KEY,
        JSON.stringify({
          token: session.token,
          address: session.address,
          expiresAt: session.expires_at,
        }),
      );
      setVersion((v) => v + 1);
      return session.token;
    } catch (caught) {
      setError(`Sign-in failed: ${describeError(caught)}`);
      return null;
    } finally {
      setSigningIn(false);
    }
  }

  function signOut() {
    sessionStorage.removeItem(STORAGE_KEY);
    setVersion((v) => v + 1);
  }

  return (
    <SessionContext.Provider value={{ token, signingIn, error, signIn, signOut }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession outside SessionProvider");
  return session;
}
