import { describe, expect, it } from 'vitest'
import { unnamedControls } from './support/a11y.js'
import { expectVideoPlaying, joinByLink, openPage, peerIdOf, poll, useWebAppSuite } from './support/webApp.js'

const suite = useWebAppSuite('ui')
const { nextRoom, track } = suite

describe('web app screens', () => {
  it('home creates a room with a readable code, joins by pasted link, and lists recent rooms', async () => {
    const p = track(await openPage(suite.browser, suite.server.url, 'Ada'))
    await p.page.getByTestId('create-room').click()
    await p.page.waitForURL(/\/r\/([bdfghjklmnprstvz][aeiou]){2}(-([bdfghjklmnprstvz][aeiou]){2}){2}$/)
    const code = new URL(p.page.url()).pathname.slice(3)
    await p.page.getByTestId('name-input').fill('Ada')
    await p.page.getByTestId('join-button').click()
    await p.page.getByTestId('local-tile').waitFor()
    await p.page.getByTestId('leave-button').click()
    await p.page.getByRole('button', { name: 'Back to home' }).click()
    await poll(() => p.page.locator('.recent__code').allTextContents()).toEqual([code])

    // An invalid code explains itself; a pasted link opens that room's lobby.
    await p.page.getByTestId('room-input').fill('not a code!')
    await p.page.getByTestId('room-join').click()
    await p.page.getByRole('alert').filter({ hasText: 'not a room code' }).waitFor()
    await p.page.getByTestId('room-input').fill(`${suite.server.url}/r/pasted-room?name=Bo`)
    await p.page.getByTestId('room-join').click()
    await p.page.waitForURL(/\/r\/pasted-room$/)
    await p.page.getByTestId('join-button').waitFor()
  })

  it('joining with camera and microphone off from the lobby shows initials and the muted indicator to the others', async () => {
    const room = nextRoom()
    const bo = track(await joinByLink(suite.browser, suite.server, room, 'Bo'))
    const p = track(await openPage(suite.browser, `${suite.server.url}/r/${room}?name=Ada%20Lovelace`, 'Ada'))
    await p.page.getByTestId('mic-level').waitFor()
    await p.page.getByTestId('toggle-camera').click()
    await p.page.getByTestId('toggle-mic').click()
    expect(await p.page.getByTestId('toggle-camera').getAttribute('aria-pressed')).toBe('false')
    expect(await p.page.getByTestId('toggle-mic').getAttribute('aria-pressed')).toBe('false')
    await p.page.getByTestId('join-button').click()
    await p.page.getByTestId('local-tile').waitFor()
    expect(await p.page.getByTestId('toggle-camera').getAttribute('aria-pressed')).toBe('false')
    expect(await p.page.getByTestId('toggle-mic').getAttribute('aria-pressed')).toBe('false')
    const adaTile = bo.page.locator(`[data-testid="participant-tile"][data-peer-id="${await peerIdOf(p)}"]`)
    await adaTile.getByTestId('muted-indicator').waitFor()
    await adaTile.locator('.tile__avatar').filter({ hasText: 'AL' }).waitFor()
    // Turning the camera on with the V shortcut shows the video again.
    await p.page.keyboard.press('v')
    await adaTile.locator('.tile__avatar').waitFor({ state: 'detached' })
    await expectVideoPlaying(bo, await peerIdOf(p))
  })

  it('the invite popover copies the room link and shows it as a QR code; ? lists the shortcuts', async () => {
    const room = nextRoom()
    const p = track(await joinByLink(suite.browser, suite.server, room, 'Ada'))
    await p.page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.server.url })
    await p.page.keyboard.press('i')
    const link = `${suite.server.url}/r/${room}`
    expect(await p.page.getByTestId('invite-link').inputValue()).toBe(link)
    await p.page.getByRole('img', { name: `QR code of the room link ${link}` }).waitFor()
    await p.page.getByTestId('copy-link').click()
    await p.page.getByTestId('copy-link').filter({ hasText: 'Copied' }).waitFor()
    expect(await p.page.evaluate(() => navigator.clipboard.readText())).toBe(link)
    await p.page.keyboard.press('Escape')
    await p.page.keyboard.press('Shift+?')
    const help = p.page.getByRole('dialog', { name: 'Keyboard shortcuts' })
    expect(await help.textContent()).toContain('Microphone on / off')
    expect(await help.locator('kbd').allTextContents()).toEqual([
      'M',
      'V',
      'S',
      'C',
      'P',
      'W',
      'I',
      '?',
      'Shift + L',
    ])
  })

  it('every control has an accessible name on the home, lobby and call screens, on desktop and phone', async () => {
    const room = nextRoom()
    const bo = track(await joinByLink(suite.browser, suite.server, room, 'Bo'))
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const p = track(await openPage(suite.browser, suite.server.url, `Ada ${viewport.width}`))
      await p.page.setViewportSize(viewport)
      expect(await unnamedControls(p.page), 'home').toEqual([])
      await p.page.goto(`${suite.server.url}/r/${room}?name=Ada`)
      await p.page.getByTestId('join-button').waitFor()
      await p.page.getByTestId('mic-level').waitFor()
      expect(await unnamedControls(p.page), 'lobby').toEqual([])
      await p.page.getByTestId('join-button').click()
      await p.page.getByTestId('participant-tile').waitFor()
      expect(await unnamedControls(p.page), 'call').toEqual([])
      for (const open of [
        'toggle-chat',
        'toggle-people',
        'toggle-board',
        'invite-button',
        'shortcuts-button',
        'send-files',
      ]) {
        await p.page.getByTestId(open).click()
        expect(await unnamedControls(p.page), open).toEqual([])
        await p.page.keyboard.press('Escape')
      }
      await p.page.getByTestId('leave-button').click()
      await p.page.getByText('You left the call').waitFor()
    }
    await bo.page.getByTestId('participant-tile').waitFor({ state: 'detached' })
  })

  it('on a phone-sized viewport the call fits the screen and every call control is on screen', async () => {
    const room = nextRoom()
    const bo = track(await joinByLink(suite.browser, suite.server, room, 'Bo'))
    const p = track(await openPage(suite.browser, `${suite.server.url}/r/${room}?name=Ada`, 'Ada'))
    await p.page.setViewportSize({ width: 390, height: 844 })
    await p.page.getByTestId('join-button').click()
    await expectVideoPlaying(p, await peerIdOf(bo))
    const layout = await p.page.evaluate(() => {
      const inside = (el: Element | null) => {
        const r = el?.getBoundingClientRect()
        return (
          r !== undefined && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight
        )
      }
      // every button of the control bar (send files included, once the transfer engine is there)
      const ids = [...document.querySelectorAll('.controls button')].map(
        (b) => b.getAttribute('data-testid') ?? '?',
      )
      return {
        scrollWidth: document.documentElement.scrollWidth,
        width: innerWidth,
        offscreen: ids.filter((id) => !inside(document.querySelector(`[data-testid="${id}"]`))),
        tilesInside: [...document.querySelectorAll('.tile')].every(inside),
      }
    })
    expect(layout).toEqual({ scrollWidth: 390, width: 390, offscreen: [], tilesInside: true })
    expect(await p.page.locator('.controls button').count()).toBeGreaterThanOrEqual(7)
    await p.page.getByTestId('toggle-chat').click()
    await p.page.getByTestId('chat-input').fill('from a phone')
    await p.page.getByTestId('chat-send').click()
    await bo.page.getByTestId('toggle-chat').click()
    await bo.page.getByTestId('chat-message').filter({ hasText: 'from a phone' }).waitFor()
  })

  it('a denied camera permission is explained in plain words, and joining without devices still works', async () => {
    const room = nextRoom()
    const bo = track(await joinByLink(suite.browser, suite.server, room, 'Bo'))
    const context = await suite.browser.newContext()
    await context.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
    })
    const page = await context.newPage()
    const p = track({ name: 'Ada', page, errors: [], close: () => context.close() })
    page.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') p.errors.push(`console: ${m.text()}`)
    })
    await page.goto(`${suite.server.url}/r/${room}?name=Ada`)
    const alert = page.getByTestId('media-error')
    await alert.waitFor()
    expect(await alert.textContent()).toContain('Camera and microphone are blocked')
    expect(await alert.textContent()).toContain('allow camera and microphone')
    expect(await page.getByTestId('toggle-mic').isDisabled()).toBe(true)

    await page.getByTestId('join-button').click()
    await page.getByTestId('local-tile').waitFor()
    expect(await page.getByTestId('toggle-mic').isDisabled()).toBe(true)
    await expectVideoPlaying(p, await peerIdOf(bo))
    // Bo sees Ada as a participant without camera (avatar) and muted.
    const adaTile = bo.page.locator(`[data-testid="participant-tile"][data-peer-id="${await peerIdOf(p)}"]`)
    await adaTile.getByTestId('muted-indicator').waitFor()
    await adaTile.locator('.tile__avatar').waitFor()
  })
})
