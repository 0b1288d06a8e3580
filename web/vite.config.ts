import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { defineConfig, type Plugin } from 'vite';

// SvelteKit takes its project root from the working directory when its plugin module loads.
// Switching to this folder first (hence the late import) lets `vite build web` run from the
// repository root as well as `vite build` from here. SvelteKit also reads this file from
// worker threads, which share the directory and may not change it.
const webDir = fileURLToPath(new URL('.', import.meta.url));
if (isMainThread && process.cwd() !== webDir.replace(/[\\/]$/, '')) process.chdir(webDir);
const { sveltekit } = await import('@sveltejs/kit/vite');

// `vite dev web` serves the app with hot reload and sends API calls to a running Tenantwatch
// (`npm start`). The API refuses writes from a foreign Origin, so the proxy presents its own.
const API = 'http://127.0.0.1:8787';

/**
 * `vite build web` hands Vite the root "web"; SvelteKit sets the same folder itself (the working
 * directory, see above) and would warn that it overrides ours. Drop ours so the build log stays clean.
 */
const rootFromWorkingDirectory: Plugin = {
  name: 'tenantwatch:root-from-working-directory',
  config: {
    order: 'pre',
    handler(config) {
      delete config.root;
    },
  },
};

export default defineConfig({
  plugins: [rootFromWorkingDirectory, sveltekit()],
  build: { target: 'es2022' },
  server: {
    proxy: {
      '/api': {
        target: API,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.getHeader('origin') && req.setHeader('origin', API)),
      },
    },
  },
});
