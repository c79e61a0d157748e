export function DevicePicker({
  label,
  devices,
  value,
  disabled,
  testId,
  onChange,
}: {
  label: string
  devices: readonly MediaDeviceInfo[]
  value: string | undefined
  disabled: boolean
  testId: string
  onChange: (deviceId: string) => void
}) {
  return (
    <label class="field">
      <span class="field__label">{label}</span>
      <select
        class="select"
        data-testid={testId}
        disabled={disabled || devices.length === 0}
        value={value ?? devices[0]?.deviceId ?? ''}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        {devices.length === 0 ? <option value="">None found</option> : null}
        {devices.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  )
}
