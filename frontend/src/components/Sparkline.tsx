// A tiny SVG line of the last N points; null points are gaps (no samples that minute).
export function Sparkline({
  values,
  width = 120,
  height = 28,
  label,
}: {
  values: (number | null)[];
  width?: number;
  height?: number;
  label?: string;
}) {
  const present = values.filter((v): v is number => v != null);
  const max = present.length ? Math.max(...present) : 1;
  const n = Math.max(values.length - 1, 1);
  const x = (i: number) => (i / n) * (width - 2) + 1;
  const y = (v: number) => height - 2 - (max > 0 ? (v / max) * (height - 4) : 0);
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v == null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  const dots = values.map((v, i) => (v != null && (i === 0 || values[i - 1] == null) && (i === values.length - 1 || values[i + 1] == null) ? i : -1)).filter((i) => i >= 0);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <line x1="0" x2={width} y1={height - 1} y2={height - 1} className="sparkline__base" />
      {d && <path d={d} className="sparkline__line" />}
      {dots.map((i) => (
        <circle key={i} cx={x(i)} cy={y(values[i] as number)} r="1.5" className="sparkline__dot" />
      ))}
    </svg>
  );
}
