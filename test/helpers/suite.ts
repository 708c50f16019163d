import { afterAll, beforeAll } from 'vitest';
import { buildTestApp, type TestApp, type TestAppOptions } from './app.js';

/**
 * Registers the enclosing describe's hooks: before its tests, a fresh app (handed to `use`, which
 * usually keeps it in the suite's `let t`); after them, the app is closed.
 */
export function suiteApp(use: (t: TestApp) => void, options?: TestAppOptions): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await buildTestApp(options);
    use(app);
  });
  afterAll(async () => {
    await app?.close();
  });
}
