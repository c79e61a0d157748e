/**
 * Network lab for the web app: two Chromium processes in two network namespaces with no route
 * between them, the server (with the app) and a TURN server (coturn) on this side.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ParleyServer } from '@parley/server'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canMakeNamespaces, createNetnsLink, type NetnsLink } from '../../../packages/cli/test/netns.js'
import { type Coturn, hasCoturn, startCoturn } from '../../../packages/client/test/support/coturn.js'
import { launchBrowser } from '../../../test/support/chromium.js'
import { pseudoRandomFile, sha256Of } from './support/files.js'
import { card, save, sendFiles, stateOf } from './support/transfers.js'
import {
  buildWebApp,
  expectFullMesh,
  joinByLink,
  type Participant,
  peerIdOf,
  poll,
  remoteTile,
  removeWebAppBuild,
  startAppServer,
} from './support/webApp.js'

const MiB = 1024 * 1024

describe('web app in a network lab (namespaces)', () => {
  let allowed = false
  const links: NetnsLink[] = []
  const browsers: Browser[] = []
  const participants: Participant[] = []
  let turn: Coturn | undefined
  let server: ParleyServer | undefined
  const dir = mkdtempSync(join(tmpdir(), 'parley-web-lab-'))

  beforeAll(async () => {
    allowed = (await canMakeNamespaces()) && hasCoturn
    if (allowed) buildWebApp()
  }, 120_000)

  afterAll(() => {
    removeWebAppBuild()
    rmSync(dir, { recursive: true, force: true })
  })

  afterEach(async () => {
    const errors = participants.flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`))
    await Promise.all(participants.splice(0).map((p) => p.close()))
    await Promise.all(browsers.splice(0).map((b) => b.close()))
    await server?.close({ graceful: false })
    await turn?.close()
    await Promise.all(links.splice(0).map((l) => l.remove()))
    server = undefined
    turn = undefined
    expect(errors, 'console errors').toEqual([])
  })

  /** A Chromium process in `link`'s namespace, and a participant of it joined to `room`. */
  const joinFrom = async (link: NetnsLink, room: string, name: string) => {
    // the app's origin is not loopback here: without this, no camera and no OPFS (secure contexts only)
    const browser = await launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${server!.url}`], {
      netns: link.ns,
    })
    browsers.push(browser)
    const p = await joinByLink(browser, server!, room, name)
    participants.push(p)
    return p
  }

  it('Ada and Bo in two namespaces with no route between them: the call connects through the TURN relay (each plays the other’s camera, the quality popover says "Relay (TURN)"), and 32 MiB sent through the file input arrive, saved by the save action with the same SHA-256', async (ctx) => {
    if (!allowed) ctx.skip('needs root, iproute2 and coturn (scripts/ensure-system-deps.mjs installs them)')
    const ada = await createNetnsLink()
    links.push(ada)
    const bo = await createNetnsLink()
    links.push(bo)
    // Bo's namespace reaches this side's address on Ada's link (the server's and coturn's), and
    // nothing of Ada's namespace: no direct path between the two browsers
    await bo.reach(ada.hostIp)
    turn = await startCoturn('parley-web-lab-secret', { ip: ada.hostIp })
    server = await startAppServer(0, { host: ada.hostIp, turnUrls: [turn.url], turnSecret: turn.secret })

    const room = `relay-lab-${process.pid}`
    const adaPage = await joinFrom(ada, room, 'Ada')
    const boPage = await joinFrom(bo, room, 'Bo')
    // each sees the other's camera: media flows through the relay
    await expectFullMesh([adaPage, boPage])

    const indicator = remoteTile(boPage, await peerIdOf(adaPage)).getByTestId('quality-indicator')
    await indicator.click()
    const popover = boPage.page.getByRole('dialog', { name: 'Connection with Ada' })
    await expect.poll(() => popover.textContent(), { timeout: 20_000 }).toMatch(/Path\s*Relay \(TURN\)/)
    await boPage.page.keyboard.press('Escape')

    const file = pseudoRandomFile(dir, 'relayed.bin', 32 * MiB, 41)
    await sendFiles(adaPage, [file.path])
    await poll(() => stateOf(boPage), 30_000).toBe('offered')
    await boPage.page.getByTestId('file-accept').click()
    await expect.poll(() => stateOf(boPage), { timeout: 120_000, interval: 250 }).toBe('done')
    await poll(() => stateOf(adaPage), 30_000).toBe('done')
    expect(await card(boPage).count()).toBe(1)
    expect(await sha256Of(await save(boPage))).toBe(file.sha256)
  }, 240_000)
})
