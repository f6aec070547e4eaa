/** Text to match literally inside a regular expression (JavaScript's and Consul's RE2 alike). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
