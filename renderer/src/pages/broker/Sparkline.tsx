const WIDTH = 60;
const HEIGHT = 16;

/** Messages per second over the last 30 s as a line: a glance at whether a topic is steady, bursty or stopped. */
export function Sparkline({ counts }: { counts: readonly number[] }) {
  if (counts.length < 2) return null;
  const peak = Math.max(1, ...counts);
  const step = WIDTH / (counts.length - 1);
  const points = counts.map((count, index) => `${(index * step).toFixed(1)},${(HEIGHT - 1 - (count / peak) * (HEIGHT - 2)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true">
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.25" />
    </svg>
  );
}
