import type { Page } from 'playwright-core'

/**
 * Visible interactive elements without an accessible name (aria-label, aria-labelledby, a label,
 * alt, title or text), described as `tag#testid.class`.
 */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selector =
      'button, input, select, textarea, a[href], [role="button"], [role="img"], canvas, [tabindex]'
    const visible = (el: Element) => {
      if (el instanceof HTMLInputElement && el.type === 'hidden') return false
      const r = el.getBoundingClientRect()
      // visually-hidden radios are still in the accessibility tree: check them too
      return (r.width > 0 && r.height > 0) || el.classList.contains('visually-hidden')
    }
    const nameOf = (el: Element): string => {
      const label = el.getAttribute('aria-label')?.trim()
      if (label) return label
      const by = el.getAttribute('aria-labelledby')
      if (by) {
        const text = by
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' ')
          .trim()
        if (text) return text
      }
      if ('labels' in el) {
        const labels = (el as HTMLInputElement).labels
        const text = labels
          ? [...labels]
              .map((l) => l.textContent ?? '')
              .join(' ')
              .trim()
          : ''
        if (text) return text
      }
      return (el.getAttribute('alt') ?? el.getAttribute('title') ?? el.textContent ?? '').trim()
    }
    return [...document.querySelectorAll(selector)]
      .filter(visible)
      .filter((el) => nameOf(el) === '')
      .map((el) => `${el.tagName.toLowerCase()}#${el.getAttribute('data-testid') ?? ''}.${el.className}`)
  })
}
