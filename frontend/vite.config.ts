// Vite builds the dashboard into dist/ (served by `agentpulse serve`); Vitest runs the unit tests in
// jsdom. `npm run dev` proxies /api to a running server (AGENTPULSE_URL, default http://127.0.0.1:8787).
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2020',
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': process.env.AGENTPULSE_URL ?? 'http://127.0.0.1:8787' },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
