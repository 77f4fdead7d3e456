#!/usr/bin/env node
// `npm start` / `npm run dev` open the desktop window, which needs Electron's
// binary. Installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 (a CI box, a machine
// that cannot reach github.com) there is none: say so in words, and what still
// works, instead of Electron's own stack trace after a long native build.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  // The electron package's main is the path of its binary; it throws when the binary is absent.
  require('electron');
} catch {
  console.error(
    [
      "Electron's binary is not installed (this install skipped it: ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download failed),",
      'so the desktop window cannot open here.',
      '  - With network to github.com: `npm ci` again (without ELECTRON_SKIP_BINARY_DOWNLOAD) and `npm start`.',
      '  - Without: browser mode works as it is: `npm run serve`, then open the address it prints.',
      '  - The CLI works too: `npx xstudio --help`.',
    ].join('\n'),
  );
  process.exit(1);
}
