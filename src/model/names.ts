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

/** Registrator's default service name: the image's base name without tag or digest. */
export function imageBaseName(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  return lastPart.split(':')[0]!;
}
