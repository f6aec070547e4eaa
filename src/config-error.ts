/** A setting the operator must fix: the CLI prints its message (naming the flag and variable) and exits 2. */
export class ConfigError extends Error {}
