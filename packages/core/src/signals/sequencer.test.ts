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

  it('runs a step at once when the earlier tickets are released, and waits otherwise', async () => {
    const seq = new RoomSequencer()
    const order: string[] = []
    const first = seq.ticket('r')
    const second = seq.ticket('r')
    const third = seq.ticket('r')
    const waiting = second.run(() => void order.push('second'))
    const last = third.run(() => void order.push('third'))
    expect(order).toEqual([])
    const done = first.run(() => void order.push('first'))
    expect(order).toEqual(['first']) // a synchronous step runs within run() when its turn has come
    await Promise.all([done, waiting, last])
    expect(order).toEqual(['first', 'second', 'third'])
    const alone = seq.ticket('r')
    const ran = alone.run(() => 'value')
    await expect(ran).resolves.toBe('value')
  })

  it('holds the next ticket until an async step settles, and releases it after a rejection or a synchronous throw', async () => {
    const seq = new RoomSequencer()
    const order: string[] = []
    const a = seq.ticket('r')
    const b = seq.ticket('r')
    const c = seq.ticket('r')
    let finishA!: () => void
    const runA = a.run(() => new Promise<void>((resolve) => (finishA = () => { order.push('a'); resolve() })))
    const runB = b.run(() => { order.push('b'); throw new Error('b failed') })
    const runC = c.run(async () => { order.push('c'); throw new Error('c failed') })
    await delay(5)
    expect(order).toEqual([])
    finishA()
    await runA
    await expect(runB).rejects.toThrow('b failed')
    await expect(runC).rejects.toThrow('c failed')
    expect(order).toEqual(['a', 'b', 'c'])
    await expect(seq.ticket('r').run(() => 1)).resolves.toBe(1)
  })

  it('refuses a second run of one ticket with a rejection', async () => {
    const seq = new RoomSequencer()
    const t = seq.ticket('r')
    await t.run(() => undefined)
    await expect(t.run(() => undefined)).rejects.toThrow('used twice')
  })
})
