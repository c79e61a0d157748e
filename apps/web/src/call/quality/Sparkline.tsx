/** A small line chart of recent values (newest on the right), scaled to its own maximum. */
export function Sparkline({
  values,
  width = 200,
  height = 40,
  label,
}: {
  values: readonly number[]
  width?: number
  height?: number
  label: string
}) {
  const max = Math.max(1, ...values)
  const step = values.length > 1 ? width / (values.length - 1) : width
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`,
  )
  const line = points.join(' ')
  const area = values.length > 1 ? `0,${height} ${line} ${width},${height}` : ''
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      {area ? <polygon points={area} class="sparkline__area" /> : null}
      {values.length > 1 ? <polyline points={line} class="sparkline__line" /> : null}
    </svg>
  )
}
