/** The File System Access API's dialogs (Chromium), each absent where the browser has none. */
export interface Pickers {
  showSaveFilePicker?: (options: { suggestedName?: string }) => Promise<FileSystemFileHandle>
  showDirectoryPicker?: (options: {
    mode?: 'read' | 'readwrite'
    id?: string
  }) => Promise<FileSystemDirectoryHandle>
}

/** The global's dialogs, looked up at each call (an application or a test may replace them). */
export function pickers(): Pickers {
  return globalThis as Pickers
}
