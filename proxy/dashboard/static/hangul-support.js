// The clerks also answer in Korean (`sayKo`, as in the original lecture). A machine without a
// Korean font draws those lines as rows of empty boxes, which looks broken on a projector, so we
// show them only when a Hangul glyph renders differently from a glyph no font has (a private-use
// code point, always drawn as the "missing glyph" box).

let cached

export function canRenderHangul() {
  if (cached !== undefined) return cached
  try {
    const canvas = document.createElement('canvas')
    canvas.width = 40
    canvas.height = 40
    const ctx = canvas.getContext('2d', { willReadFrequently: true })
    const draw = (text) => {
      ctx.clearRect(0, 0, 40, 40)
      ctx.font = '28px sans-serif'
      ctx.fillStyle = '#000'
      ctx.textBaseline = 'top'
      ctx.fillText(text, 4, 4)
      return ctx.getImageData(0, 0, 40, 40).data.join(',')
    }
    cached = draw('\uBC31') !== draw('\uE000') // 백 vs a private-use code point
  } catch {
    cached = false
  }
  return cached
}
