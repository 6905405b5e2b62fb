import { CloudEvent } from 'cloudevents'
import { describe, expect, it, vi } from 'vitest'
import type { Signal } from '../contracts/signal-bus.js'
import { createLocalSignalBus } from './local-bus.js'

let n = 0
const signal = (type: string, subject = 'room_1'): Signal =>
  new CloudEvent({ id: `s${n++}`, source: '/test', type, subject, data: {} })
const tick = () => new Promise((r) => setTimeout(r, 5))

describe('local signal bus', () => {
  it('delivers matching signals in publish order and filters by room', async () => {
    const bus = createLocalSignalBus()
    const all: string[] = []
    const roomOnly: string[] = []
    bus.subscribe('jido.**', (s) => void all.push(s.id))
    bus.subscribe('jido.**', (s) => void roomOnly.push(s.id), { roomId: 'room_2' })
    const a = signal('jido.a'), b = signal('jido.b', 'room_2'), c = signal('other.c')
    await bus.publish([a, b])
    await bus.publish([c])
    await tick()
    expect(all).toEqual([a.id, b.id])
    expect(roomOnly).toEqual([b.id])
  })

  it('a throwing subscriber neither fails the publisher nor stops its own later deliveries', async () => {
    const onHandlerError = vi.fn()
    const bus = createLocalSignalBus({ onHandlerError })
    const seen: string[] = []
    const sub = bus.subscribe('**', (s) => {
      seen.push(s.id)
      throw new Error('boom')
    })
    const other: string[] = []
    bus.subscribe('**', (s) => void other.push(s.id))
    await expect(bus.publish([signal('x'), signal('y')])).resolves.toBeUndefined()
    await tick()
    expect(seen).toHaveLength(2)
    expect(other).toHaveLength(2)
    expect(sub.stats()).toMatchObject({ failed: 2, delivered: 0 })
    expect(onHandlerError).toHaveBeenCalledTimes(2)
  })

  it('a slow subscriber does not block publish; overflow drops the oldest and is counted and reported', async () => {
    const onOverflow = vi.fn()
    const bus = createLocalSignalBus({ queueSize: 3, onOverflow })
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const got: string[] = []
    const sub = bus.subscribe('**', async (s) => {
      await gate
      got.push(s.type)
    })
    await bus.publish([signal('t0')])
    await tick() // t0 is now in the handler, blocked on the gate
    // publish does not wait for the blocked subscriber: it settles while the gate is still closed.
    const published = bus.publish(['t1', 't2', 't3', 't4', 't5'].map((t) => signal(t))).then(() => 'published')
    const blocked = new Promise((r) => setTimeout(() => r('blocked'), 2000))
    expect(await Promise.race([published, blocked])).toBe('published')
    expect(sub.stats()).toMatchObject({ dropped: 2, queued: 3 })
    expect(onOverflow).toHaveBeenCalledTimes(2)
    release()
    await tick()
    expect(got).toEqual(['t0', 't3', 't4', 't5'])
  })

  it('unsubscribe stops delivery and reports whether the subscription existed', async () => {
    const bus = createLocalSignalBus()
    const got: string[] = []
    const sub = bus.subscribe('**', (s) => void got.push(s.id))
    expect(bus.unsubscribe(sub.id)).toBe(true)
    expect(bus.unsubscribe(sub.id)).toBe(false)
    await bus.publish([signal('x')])
    await tick()
    expect(got).toEqual([])
  })

  it('stop waits for queued signals to be handled', async () => {
    const bus = createLocalSignalBus()
    const got: string[] = []
    bus.subscribe('**', async (s) => {
      await new Promise((r) => setTimeout(r, 10))
      got.push(s.type)
    })
    await bus.publish([signal('a'), signal('b'), signal('c')])
    await bus.stop!()
    expect(got).toEqual(['a', 'b', 'c'])
  })
})
