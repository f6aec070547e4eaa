/** A setting the operator must fix: the CLI prints its message (naming the flag and variable) and exits 2. */
export class ConfigError extends Error {}

/** A daemon that does not answer where a one-shot command (plan) cannot wait: the CLI prints its message and exits 1. */
export class UnreachableError extends Error {}
