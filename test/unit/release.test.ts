// Release basics that drift unless checked: one version everywhere, a licence, a changelog, and a
// compose file an operator can run as it is.
import { readFileSync, existsSync } from 'node:fs';
import { expect } from 'chai';

const file = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const { version, license } = JSON.parse(file('package.json')) as { version: string; license: string };

describe('release basics', () => {
  it('has a LICENSE matching package.json and a CHANGELOG', () => {
    expect(license).to.equal('MIT');
    expect(file('LICENSE')).to.match(/^MIT License/);
    expect(existsSync(new URL('../../CHANGELOG.md', import.meta.url))).to.equal(true);
  });

  it("tags and labels the image with package.json's version in docker-compose.yml and the Dockerfile", () => {
    const compose = file('docker-compose.yml');
    expect(compose).to.include(`image: consul-registrar:${version}`);
    expect(compose).to.match(new RegExp(`VERSION: ${version.replace(/\./g, '\\.')}\\b`));
    expect(compose, 'the obsolete top-level version key').not.to.match(/^version:/m);
    expect(file('deploy/Dockerfile')).to.include('org.opencontainers.image.version="${VERSION}"');
    expect(file('deploy/offline/Dockerfile')).to.include('org.opencontainers.image.version="${VERSION}"');
  });

  it('names the image consul-registrar:<version> wherever an operator copies it from, and nothing else', () => {
    const places = ['README.md', 'docker-compose.yml', 'deploy/Dockerfile', 'deploy/systemd/consul-registrar.service', 'docs/security.md'];
    for (const path of places) {
      // Any image reference of the registrar (not the test images under consul-registrar-test/, nor the service ID consul-registrar:<host ID>).
      const tags = [...file(path).matchAll(/(?<![\w/-])consul-registrar:([\w.-]+)/g)].map((m) => m[1]);
      expect(
        tags.filter((t) => t !== version && t !== '<host'),
        path,
      ).to.deep.equal([]);
    }
    expect(file('deploy/systemd/consul-registrar.service')).to.include(`IMAGE=consul-registrar:${version}`);
    expect(file('deploy/offline/build.sh')).to.include('tag=${1:-consul-registrar:$version}');
  });
});
