import type { Observable } from '../state/useStore.js'
import type { TransferActions, TransferView } from './types.js'

/** The transfers of a call as the UI sees them: a list snapshot plus the actions on it. */
export interface TransferSource extends Observable<readonly TransferView[]>, TransferActions {}
