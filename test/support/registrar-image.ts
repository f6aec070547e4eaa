// The registrar's images as operators build them, for the tests that run them: deploy/Dockerfile on
// a stand-in node base (no image registry is reachable here; scripts/rig/node-image.sh) and
// deploy/offline/build.sh. Each is built once per test process, however many files ask.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { PACKAGE_VERSION } from './registrar-process.js';
import { docker } from './rig.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Test tags: never the operator's consul-registrar:<version>. */
export const DEPLOY_TAG = 'consul-registrar-test/registrar:deploy';
export const OFFLINE_TAG = 'consul-registrar-test/registrar:offline';

let deploy: Promise<{ tag: string; base: string }> | undefined;
let offline: Promise<string> | undefined;

/** deploy/Dockerfile built with the stand-in node base: its tag, and the base's (to measure what the registrar adds). */
export function deployImage(): Promise<{ tag: string; base: string }> {
  deploy ??= (async () => {
    const base = (await run(`${ROOT}scripts/rig/node-image.sh`)).stdout.trim();
    const args = ['--build-arg', `NODE_IMAGE=${base}`, '--build-arg', `VERSION=${PACKAGE_VERSION}`];
    await run('docker', ['build', '-q', ...args, '-t', DEPLOY_TAG, '-f', 'deploy/Dockerfile', '.'], {
      cwd: ROOT,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      maxBuffer: 16 * 2 ** 20,
    });
    return { tag: DEPLOY_TAG, base };
  })();
  return deploy;
}

/** deploy/offline/build.sh's image, from this worktree's dist/. */
export function offlineImage(): Promise<string> {
  offline ??= run(`${ROOT}deploy/offline/build.sh`, [OFFLINE_TAG], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 }).then(() => OFFLINE_TAG);
  return offline;
}

/** An image's configuration as `docker image inspect` gives it. */
export async function imageConfig(tag: string): Promise<Docker.ImageInspectInfo['Config']> {
  return (await docker.getImage(tag).inspect()).Config;
}
