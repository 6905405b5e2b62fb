import type { ChannelInfo, DispatchPacket, RawChannel } from './types.js'

// Which channels are threads, and of which parent. Discord's message payloads do not say; the gateway
// tells us in GUILD_CREATE (channels and active threads), THREAD_CREATE and friends, and REST answers
// the rest (GET /channels/:id). One directory per bridge, shared by the listener and webhook parsing.

const THREAD_TYPES = new Set([10, 11, 12])
const DM_TYPES = new Set([1, 3])

export function channelInfo(channel: RawChannel): ChannelInfo {
  if (THREAD_TYPES.has(channel.type) && typeof channel.parent_id === 'string') {
    return { id: channel.id, kind: 'thread', parentId: channel.parent_id, ...(channel.name ? { name: channel.name } : {}) }
  }
  if (DM_TYPES.has(channel.type)) return { id: channel.id, kind: 'dm' }
  return { id: channel.id, kind: 'guild', ...(channel.name ? { name: channel.name } : {}) }
}

export class ChannelDirectory {
  private readonly known = new Map<string, ChannelInfo>()
  private readonly pending = new Map<string, Promise<ChannelInfo>>()

  /** Learns channels from a gateway dispatch (GUILD_CREATE, CHANNEL_*, THREAD_*). */
  learn(packet: DispatchPacket): void {
    const d = packet.d as Record<string, unknown> | null
    if (!d || typeof d !== 'object') return
    const add = (list: unknown) => {
      if (Array.isArray(list)) for (const c of list) this.remember(c)
    }
    switch (packet.t) {
      case 'GUILD_CREATE':
        add(d['channels'])
        add(d['threads'])
        break
      case 'THREAD_LIST_SYNC':
        add(d['threads'])
        break
      case 'CHANNEL_CREATE':
      case 'CHANNEL_UPDATE':
      case 'THREAD_CREATE':
      case 'THREAD_UPDATE':
        this.remember(d)
        break
      default:
        break
    }
  }

  remember(channel: unknown): void {
    const c = channel as Partial<RawChannel> | null
    if (c && typeof c.id === 'string' && typeof c.type === 'number') this.known.set(c.id, channelInfo(c as RawChannel))
  }

  get(id: string): ChannelInfo | undefined {
    return this.known.get(id)
  }

  /** The channel's info, asking `fetch` once (concurrent callers share the answer) when it is not known. */
  async resolve(id: string, fetch: ((id: string) => Promise<RawChannel | undefined>) | undefined): Promise<ChannelInfo | undefined> {
    const known = this.known.get(id)
    if (known || !fetch) return known
    let pending = this.pending.get(id)
    if (!pending) {
      pending = fetch(id).then((raw) => {
        const info = raw ? channelInfo(raw) : { id, kind: 'guild' as const }
        this.known.set(id, info)
        return info
      })
      this.pending.set(id, pending)
      void pending.catch(() => undefined).finally(() => this.pending.delete(id))
    }
    return pending
  }
}
