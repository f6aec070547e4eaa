import { expect } from 'chai';
import { ndjson } from '../../../src/docker/ndjson.js';

async function* chunks(...parts: (Buffer | string)[]): AsyncGenerator<Buffer | string> {
  for (const part of parts) {
    await Promise.resolve();
    yield part;
  }
}

async function collect(stream: AsyncIterable<Buffer | string>): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const value of ndjson(stream)) values.push(value);
  return values;
}

describe('docker/ndjson', () => {
  it('yields every event of a chunk that carries several lines', async () => {
    const buf = Buffer.from('{"status":"start","id":"a"}\n{"status":"die","id":"b"}\n{"status":"stop","id":"c"}\n');
    expect(await collect(chunks(buf))).to.deep.equal([
      { status: 'start', id: 'a' },
      { status: 'die', id: 'b' },
      { status: 'stop', id: 'c' },
    ]);
  });

  it('joins one event split across several chunks', async () => {
    const parts = ['{"status":"st', 'art","id"', ':"abc"}', '\n'].map((s) => Buffer.from(s));
    expect(await collect(chunks(...parts))).to.deep.equal([{ status: 'start', id: 'abc' }]);
  });

  it('keeps a multi-byte UTF-8 character whole when a chunk boundary cuts through it', async () => {
    const bytes = Buffer.from('{"name":"café☃𝄞"}\n', 'utf8');
    // Cut inside é (2 bytes), ☃ (3 bytes) and 𝄞 (4 bytes).
    const e = bytes.indexOf(0xc3);
    const snow = bytes.indexOf(0xe2);
    const clef = bytes.indexOf(0xf0);
    const parts = [
      bytes.subarray(0, e + 1),
      bytes.subarray(e + 1, snow + 2),
      bytes.subarray(snow + 2, clef + 1),
      bytes.subarray(clef + 1, clef + 3),
      bytes.subarray(clef + 3),
    ];
    expect(Buffer.concat(parts).equals(bytes)).to.equal(true);
    expect(await collect(chunks(...parts))).to.deep.equal([{ name: 'café☃𝄞' }]);
  });

  it('feeds the stream one byte at a time without losing anything', async () => {
    const bytes = Buffer.from('{"a":"ü"}\n{"b":"→"}\n', 'utf8');
    const parts = [...bytes].map((b) => Buffer.from([b]));
    expect(await collect(chunks(...parts))).to.deep.equal([{ a: 'ü' }, { b: '→' }]);
  });

  it('yields a trailing line that has no newline when the stream ends', async () => {
    expect(await collect(chunks(Buffer.from('{"n":1}\n{"n":2}')))).to.deep.equal([{ n: 1 }, { n: 2 }]);
  });

  it('yields a trailing line whose last multi-byte character was cut, once the stream ends', async () => {
    const bytes = Buffer.from('{"s":"ö"}', 'utf8');
    expect(await collect(chunks(bytes.subarray(0, 7), bytes.subarray(7)))).to.deep.equal([{ s: 'ö' }]);
  });

  it('skips blank lines and tolerates CRLF', async () => {
    expect(await collect(chunks('\n\n{"n":1}\r\n  \n', '{"n":2}\r\n'))).to.deep.equal([{ n: 1 }, { n: 2 }]);
  });

  it('accepts string chunks', async () => {
    expect(await collect(chunks('{"a":', '1}\n'))).to.deep.equal([{ a: 1 }]);
  });

  it('yields nothing for an empty stream', async () => {
    expect(await collect(chunks())).to.deep.equal([]);
  });

  it('throws on a line that is not JSON', async () => {
    let error: unknown;
    try {
      await collect(chunks('{"ok":1}\nnot json\n'));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(SyntaxError);
  });
});
