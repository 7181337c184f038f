#!/usr/bin/env node
// Committed shim so the bin links at install time; the code lives in dist/ after `pnpm build`.
import '../dist/cli.js';
