import { expect } from 'chai';
import { describeError } from '../../src/errors.js';

describe('errors: describeError', () => {
  it("names Consul and its own message for the consul package's errors", () => {
    const err = Object.assign(new Error('forbidden'), { isPapi: true, statusCode: 403, response: { body: 'Permission denied\n' } });
    expect(describeError(err)).to.equal('Consul answered 403: Permission denied');
  });

  it("names Docker and its message for dockerode's errors", () => {
    const err = Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'driver failed' } });
    expect(describeError(err)).to.equal('Docker answered 500: driver failed');
  });

  it('keeps a network error as Node words it, naming the address that failed', () => {
    expect(describeError(new Error('connect ECONNREFUSED 127.0.0.1:8500'))).to.equal('connect ECONNREFUSED 127.0.0.1:8500');
  });
});
