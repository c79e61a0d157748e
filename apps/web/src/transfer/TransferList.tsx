import { TransferCard } from './TransferCard.js'
import type { TransferActions, TransferView } from './types.js'

/** The transfers of this call, newest last, above the controls. */
export function TransferList({
  transfers,
  actions,
}: {
  transfers: readonly TransferView[]
  actions: TransferActions
}) {
  if (transfers.length === 0) return null
  return (
    <section class="transfers" aria-label="File transfers">
      {transfers.map((t) => (
        <TransferCard key={t.id} transfer={t} actions={actions} />
      ))}
    </section>
  )
}
