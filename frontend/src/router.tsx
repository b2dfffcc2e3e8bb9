// Routes live in the URL fragment (#/models/3), so the API serves one index.html for every page.
import { useEffect, useState, type ReactNode } from "react";

function segments(): string[] {
  return window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(segments);
  useEffect(() => {
    const update = () => setRoute(segments());
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}

export function href(...parts: (string | number)[]): string {
  return `#/${parts.map((part) => encodeURIComponent(String(part))).join("/")}`;
}

export function Link({ to, children }: { to: (string | number)[]; children: ReactNode }) {
  return <a href={href(...to)}>{children}</a>;
}
