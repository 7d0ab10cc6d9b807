/**
 * Tables for an 80-column terminal, by design rather than by luck: a column's heading wraps at its
 * word breaks (`context_lost` → `context_` / `lost`) down to the width of its values, and a table
 * still too wide is cut into parts side by side no more, one under the other, each repeating the
 * first column (the row's name). Prose lines wrap at word breaks too.
 *
 * @example
 *   fitTable(comparisonTable(summaries), 80) // one or more cli-table3 drawings, each ≤ 80 wide
 */
import Table from 'cli-table3'
import type { Cell, Cells } from './tables.js'

export const TERMINAL_WIDTH = 80
const COLUMN_EXTRA = 3 // one space either side and one border per column

const plainStyle = { head: [] as string[], border: [] as string[], 'padding-left': 1, 'padding-right': 1 } // no colours: output goes to files and READMEs too
const noRowLines = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }

/** a heading's pieces, each ending where it may break (after `_`, ` `, `/`); a tail of 1-2 chars (`/s`, ` %`) stays on */
function headingWords(heading: string): string[] {
  const words: string[] = []
  for (const token of heading.split(/(?<=[_ /])/)) {
    if (words.length > 0 && token.trim().length <= 2) words[words.length - 1] += token
    else words.push(token)
  }
  return words
}

/** a heading as lines no wider than `width` where it can break */
export function wrapHeading(heading: string, width: number): string {
  const tokens = headingWords(heading)
  const lines: string[] = []
  let line = ''
  for (const token of tokens) {
    if (line && (line + token).trimEnd().length > width) {
      lines.push(line.trimEnd())
      line = ''
    }
    line += token
  }
  lines.push(line.trimEnd())
  return lines.join('\n')
}

interface Column {
  head: string
  width: number
  index: number
}

function columnsOf({ head, rows }: Cells): Column[] {
  return head.map((h, index) => {
    const values = Math.max(1, ...rows.map((r) => String(r[index] ?? '').length))
    const longestWord = Math.max(...headingWords(h).map((t) => t.trimEnd().length))
    const wrapped = wrapHeading(h, Math.max(values, longestWord))
    return { head: wrapped, width: Math.max(values, ...wrapped.split('\n').map((l) => l.length)), index }
  })
}

function drawColumns(cells: Cells, columns: readonly Column[], alignRight: boolean): string {
  const table = new Table({
    head: columns.map((c) => c.head),
    style: plainStyle,
    chars: noRowLines,
    colAligns: columns.map((c) => (c.index === 0 || !alignRight ? 'left' : 'right')),
  })
  table.push(...cells.rows.map((r) => columns.map((c): Cell => r[c.index] ?? '')))
  return table.toString()
}

/** the table, drawn to fit `width` columns: one drawing, or parts one under the other */
export function fitTable(cells: Cells, width = TERMINAL_WIDTH, alignRight = true): string {
  const [first, ...rest] = columnsOf(cells)
  if (!first) return ''
  const parts: Column[][] = []
  let part: Column[] = [first]
  let used = 1 + first.width + COLUMN_EXTRA
  for (const column of rest) {
    if (part.length > 1 && used + column.width + COLUMN_EXTRA > width) {
      parts.push(part)
      part = [first]
      used = 1 + first.width + COLUMN_EXTRA
    }
    part.push(column)
    used += column.width + COLUMN_EXTRA
  }
  parts.push(part)
  return parts.map((columns) => drawColumns(cells, columns, alignRight)).join('\n')
}

/** a line of prose wrapped at spaces to `width`, continuation lines indented by two */
export function wrapProse(text: string, width = TERMINAL_WIDTH): string {
  const out: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line)
      line = `  ${word}`
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  out.push(line)
  return out.join('\n')
}
