/**
 * Keeps signal emission in commit order per room. A command takes a ticket synchronously when it
 * allocates its ids (before its write is queued), and publishes only after every earlier ticket of the
 * same room has published or given up. Writes stay concurrent; only the hand-off to the bus is ordered.
 */
export class RoomSequencer {
  private readonly tails = new Map<string, Promise<void>>()

  /** Takes the next ticket for `roomId`. Call `run` exactly once with the publishing step (or nothing). */
  ticket(roomId: string): { run: <T>(step: () => Promise<T> | T) => Promise<T> } {
    const previous = this.tails.get(roomId) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => (release = resolve))
    this.tails.set(roomId, mine)
    let used = false
    return {
      run: async <T>(step: () => Promise<T> | T): Promise<T> => {
        if (used) throw new Error('[core] sequencer ticket used twice')
        used = true
        try {
          await previous
          return await step()
        } finally {
          release()
          if (this.tails.get(roomId) === mine) this.tails.delete(roomId)
        }
      },
    }
  }
}
