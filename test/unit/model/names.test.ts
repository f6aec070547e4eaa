import { expect } from 'chai';
import { defaultServiceName, dnsSafeName, imageBaseName } from '../../../src/model/names.js';

describe('model/names', () => {
  describe('dnsSafeName', () => {
    it('keeps a name that is already DNS-safe', () => {
      expect(dnsSafeName('web-80')).to.equal('web-80');
      expect(dnsSafeName('Api2')).to.equal('Api2');
    });

    it('turns each run of other characters into one dash', () => {
      expect(dnsSafeName('my_app.v2')).to.equal('my-app-v2');
      expect(dnsSafeName('a _.b')).to.equal('a-b');
      expect(dnsSafeName('a--b')).to.equal('a-b');
      expect(dnsSafeName('café')).to.equal('caf');
    });

    it('trims dashes at both ends', () => {
      expect(dnsSafeName('_web_')).to.equal('web');
      expect(dnsSafeName('-web-')).to.equal('web');
    });

    it('cuts to 63 characters without leaving a trailing dash', () => {
      expect(dnsSafeName('a'.repeat(80))).to.equal('a'.repeat(63));
      expect(dnsSafeName(`${'a'.repeat(62)}-bcd`)).to.equal('a'.repeat(62));
    });

    it('gives an empty name when nothing usable is left', () => {
      expect(dnsSafeName('___')).to.equal('');
      expect(dnsSafeName('')).to.equal('');
      expect(dnsSafeName('日本')).to.equal('');
    });
  });

  describe('imageBaseName', () => {
    const cases: [string, string][] = [
      ['redis', 'redis'],
      ['redis:7', 'redis'],
      ['library/redis:7', 'redis'],
      ['consul-registrar-test/busybox:1', 'busybox'],
      ['registry.example:5000/team/app:1.2', 'app'],
      ['registry.example:5000/app', 'app'],
      ['app@sha256:0123abcd', 'app'],
      ['registry.example:5000/team/app:1.2@sha256:0123abcd', 'app'],
    ];
    for (const [image, base] of cases) {
      it(`gives ${base} for ${image}`, () => expect(imageBaseName(image)).to.equal(base));
    }
  });
});

describe('model/names: defaultServiceName', () => {
  const id = 'f3a9c81b7d4e2a6b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b';
  it('is the image base name for a named image', () => {
    expect(defaultServiceName('registry.local:5000/team/api:1.2', {}, 'api-1')).to.equal('api');
  });

  it("falls back to the compose service, or the container's name, for an image ID", () => {
    expect(defaultServiceName(`sha256:${id}`, { 'com.docker.compose.service': 'worker' }, 'proj-worker-1')).to.equal('worker');
    expect(defaultServiceName(id.slice(0, 12), {}, 'proj-worker-1')).to.equal('proj-worker-1');
    expect(defaultServiceName(id, { 'com.docker.compose.service': ' ' }, 'proj-worker-1')).to.equal('proj-worker-1');
  });
});
