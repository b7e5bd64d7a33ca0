// Build step after tsc: copies the dashboard's static files (HTML, CSS, JS modules) next to the
// compiled routes, so `dist/` (what the npm package ships) serves the same page as `src/`.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const from = join(root, 'src', 'http', 'dashboard', 'assets');
const to = join(root, 'dist', 'http', 'dashboard', 'assets');
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
