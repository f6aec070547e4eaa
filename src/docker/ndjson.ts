import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream of newline-delimited JSON into parsed values. A chunk may carry several
 * lines or part of one, and a multi-byte character may be cut between chunks: both are handled.
 */
export async function* ndjson(stream: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== '') yield JSON.parse(line);
    }
  }
  const rest = (pending + decoder.end()).trim();
  if (rest !== '') yield JSON.parse(rest);
}
