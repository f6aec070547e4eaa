import { expect } from 'chai';
import { FrameReader, type Frame } from '../../../src/checks/server-frames.js';

describe('checks/server-frames', () => {
  it('cuts headers and binary output into frames, whatever the chunks', () => {
    const stream = Buffer.concat([Buffer.from('S 1 4242\nO 1 5\n'), Buffer.from('a\nb\0c'), Buffer.from('C 1\nX 1 - 9\n')]);
    for (const size of [1, 3, 7, stream.length]) {
      const frames: Frame[] = [];
      const reader = new FrameReader((frame) => frames.push(frame));
      for (let at = 0; at < stream.length; at += size) reader.add(stream.subarray(at, at + size));
      expect(frames.map((f) => [f.verb, f.run, f.words.join(' '), f.data?.toString('latin1')])).to.deep.equal([
        ['S', 1, '4242', undefined],
        ['O', 1, '5', 'a\nb\0c'],
        ['C', 1, '', undefined],
        ['X', 1, '- 9', undefined],
      ]);
    }
  });

  it('throws on what is not the server format', () => {
    expect(() => new FrameReader(() => undefined).add(Buffer.from('O 1 x\n'))).to.throw();
    expect(() => new FrameReader(() => undefined).add(Buffer.alloc(1000, 65))).to.throw();
  });
});
