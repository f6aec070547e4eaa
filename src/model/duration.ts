// Consul parses durations with Go's time.ParseDuration; anything else is a 400 for the whole service.
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

export function isGoDuration(value: string): boolean {
  return GO_DURATION.test(value);
}
