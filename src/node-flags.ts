// V8's optimizing compiler off however the registrar is started (`node dist/cli.js`, a wrapper, a
// unit file), not only through the shebang or the image's entrypoint: it costs resident memory on
// every host and buys nothing measurable for work that waits on sockets (README, Performance).
// Applied at run time it still holds for every function optimized later, i.e. all of them; the
// young generation's size (--max-semi-space-size) cannot be changed once V8 runs, so only the
// command line sets it. An explicit --opt or --no-opt on node's command line wins.
import { setFlagsFromString } from 'node:v8';

if (!process.execArgv.some((flag) => /^--(no-)?(opt|turbofan)$/.test(flag))) setFlagsFromString('--no-opt');

// V8's heap kept near what is live, however the registrar is started: at 100 script checks a second,
// each run's objects that outlive a young-generation collection pile up in the old generation,
// which by default grows to three or four times what is live before it is collected (40 MiB of
// anonymous memory with 10 MiB live, 200 checked containers). Every fork of a check copies the page
// tables of that memory (0.037 ms of CPU per MiB per fork); with this flag the same run held 21–27
// MiB (docs/security.md). An explicit --optimize-for-size or --no-optimize-for-size on node's command line wins.
if (!process.execArgv.some((flag) => /^--(no-)?optimize[-_]for[-_]size$/.test(flag))) setFlagsFromString('--optimize-for-size');
