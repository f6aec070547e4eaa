import { expect } from 'chai';
import { splitCommand } from '../../../src/model/script-command.js';

const VARS = { SERVICE_IP: '10.0.0.5', SERVICE_PORT: '8080' };
const split = (command: string) => splitCommand(command, VARS);

describe('model/script-command: splitCommand', () => {
  it('splits words at blanks, any number of them', () => {
    expect(split('  pg_isready  -h\tlocalhost \n')).to.deep.equal(['pg_isready', '-h', 'localhost']);
  });

  it('replaces $SERVICE_IP and ${SERVICE_PORT} (and the other spellings)', () => {
    expect(split('curl -sf http://$SERVICE_IP:${SERVICE_PORT}/health')).to.deep.equal(['curl', '-sf', 'http://10.0.0.5:8080/health']);
    expect(split('nc -z ${SERVICE_IP} $SERVICE_PORT')).to.deep.equal(['nc', '-z', '10.0.0.5', '8080']);
  });

  it('replaces the variables inside double quotes too', () => {
    expect(split('echo "at $SERVICE_IP:$SERVICE_PORT"')).to.deep.equal(['echo', 'at 10.0.0.5:8080']);
  });

  it('leaves other $VARS as written, for the command (or a shell it starts) to read', () => {
    expect(split('echo $HOME ${PATH} $SERVICE_IPX $1')).to.deep.equal(['echo', '$HOME', '${PATH}', '$SERVICE_IPX', '$1']);
  });

  it('keeps everything inside single quotes literally', () => {
    expect(split(`sh -c 'curl -sf localhost/health || exit 2'`)).to.deep.equal(['sh', '-c', 'curl -sf localhost/health || exit 2']);
    expect(split(`echo 'a\\b "c"'`)).to.deep.equal(['echo', 'a\\b "c"']);
  });

  it('keeps blanks inside double quotes and honours \\" \\\\ and \\$ there', () => {
    expect(split(`echo "a  b" "say \\"hi\\"" "back\\\\slash" "\\$HOME" "other\\n"`)).to.deep.equal([
      'echo',
      'a  b',
      'say "hi"',
      'back\\slash',
      '$HOME',
      'other\\n',
    ]);
  });

  it('lets a backslash outside quotes escape the next character', () => {
    expect(split('echo a\\ b \\"x\\" \\\\')).to.deep.equal(['echo', 'a b', '"x"', '\\']);
  });

  it('joins quoted and unquoted parts of one word', () => {
    expect(split(`--opt="a b"'c d'e`)).to.deep.equal(['--opt=a bc de']);
  });

  it('keeps an empty quoted argument', () => {
    expect(split('printf "" x')).to.deep.equal(['printf', '', 'x']);
    expect(split("cmd ''")).to.deep.equal(['cmd', '']);
  });

  it('refuses an unclosed quote', () => {
    expect(split("echo 'oops")).to.equal(undefined);
    expect(split('echo "oops')).to.equal(undefined);
  });

  it('refuses a backslash with nothing after it', () => {
    expect(split('echo x\\')).to.equal(undefined);
  });

  it('refuses an empty or blank command', () => {
    expect(split('')).to.equal(undefined);
    expect(split(' \t ')).to.equal(undefined);
  });
});
