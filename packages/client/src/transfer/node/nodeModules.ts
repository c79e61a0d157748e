import type * as FsPromises from 'node:fs/promises'
import type * as Path from 'node:path'

/**
 * Node's fs and path, imported on first use with non-literal specifiers so that browser bundles
 * of the SDK never include them (the Node file source and sink are only constructed in Node).
 */
export interface NodeModules {
  readonly fs: typeof FsPromises
  readonly path: typeof Path
}

const FS = ['node', 'fs/promises'].join(':')
const PATH = ['node', 'path'].join(':')
let modules: Promise<NodeModules> | undefined

export function nodeModules(): Promise<NodeModules> {
  modules ??= (async () => {
    const [fs, path] = await Promise.all([import(/* @vite-ignore */ FS), import(/* @vite-ignore */ PATH)])
    return { fs: fs as typeof FsPromises, path: path as typeof Path }
  })()
  return modules
}

/** The errno code of a Node system error, if any. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
