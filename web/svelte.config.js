import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * Tenantwatch's web app: a single-page app. The API process (services/api/app.ts) serves
 * `build/` as static files and answers every other GET with `build/200.html`, so routing
 * happens in the browser and deep links such as /events/123 work.
 *
 * Paths here are relative to this folder: web/vite.config.ts makes it the working directory,
 * so `vite build web` from the repository root works too.
 * @type {import('@sveltejs/kit').Config}
 */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: '200.html', strict: true }),
    // The only inline script is SvelteKit's start-up snippet; its hash goes into the policy,
    // so nothing else inline (injected markup included) can run.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        // SvelteKit's route announcer (for screen readers) carries one fixed style attribute;
        // allow exactly that one. app.css hides it too, should a new Kit version change it.
        'style-src': ['self', 'unsafe-hashes', 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'form-action': ['self'],
        'base-uri': ['none'],
        'object-src': ['none'],
      },
    },
    alias: { $components: 'src/lib/components' },
  },
};

export default config;
