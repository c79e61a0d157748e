/** The display name this browser used last, so people type it once. */
const KEY = 'parley:display-name'
export const MAX_NAME_LENGTH = 64

export function loadDisplayName(): string {
  try {
    return (localStorage.getItem(KEY) ?? '').slice(0, MAX_NAME_LENGTH)
  } catch {
    return ''
  }
}

export function saveDisplayName(name: string): void {
  try {
    localStorage.setItem(KEY, name.slice(0, MAX_NAME_LENGTH))
  } catch {
    // storage disabled: the name is simply not remembered
  }
}
