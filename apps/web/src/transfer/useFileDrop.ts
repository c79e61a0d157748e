import { useEffect, useRef, useState } from 'preact/hooks'
import { filesOfDrop } from './droppedFiles.js'

/**
 * Files dropped anywhere on the page go to `onDrop` (while `enabled`), a dropped folder as every
 * file under it (see filesOfDrop: read after the event, hence a promise); returns whether files
 * are being dragged over the page, for a "drop here" overlay.
 */
export function useFileDrop(enabled: boolean, onDrop: (files: Promise<readonly File[]>) => void): boolean {
  const [over, setOver] = useState(false)
  const depth = useRef(0)
  const handler = useRef(onDrop)
  handler.current = onDrop

  useEffect(() => {
    if (!enabled) return
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') === true
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      depth.current++
      setOver(true)
    }
    const overHandler = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'
    }
    const leave = () => {
      depth.current = Math.max(0, depth.current - 1)
      if (depth.current === 0) setOver(false)
    }
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      depth.current = 0
      setOver(false)
      // folders are read after the event (their entries were taken during it)
      if (e.dataTransfer) handler.current(filesOfDrop(e.dataTransfer))
    }
    document.addEventListener('dragenter', enter)
    document.addEventListener('dragover', overHandler)
    document.addEventListener('dragleave', leave)
    document.addEventListener('drop', drop)
    return () => {
      document.removeEventListener('dragenter', enter)
      document.removeEventListener('dragover', overHandler)
      document.removeEventListener('dragleave', leave)
      document.removeEventListener('drop', drop)
      depth.current = 0
      setOver(false)
    }
  }, [enabled])

  return over
}
