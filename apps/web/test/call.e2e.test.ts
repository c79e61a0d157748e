import { describe, expect, it } from 'vitest'
import {
  expectFullMesh,
  expectVideoPlaying,
  forgetRefusedWebSockets,
  openPage,
  type Participant,
  peerIdOf,
  poll,
  remoteTile,
  screenshotPath,
  useWebAppSuite,
} from './support/webApp.js'

const suite = useWebAppSuite('e2e')
const { nextRoom, join } = suite

describe('web app call', () => {
  it('two participants joining by link each see the other video playing and chat both ways', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])

    await ada.page.getByTestId('toggle-chat').click()
    await ada.page.getByTestId('chat-input').fill('Hello Bo')
    await ada.page.getByTestId('chat-send').click()
    // Bo's chat is closed: an unread badge in the chat button's name, then the message.
    await expect
      .poll(() => bo.page.getByTestId('toggle-chat').getAttribute('aria-label'))
      .toBe('Chat, 1 unread')
    await bo.page.getByTestId('toggle-chat').click()
    await expect
      .poll(() => bo.page.getByTestId('chat-message').allInnerTexts())
      .toEqual([expect.stringContaining('Hello Bo')])
    await bo.page.getByTestId('chat-input').fill('Hi Ada')
    await bo.page.getByTestId('chat-input').press('Enter')
    await expect
      .poll(() => ada.page.getByTestId('chat-message').allInnerTexts())
      .toEqual([expect.stringContaining('Hello Bo'), expect.stringContaining('Hi Ada')])
    await poll(() => ada.page.locator('[data-testid="chat-message"] time').count()).toBe(2)
  })

  it('the quality indicator reflects live stats and its popover shows the figures and the identity check', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const indicator = remoteTile(ada, await peerIdOf(bo)).getByTestId('quality-indicator')
    await expect
      .poll(() => indicator.getAttribute('data-level'), { timeout: 20_000 })
      .toMatch(/^(excellent|good)$/)
    await indicator.click()
    const popover = ada.page.getByRole('dialog', { name: 'Connection with Bo' })
    await expect.poll(() => popover.textContent(), { timeout: 20_000 }).toMatch(/Receiving\s*\d+ kbit\/s/)
    // The encoder may start below the camera's 640×480 while its bitrate ramps up (Chromium's initial
    // frame dropper): the popover follows the live stats, so wait for the full size.
    await expect
      .poll(() => popover.textContent(), { timeout: 20_000 })
      .toMatch(/Video in\s*640×480 @ \d+ fps/)
    const text = (await popover.textContent()) ?? ''
    expect(text).toMatch(/Round trip\s*\d+ ms/)
    expect(text).toMatch(/Path\s*Direct/)
    // Both sides derive the same identity code.
    const code = (p: typeof ada) => p.page.locator('.sas__code code').first().textContent()
    await bo.page.getByTestId('toggle-people').click()
    expect(await code(bo)).toBe(await code(ada))
    expect(await code(ada)).toMatch(/\d/)
    await ada.page.keyboard.press('Escape')
    await popover.waitFor({ state: 'detached' })
  })

  it('muting the microphone shows the muted indicator on the other side, unmuting removes it; the one still talking is highlighted', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const adaTile = remoteTile(bo, await peerIdOf(ada))
    expect(await adaTile.getByTestId('muted-indicator').count()).toBe(0)
    expect(await ada.page.getByTestId('toggle-mic').getAttribute('aria-pressed')).toBe('true')

    await ada.page.getByTestId('toggle-mic').click()
    expect(await ada.page.getByTestId('toggle-mic').getAttribute('aria-pressed')).toBe('false')
    await adaTile.getByTestId('muted-indicator').waitFor()
    // Bo's (fake, beeping) microphone is the only one on: his tile is the active speaker at Ada's.
    await remoteTile(ada, await peerIdOf(bo))
      .and(ada.page.locator('[data-speaking="true"]'))
      .waitFor()
    expect(await ada.page.getByTestId('local-tile').getAttribute('data-speaking')).toBe('false')

    await ada.page.keyboard.press('m')
    expect(await ada.page.getByTestId('toggle-mic').getAttribute('aria-pressed')).toBe('true')
    await adaTile.getByTestId('muted-indicator').waitFor({ state: 'detached' })
  })

  it('screen sharing replaces the camera on the other side (1280x720) and stopping restores it (640x480)', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const adaId = await peerIdOf(ada)
    await expectVideoPlaying(bo, adaId, { width: 640, height: 480 })

    await ada.page.getByTestId('toggle-screen').click()
    await poll(() => ada.page.getByTestId('toggle-screen').getAttribute('aria-pressed')).toBe('true')
    await expectVideoPlaying(bo, adaId, { width: 1280, height: 720 })

    await ada.page.getByTestId('toggle-screen').click()
    await poll(() => ada.page.getByTestId('toggle-screen').getAttribute('aria-pressed')).toBe('false')
    await expectVideoPlaying(bo, adaId, { width: 640, height: 480 })
  })

  it('leaving removes the tile on the other side within 2 s', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const boTile = remoteTile(ada, await peerIdOf(bo))
    await bo.page.getByTestId('leave-button').click()
    await boTile.waitFor({ state: 'detached', timeout: 2000 })
    await bo.page.getByText('You left the call').waitFor()
  })

  it('three participants joining by link each see every other video playing', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada Lovelace')
    const bo = await join(room, 'Bo Chen')
    // The third one stops in the lobby for its screenshot first.
    const cy = await openPage(suite.browser, `${suite.server.url}/r/${room}?name=Cy`, 'Cy')
    suite.track(cy)
    await cy.page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>('.preview video')
      return v !== null && v.videoWidth > 0
    })
    await cy.page.screenshot({ path: screenshotPath('lobby.png') })
    await cy.page.getByTestId('join-button').click()
    await cy.page.getByTestId('local-tile').waitFor()

    await expectFullMesh([ada, bo, cy])
    await ada.page.getByTestId('toggle-mic').click()
    await remoteTile(cy, await peerIdOf(ada))
      .getByTestId('muted-indicator')
      .waitFor()
    // A camera turned off shows the person's initials on the other side.
    await bo.page.getByTestId('toggle-camera').click()
    expect(await bo.page.getByTestId('toggle-camera').getAttribute('aria-pressed')).toBe('false')
    await remoteTile(cy, await peerIdOf(bo))
      .locator('.tile__avatar')
      .filter({ hasText: 'BC' })
      .waitFor()
    await cy.page.getByTestId('toggle-chat').click()
    await bo.page.getByTestId('toggle-chat').click()
    await bo.page.getByTestId('chat-input').fill('Welcome, Cy!')
    await bo.page.getByTestId('chat-send').click()
    await cy.page.getByTestId('chat-message').waitFor()
    await cy.page.screenshot({ path: screenshotPath('call-3.png') })
  })

  it('whiteboard strokes appear on the other side and a late joiner gets the whole board', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    await ada.page.getByTestId('toggle-board').click()
    await bo.page.getByTestId('toggle-board').click()

    const canvas = ada.page.getByTestId('whiteboard-canvas')
    const box = await canvas.boundingBox()
    if (!box) throw new Error('no whiteboard canvas')
    const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const
    await ada.page.mouse.move(...at(0.2, 0.3))
    await ada.page.mouse.down()
    for (let i = 1; i <= 10; i++) await ada.page.mouse.move(...at(0.2 + i * 0.05, 0.3 + i * 0.02))
    await ada.page.mouse.up()

    await expect
      .poll(() => bo.page.getByTestId('whiteboard-canvas').getAttribute('data-stroke-count'))
      .toBe('1')
    // The stroke is painted: a pixel on its path is not the board background.
    const inked = (p: Participant) =>
      p.page.getByTestId('whiteboard-canvas').evaluate((el) => {
        const c = el as HTMLCanvasElement
        const [r, g, b] =
          c.getContext('2d')?.getImageData(Math.round(c.width * 0.45), Math.round(c.height * 0.4), 1, 1)
            .data ?? []
        return r !== 0xf7 || g !== 0xf7 || b !== 0xf4
      })
    await poll(() => inked(bo)).toBe(true)

    const cy = await join(room, 'Cy')
    await cy.page.getByTestId('toggle-board').click()
    await expect
      .poll(() => cy.page.getByTestId('whiteboard-canvas').getAttribute('data-stroke-count'))
      .toBe('1')
    await poll(() => inked(cy)).toBe(true)
  })

  it('while the signaling server restarts the call shows a reconnecting banner, keeps its video, and recovers', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const boAtAda = await ada.page.getByTestId('participant-tile').getAttribute('data-peer-id')
    const port = await suite.stopServer()
    await ada.page.getByTestId('reconnecting-banner').waitFor()
    // Media keeps flowing peer to peer meanwhile.
    await expectVideoPlaying(ada, await peerIdOf(bo))
    await suite.startServerOn(port)
    await ada.page.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 30_000 })
    await bo.page.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 30_000 })
    await expectFullMesh([ada, bo])
    // Same participant as before (no leave / join flapping), and signaling works again: a newcomer sees both.
    expect(await ada.page.getByTestId('participant-tile').getAttribute('data-peer-id')).toBe(boAtAda)
    expect(await ada.page.getByTestId('notice').filter({ hasText: 'Bo left' }).count()).toBe(0)
    const cy = await join(room, 'Cy')
    await expectFullMesh([ada, bo, cy])
    // While the server was down the browser itself may log refused WebSocket connections (not the app).
    for (const p of [ada, bo]) forgetRefusedWebSockets(p)
  })

  it('a participant who reloads the page comes back into the call as the same participant (session resumed: same peer id, no leave/join notice) and video flows again both ways', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const boId = await peerIdOf(bo)
    const adaId = await peerIdOf(ada)
    const notices = (text: string) => ada.page.getByTestId('notice').filter({ hasText: text }).count()
    const joinedBefore = await notices('Bo joined')

    await bo.page.reload()
    await bo.page.getByTestId('local-tile').waitFor()
    expect(await peerIdOf(bo)).toBe(boId)
    // Ada keeps Bo's tile (same id) and sees his video again on a new connection.
    await expectVideoPlaying(ada, boId)
    await expectVideoPlaying(bo, adaId)
    expect(await remoteTile(ada, boId).count()).toBe(1)
    expect(await ada.page.getByTestId('participant-tile').count()).toBe(1)
    expect(await notices('Bo left')).toBe(0)
    expect(await notices('Bo joined')).toBeLessThanOrEqual(joinedBefore) // notices fade, none added
  })

  it('closing the tab (no Leave click): the others see the participant leave once the reload grace it announced ends', async () => {
    const room = nextRoom()
    const ada = await join(room, 'Ada')
    const bo = await join(room, 'Bo')
    await expectFullMesh([ada, bo])
    const boTile = remoteTile(ada, await peerIdOf(bo))
    await bo.page.close()
    // 10 s of reload grace (the away message), or the server's 20 s resume grace if it was lost
    await boTile.waitFor({ state: 'detached', timeout: 40_000 })
    await ada.page.getByTestId('notice').filter({ hasText: 'Bo left' }).first().waitFor()
  })
})
