import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `./x screenshots`: what a user sees, desktop and phone, from the release build. Not a test:
// it writes the pictures docs/use.md and the README show (docs/screenshots/).
export default defineConfig({
  ...base,
  testDir: './screenshots',
  projects: [
    { name: 'desktop', use: { javaScriptEnabled: true, viewport: { width: 1280, height: 900 } } },
    { name: 'phone', use: { javaScriptEnabled: true, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } },
  ],
});
