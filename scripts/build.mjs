// @ts-check
/** `npm run build`: always builds (extra arguments go to electron-vite build) and stamps the result, see build-stamp.mjs. */
import process from 'node:process';
import { buildAndStamp, electronViteBuild, PROJECT_ROOT } from './build-stamp.mjs';

if (!buildAndStamp(PROJECT_ROOT, electronViteBuild(process.argv.slice(2)))) process.exitCode = 1;
