import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The build goes straight into the Python package, where
// components.declare_component(path=...) serves it; "./" keeps asset URLs
// relative because Streamlit serves the folder under a component-specific path.
const outDir = fileURLToPath(new URL("../streamlit_rtc/streamlit/component_build", import.meta.url));

export default defineConfig({
  base: "./",
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2020",
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.ts"],
  },
});
