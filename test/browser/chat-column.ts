import type { Locator, Page } from 'playwright-core'

/**
 * The customer's steps on a page's chat column (the dashboard, the learner page, the presenter
 * view): say a line and read the answer bubble it produced, start a new customer. Each waits on
 * the column's own counters (`data-answers`, `data-customers`), never on time.
 */

export function column(page: Page, mode: string): Locator {
  return page.locator(`.chat-col[data-mode="${mode}"]`)
}

/** what an answer bubble says: the clerk that answered, the status, the error code and reason, the line */
export interface Answer {
  clerk: string | null
  status: string | null
  error: string | null
  reason: string | null
  line: string | null
}

/** clicks one of the customer's lines and waits for the answer bubble it produces */
export async function say(col: Locator, button: string): Promise<Answer> {
  const before = Number(await col.getAttribute('data-answers'))
  await col.getByRole('button', { name: button, exact: true }).click()
  await col
    .page()
    .locator(`.chat-col[data-mode="${await col.getAttribute('data-mode')}"][data-answers="${before + 1}"]`)
    .waitFor()
  const bubble = col.locator('.bubble[data-status]').last()
  return {
    clerk: await bubble.getAttribute('data-clerk'),
    status: await bubble.getAttribute('data-status'),
    error: (await bubble.getAttribute('data-error')) || null,
    reason: (await bubble.getAttribute('data-reason')) || null,
    line: await bubble.locator('.line').textContent(),
  }
}

/** presses "New customer" and waits until the proxy has emptied the column's jar and the column says so */
export async function newCustomer(col: Locator): Promise<void> {
  const before = Number(await col.getAttribute('data-customers'))
  await col.getByRole('button', { name: 'New customer', exact: true }).click()
  await col
    .page()
    .locator(`.chat-col[data-mode="${await col.getAttribute('data-mode')}"][data-customers="${before + 1}"]`)
    .waitFor()
}
