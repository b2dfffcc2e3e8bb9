import { defineConfig } from "vite";

// The API serves the built app at "/" and answers under "/v1"; `vite dev` proxies to `make demo`'s API.
export default defineConfig({
  server: { proxy: { "/v1": "http://127.0.0.1:8000" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      // wagmi marks its modules "use client" for React Server Components; a client-only bundle can ignore it.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
