import { expect } from 'chai';
import { commandArgv, splitCommand } from '../../../src/model/script-command.js';

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

describe('model/script-command: commandArgv', () => {
  const argv = (command: string) => commandArgv(command, VARS);

  it("runs a command written for a shell through the container's /bin/sh, as Registrator's users wrote them", () => {
    for (const command of [
      'nc $SERVICE_IP $SERVICE_PORT | grep OK',
      'curl -sf localhost/health || exit 2',
      'test -f /ready && echo ok',
      'pg_isready > /dev/null',
      'echo $HOME',
      'echo "${PATH}"',
      'echo `date`',
      'ls /etc/*.conf',
      'cd /app; ./check',
      '~/bin/check',
      'check # a comment',
      'check\nother',
    ]) {
      expect(argv(command), command).to.deep.include({ shell: true });
    }
    expect(argv('nc $SERVICE_IP $SERVICE_PORT | grep OK')).to.deep.equal({
      argv: ['/bin/sh', '-c', 'nc 10.0.0.5 8080 | grep OK'],
      shell: true,
    });
  });

  it('splits anything else into arguments and runs it with no shell, quoted operators included', () => {
    expect(argv('pg_isready -h $SERVICE_IP -p ${SERVICE_PORT}\n')).to.deep.equal({
      argv: ['pg_isready', '-h', '10.0.0.5', '-p', '8080'],
      shell: false,
    });
    expect(argv(`sh -c 'curl -sf localhost/health || exit 2'`)).to.deep.equal({
      argv: ['sh', '-c', 'curl -sf localhost/health || exit 2'],
      shell: false,
    });
    expect(argv('grep "a|b" file \\> x')?.shell).to.equal(false);
    expect(argv('echo a#b x~y')?.shell).to.equal(false);
  });

  it('refuses what cannot be split, as before', () => {
    expect(argv("echo 'oops")).to.equal(undefined);
  });
});
