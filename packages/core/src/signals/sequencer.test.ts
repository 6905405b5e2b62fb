import { describe, expect, it } from 'vitest'
import { RoomSequencer } from './sequencer.js'

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('RoomSequencer', () => {
  it('runs steps of one room in ticket order even when later writes finish first', async () => {
    const seq = new RoomSequencer()
    const order: number[] = []
    const jobs = [30, 1, 15, 0].map(async (ms, i) => {
      const t = seq.ticket('r')
      await delay(ms) // the write
      await t.run(() => void order.push(i))
    })
    await Promise.all(jobs)
    expect(order).toEqual([0, 1, 2, 3])
  })

  it('does not hold one room behind another, and a failed step releases the next', async () => {
    const seq = new RoomSequencer()
    const order: string[] = []
    const slow = seq.ticket('a')
    const fast = seq.ticket('b')
    const afterSlow = seq.ticket('a')
    await fast.run(() => void order.push('b'))
    await expect(slow.run(() => { throw new Error('x') })).rejects.toThrow('x')
    await afterSlow.run(() => void order.push('a2'))
    expect(order).toEqual(['b', 'a2'])
  })
})
