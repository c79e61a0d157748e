/** The orchestrator's handle on one load-generator process: typed request/reply over IPC. */
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { spawnWithFdLimit, stopChild } from '../support/childProcess.js'
import type {
  IdleResult,
  LoadgenReply,
  OpenIdleCommand,
  RunCommand,
  RunResult,
  SetupRelayCommand,
  SetupResult,
} from './loadgenMessages.js'

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url))

type Omitted<T> = Omit<T, 'cmd'>

export class LoadgenProcess {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  #seq = 0

  constructor(cwd: string) {
    this.#child = spawnWithFdLimit(process.execPath, ['--import', 'tsx', LOADGEN], {
      cwd,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.#child.on('message', (reply: LoadgenReply) => {
      const pending = this.#pending.get(reply.seq)
      this.#pending.delete(reply.seq)
      if (reply.ok) pending?.resolve(reply.result)
      else pending?.reject(new Error(`load generator: ${reply.error}`))
    })
    this.#child.on('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(`load generator exited (${code ?? signal})`))
      }
      this.#pending.clear()
    })
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  setupRelay(command: Omitted<SetupRelayCommand>): Promise<SetupResult> {
    return this.#call({ cmd: 'setupRelay', ...command })
  }

  run(command: Omitted<RunCommand>): Promise<RunResult> {
    return this.#call({ cmd: 'run', ...command })
  }

  openIdle(command: Omitted<OpenIdleCommand>): Promise<IdleResult> {
    return this.#call({ cmd: 'openIdle', ...command })
  }

  closeIdle(): Promise<void> {
    return this.#call({ cmd: 'closeIdle' })
  }

  /** Ends the process (its connections drop with it). */
  stop(): Promise<void> {
    return stopChild(this.#child, 2000)
  }

  #call<T>(command: object): Promise<T> {
    const seq = ++this.#seq
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(seq, { resolve: resolve as (value: unknown) => void, reject })
      this.#child.send({ seq, ...command }, (error) => {
        if (error) {
          this.#pending.delete(seq)
          reject(error)
        }
      })
    })
  }
}
