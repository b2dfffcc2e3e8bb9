import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { WagmiProvider, type Config } from "wagmi";

import { api } from "./api";
import { DeploymentContext, wagmiConfig, type Deployment } from "./deployment";
import { describeError } from "./errors";
import { href, useRoute } from "./router";
import { SessionProvider } from "./session";
import { ConnectButton, NetworkBanner } from "./wallet";

// Each page is its own chunk, fetched when first opened: the first load carries only the shell.
const Contribute = lazy(() => import("./pages/Contribute").then((page) => ({ default: page.Contribute })));
const Dao = lazy(() => import("./pages/Dao").then((page) => ({ default: page.Dao })));
const Licences = lazy(() => import("./pages/Licences").then((page) => ({ default: page.Licences })));
const ModelPage = lazy(() => import("./pages/ModelPage").then((page) => ({ default: page.ModelPage })));
const Models = lazy(() => import("./pages/Models").then((page) => ({ default: page.Models })));
const Provenance = lazy(() => import("./pages/Provenance").then((page) => ({ default: page.Provenance })));
const Rewards = lazy(() => import("./pages/Rewards").then((page) => ({ default: page.Rewards })));

const queryClient = new QueryClient({
  defaultOptions: { queries: { refetchOnWindowFocus: false } },
});

const NAV: [string, string][] = [
  ["models", "Models"],
  ["licences", "My licences"],
  ["contribute", "Contribute"],
  ["rewards", "Rewards"],
  ["dao", "DAO"],
  ["provenance", "Provenance"],
];

export function App() {
  const [setup, setSetup] = useState<{ deployment: Deployment; config: Config } | { error: string } | null>(
    null,
  );
  useEffect(() => {
    api<Deployment>("/v1/deployment")
      .then((deployment) => setSetup({ deployment, config: wagmiConfig(deployment) }))
      .catch((error: unknown) => setSetup({ error: describeError(error) }));
  }, []);

  if (setup === null) return <p className="loading">Loading the deployment…</p>;
  if ("error" in setup)
    return (
      <p className="banner error" role="alert">
        Provenant cannot start: {setup.error}
      </p>
    );
  return (
    <DeploymentContext.Provider value={setup.deployment}>
      <WagmiProvider config={setup.config}>
        <QueryClientProvider client={queryClient}>
          <SessionProvider>
            <Shell />
          </SessionProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </DeploymentContext.Provider>
  );
}

function Shell() {
  const [page = "models", ...rest] = useRoute();
  return (
    <>
      <header>
        <a className="brand" href={href("models")}>
          Provenant
        </a>
        <nav>
          {NAV.map(([path, label]) => (
            <a key={path} href={href(path)} className={page === path ? "active" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <ConnectButton />
      </header>
      <NetworkBanner />
      <main>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Page page={page} rest={rest} />
        </Suspense>
      </main>
    </>
  );
}

function Page({ page, rest }: { page: string; rest: string[] }) {
  switch (page) {
    case "models":
      return rest[0] ? <ModelPage modelId={rest[0]} /> : <Models />;
    case "licences":
      return <Licences />;
    case "contribute":
      return <Contribute />;
    case "rewards":
      return <Rewards />;
    case "dao":
      return <Dao />;
    case "provenance":
      return <Provenance assetId={rest[0]} />;
    default:
      return <p className="error">No page {page}.</p>;
  }
}
