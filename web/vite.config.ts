import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Everything becomes a file under /assets/: the CSP allows scripts and styles from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    // The password-strength word lists (lib/strength.ts) are one large chunk, loaded only on new-password fields.
    chunkSizeWarningLimit: 1300,
  },
  server: {
    // `npx vite web` during development: the API runs on :3000 (`npm start`).
    // The API checks Origin on writes against PUBLIC_URL, so the proxy presents the API's own origin.
    proxy: {
      '/api': {
        target: 'http://localhost:3000',
        configure(proxy): void {
          proxy.on('proxyReq', (request) => request.setHeader('origin', 'http://localhost:3000'));
        },
      },
    },
  },
});
