import { createRequire } from 'node:module';

/**
 * dockerode loads an SSH client (for ssh:// Docker hosts) and a gRPC stack (for BuildKit
 * sessions) when it is imported: about 25 MiB of a registrar that otherwise fits in ~45 MiB, for
 * code that a registrar on a unix socket or tcp:// never runs. This puts a stand-in for each of
 * the two modules that pull them in, loading the real one on first call, so nothing is lost for
 * an operator who does use ssh://. Call it before dockerode is imported. If a path is not where
 * this version of dockerode keeps it, nothing is deferred (only memory is at stake).
 */
export function deferUnusedDockerModules(): void {
  const require = createRequire(import.meta.url);
  const fromDockerode = createRequire(require.resolve('dockerode'));
  for (const [resolve, request] of [
    [fromDockerode, './session'],
    [createRequire(fromDockerode.resolve('docker-modem')), './ssh'],
  ] as const) {
    let path: string;
    try {
      path = resolve.resolve(request);
    } catch {
      continue;
    }
    if (require.cache[path]) continue;
    let real: ((...args: unknown[]) => unknown) | undefined;
    const standIn = (...args: unknown[]) => {
      if (!real) {
        delete require.cache[path];
        real = require(path) as (...args: unknown[]) => unknown;
      }
      return real(...args);
    };
    require.cache[path] = { id: path, filename: path, loaded: true, exports: standIn } as unknown as NodeJS.Module;
  }
}

deferUnusedDockerModules();
