/** One message of the fork server: a verb, the run it is about, its words, and for output its bytes. */
export interface Frame {
  verb: string;
  run: number;
  words: string[];
  data?: Buffer;
}

// A header is a few short words; anything longer means the stream is not the server's.
const MAX_HEADER = 256;

/**
 * Cuts the fork server's stdout into frames: a line `VERB RUN WORDS...`, and for `O RUN LENGTH` the
 * LENGTH bytes of output after it. Output is binary, so the stream is parsed here, not by lines.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  /** Takes the next chunk; throws when the stream breaks the format (the server is then not trusted). */
  add(chunk: Buffer): void {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const end = buffer.indexOf(10);
      if (end < 0) {
        if (buffer.length > MAX_HEADER) throw new Error('the fork server sent a header too long');
        break;
      }
      const [verb = '', run = '', ...words] = buffer.toString('latin1', 0, end).split(' ');
      let next = end + 1;
      let data: Buffer | undefined;
      if (verb === 'O') {
        const length = Number(words[0]);
        if (!Number.isInteger(length) || length < 0) throw new Error('the fork server sent a bad output length');
        if (buffer.length < next + length) break;
        data = buffer.subarray(next, next + length);
        next += length;
      }
      buffer = buffer.subarray(next);
      this.onFrame({ verb, run: Number(run), words, data });
    }
    // A copy, so that a big chunk is not kept alive by a small remainder.
    this.pending = Buffer.from(buffer);
  }
}
