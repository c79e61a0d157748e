export function Brand({ compact = false }: { compact?: boolean }) {
  return (
    <a class={compact ? 'brand brand--compact' : 'brand'} href="/" aria-label="Parley home">
      <svg class="brand__mark" viewBox="0 0 64 64" aria-hidden="true" focusable="false">
        <rect width="64" height="64" rx="16" fill="var(--accent)" />
        <path
          d="M16 22a8 8 0 0 1 8-8h16a8 8 0 0 1 8 8v12a8 8 0 0 1-8 8H30l-9 8v-8.6A8 8 0 0 1 16 34z"
          fill="#fff"
        />
      </svg>
      {compact ? null : <span class="brand__name">Parley</span>}
    </a>
  )
}
