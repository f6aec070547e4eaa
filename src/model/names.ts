// Consul DNS serves only names made of letters, digits and dashes, one DNS label long.
const INVALID = /[^a-zA-Z0-9-]+/g;
const MAX_LABEL = 63;

/** The DNS-safe form of a service name ('' when nothing is left of it). */
export function dnsSafeName(name: string): string {
  return name
    .replace(INVALID, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_LABEL)
    .replace(/-+$/, '');
}

/**
 * The default service name: the image's base name without tag or digest, as Registrator. A
 * container made from an image ID (`sha256:…`, or its hex short form: what compose builds and
 * `docker run <id>` leave in Config.Image) would be named "sha256" or a hex string; it gets its
 * compose service's name, or its own name, instead.
 */
export function defaultServiceName(image: string, labels: Record<string, string>, containerName: string): string {
  if (!/^(sha256:)?[0-9a-f]{12,64}$/i.test(image.trim())) return imageBaseName(image);
  return labels['com.docker.compose.service']?.trim() || containerName;
}

/**
 * Registrator's own default name, exactly (bridge.go: the path's last part up to its first ":"):
 * "sha256" for an image ID, and a digest kept ("app@sha256"). Only `plan`'s comparison uses it;
 * imageBaseName is the name this registrar gives.
 */
export function registratorImageName(image: string): string {
  return (image.split('/').pop() ?? '').split(':')[0] ?? '';
}

/** The image's base name without tag or digest: the default service name. */
export function imageBaseName(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  return lastPart.split(':')[0]!;
}
