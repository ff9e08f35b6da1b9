// The console's build: served by `patron` under /console/ from the committed dist/.
// Output must be reproducible byte for byte (CI rebuilds it and compares).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// GraphiQL runs from the binary too: its UMD builds and our page, copied into dist/graphiql/.
const graphiqlFiles: Record<string, string> = {
  'graphiql/index.html': here('graphiql/index.html'),
  'graphiql/start.js': here('graphiql/start.js'),
  'graphiql/graphiql.min.js': here('node_modules/graphiql/graphiql.min.js'),
  'graphiql/graphiql.min.css': here('node_modules/graphiql/graphiql.min.css'),
  'graphiql/react.production.min.js': here('node_modules/react/umd/react.production.min.js'),
  'graphiql/react-dom.production.min.js': here('node_modules/react-dom/umd/react-dom.production.min.js'),
};

function graphiql(): Plugin {
  return {
    name: 'patron-graphiql',
    apply: 'build',
    generateBundle() {
      for (const [fileName, path] of Object.entries(graphiqlFiles)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(path) });
      }
    },
  };
}

export default defineConfig({
  base: '/console/',
  plugins: [svelte(), graphiql()],
  // `npm run dev` talks to a `patron serve` on its default address.
  server: { proxy: { '/graphql': 'http://127.0.0.1:8080' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // One CSS file and few chunks; no inline scripts (the CSP forbids them).
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts';
          if (id.includes('node_modules/@codemirror') || id.includes('node_modules/codemirror') || id.includes('node_modules/@lezer')) return 'codemirror';
          return undefined;
        },
      },
    },
  },
});
