import { describe, expect, it } from 'vitest';
import { parseOpenFileLimit, parseResidentBytes, statCpuSeconds } from '../../../core/bench/proc-stats.js';

describe('/proc parsing for the broker bench', () => {
  it('reads utime + stime (fields 14 and 15) in ticks of 1/100 s', () => {
    const stat = '4242 (node) S 1 4242 4242 0 -1 4194560 9170 0 0 0 1234 566 0 0 20 0 11 0 2947676 1193295872 17920';
    expect(statCpuSeconds(stat)).toBeCloseTo(18.0);
  });

  it('counts fields from after the name, which may hold spaces and parentheses', () => {
    const stat = '4242 (a (b) c) R 1 4242 4242 0 -1 4194560 9170 0 0 0 300 200 0 0 20 0 11 0';
    expect(statCpuSeconds(stat)).toBeCloseTo(5.0);
  });

  it('throws on a line that is not a stat line', () => {
    expect(() => statCpuSeconds('nonsense')).toThrow(/not a \/proc stat line/);
  });

  it("takes the soft limit of the limits table's open files row", () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             96365                96365                processes ',
      'Max open files            20000                1048576              files     ',
    ].join('\n');
    expect(parseOpenFileLimit(limits)).toBe(20000);
    expect(parseOpenFileLimit(limits.replace('20000', 'unlimited'))).toBeNull();
    expect(parseOpenFileLimit('Limit Soft Hard')).toBeNull();
  });
});

describe('/proc status for the export bench', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const status = ['Name:\tnode', 'VmPeak:\t 1234567 kB', 'VmHWM:\t  204800 kB', 'VmRSS:\t  153600 kB', 'Threads:\t11'].join('\n');
    expect(parseResidentBytes(status)).toEqual({ rss: 150 * 1024 * 1024, peak: 200 * 1024 * 1024 });
  });

  it('throws on a table without them (a kernel thread has none)', () => {
    expect(() => parseResidentBytes('Name:\tkthreadd\nState:\tS (sleeping)')).toThrow(/no VmRSS/);
  });
});
