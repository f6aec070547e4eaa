// /metrics by Prometheus' conventions: every series from the first scrape, cumulative histogram
// buckets, the version and each dependency as labelled gauges, process metrics.
import { expect } from 'chai';
import { Metrics } from '../../../src/status/metrics.js';
import { VERSION } from '../../../src/version.js';

const series = (text: string) =>
  new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
  );

describe('status/metrics: Metrics', () => {
  it('has every series at its first scrape, counters at 0', () => {
    const s = series(new Metrics().render());
    for (const name of [
      'registrar_registrations_total',
      'registrar_sync_errors_total',
      'registrar_owned_services',
      'registrar_full_pass_duration_seconds_count',
    ]) {
      expect(s.get(name), name).to.equal(0);
    }
    expect(s.get('registrar_dependency_up{dependency="docker"}')).to.equal(0);
    expect(s.get(`registrar_build_info{version="${VERSION}",nodejs="${process.version}"}`)).to.equal(1);
    expect(s.get('process_resident_memory_bytes')).to.be.above(0);
    expect(s.get('process_open_fds')).to.be.above(0);
  });

  it('keeps histogram buckets cumulative, with +Inf, _sum and _count', () => {
    const m = new Metrics();
    for (const seconds of [0.003, 0.02, 0.02, 7]) m.observe('registrar_sync_duration_seconds', seconds);
    const s = series(m.render({ up: () => ({ docker: true, consul: false }) }));
    expect(s.get('registrar_sync_duration_seconds_bucket{le="0.005"}')).to.equal(1);
    expect(s.get('registrar_sync_duration_seconds_bucket{le="0.025"}')).to.equal(3);
    expect(s.get('registrar_sync_duration_seconds_bucket{le="5"}')).to.equal(3);
    expect(s.get('registrar_sync_duration_seconds_bucket{le="+Inf"}')).to.equal(4);
    expect(s.get('registrar_sync_duration_seconds_count')).to.equal(4);
    expect(s.get('registrar_sync_duration_seconds_sum')).to.be.closeTo(7.043, 1e-9);
    expect(s.get('registrar_dependency_up{dependency="docker"}')).to.equal(1);
    expect(s.get('registrar_dependency_up{dependency="consul"}')).to.equal(0);
  });
});
