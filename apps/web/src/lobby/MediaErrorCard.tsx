import type { Explanation } from '../sdk/mediaErrors.js'
import { Icon } from '../ui/icons.js'

export function MediaErrorCard({ explanation, onRetry }: { explanation: Explanation; onRetry: () => void }) {
  return (
    <div class="media-error" role="alert" data-testid="media-error">
      <Icon name="alert" size={28} />
      <h2 class="media-error__title">{explanation.title}</h2>
      <p class="media-error__detail">{explanation.detail}</p>
      {explanation.retry ? (
        <button type="button" class="btn btn--secondary" onClick={onRetry}>
          <Icon name="refresh" size={16} /> Try again
        </button>
      ) : null}
    </div>
  )
}
