import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The window is served by Tauri from `ui/dist`; `npm run dev` serves it on a fixed port
// for `tauri dev`. No network is needed at run time: everything is bundled.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5174, strictPort: true },
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 200,
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
