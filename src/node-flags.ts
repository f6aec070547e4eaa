// V8's optimizing compiler off however the registrar is started (`node dist/cli.js`, a wrapper, a
// unit file), not only through the shebang or the image's entrypoint: it costs resident memory on
// every host and buys nothing measurable for work that waits on sockets (README, Performance).
// Applied at run time it still holds for every function optimized later, i.e. all of them; the
// young generation's size (--max-semi-space-size) cannot be changed once V8 runs, so only the
// command line sets it. An explicit --opt or --no-opt on node's command line wins.
import { setFlagsFromString } from 'node:v8';

if (!process.execArgv.some((flag) => /^--(no-)?(opt|turbofan)$/.test(flag))) setFlagsFromString('--no-opt');
