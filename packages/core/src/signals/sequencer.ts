/** One ticket's place in its room's chain: released once its step has settled (or given up). */
interface Slot {
  released: boolean
  /** Set by the next ticket of the room while it waits for this one. */
  wake: (() => void) | undefined
}

/**
 * Keeps signal emission in commit order per room. A command takes a ticket synchronously when it
 * allocates its ids (before its write is queued), and publishes only after every earlier ticket of the
 * same room has published or given up. Writes stay concurrent; only the hand-off to the bus is ordered.
 */
export class RoomSequencer {
  /** The latest ticket of each room that has one outstanding. */
  private readonly tails = new Map<string, Slot>()

  /** Takes the next ticket for `roomId`. Call `run` exactly once with the publishing step (or nothing). */
  ticket(roomId: string): { run: <T>(step: () => Promise<T> | T) => Promise<T> } {
    const slot: Slot = { released: false, wake: undefined }
    let previous = this.tails.get(roomId)
    this.tails.set(roomId, slot)
    let used = false
    return {
      run: <T>(step: () => Promise<T> | T): Promise<T> => {
        if (used) return Promise.reject(new Error('[core] sequencer ticket used twice'))
        used = true
        const before = previous
        previous = undefined
        // Fast path: the room's earlier tickets are all released, so the step runs without waiting.
        if (before === undefined || before.released) return this.settle(roomId, slot, step)
        return new Promise<void>((resolve) => (before.wake = resolve)).then(() => this.settle(roomId, slot, step))
      },
    }
  }

  /** Runs a step whose turn has come, then releases its ticket (also when it throws or rejects). */
  private settle<T>(roomId: string, slot: Slot, step: () => Promise<T> | T): Promise<T> {
    let result: Promise<T> | T
    try {
      result = step()
    } catch (error) {
      this.release(roomId, slot)
      return Promise.reject(error)
    }
    // A step that is done when it returns releases at once (no promise hop before the next ticket).
    if (!isThenable(result)) {
      this.release(roomId, slot)
      return Promise.resolve(result)
    }
    return Promise.resolve(result).finally(() => this.release(roomId, slot))
  }

  private release(roomId: string, slot: Slot): void {
    slot.released = true
    if (this.tails.get(roomId) === slot) this.tails.delete(roomId)
    slot.wake?.()
  }
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}
