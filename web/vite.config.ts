import { defineConfig } from "vite";

// Relative asset URLs: the API serves the build at /, and `vite dev` proxies /v1 to it.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { "/v1": "http://127.0.0.1:8000" } },
});
