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
  });
});
