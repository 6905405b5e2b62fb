// One room's timeline: top-level messages in order, each thread's replies grouped under its root
// message, and reactions. Fed by a REST page and then by live signals, which may arrive in any order
// relative to the page: a message is replaced only by a version at least as new.
import { h, time } from './dom.js'

const byTime = (a, b) => (a.insertedAt < b.insertedAt ? -1 : a.insertedAt > b.insertedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

function describe(block) {
  switch (block?.type) {
    case 'text': return block.text
    case 'image': case 'audio': case 'video': return `[${block.type}${block.altText || block.transcript ? `: ${block.altText ?? block.transcript}` : ''}]`
    case 'file': return `[file${block.filename ? `: ${block.filename}` : ''}]`
    case 'tool_use': return `[tool call: ${block.name}]`
    case 'tool_result': return `[tool result${block.isError ? ' (error)' : ''}]`
    default: return `[${block?.type ?? 'unknown'}]`
  }
}

export const textOf = (message) => (message.content ?? []).map(describe).join('\n')

export class Timeline {
  /**
   * `onReply(root)`: the Reply button; `onUnknownThread(threadId)`: a reply whose root is not known yet;
   * `nameOf(participantId)`: a sender's display name.
   */
  constructor(list, { onReply, onUnknownThread, nameOf = (id) => id }) {
    this.list = list
    this.onReply = onReply
    this.onUnknownThread = onUnknownThread
    this.nameOf = nameOf
    this.reset()
  }

  reset() {
    this.messages = new Map()
    this.rootOf = new Map() // threadId -> root message id
    this.replyCounts = new Map() // root message id -> replies in the thread (the server's count)
    this.asked = new Set() // thread ids already reported unknown
    this.list.replaceChildren()
  }

  /** A `roomTimeline` page: `{timeline, threads: {[rootId]: replies}, replyCounts}`. */
  load(page) {
    for (const m of page.timeline ?? []) this.upsert(m)
    for (const [rootId, replies] of Object.entries(page.threads ?? {})) {
      for (const r of replies) {
        if (r.threadId) this.rootOf.set(r.threadId, rootId)
        this.upsert(r)
      }
    }
    for (const [rootId, count] of Object.entries(page.replyCounts ?? {})) this.replyCounts.set(rootId, count)
  }

  noteThread(thread) {
    if (thread?.id && thread.rootMessageId) this.rootOf.set(thread.id, thread.rootMessageId)
  }

  /** The id of the thread rooted at a message, when known. */
  threadOf(rootId) {
    for (const [threadId, root] of this.rootOf) if (root === rootId) return threadId
    return undefined
  }

  /** Returns 'new', 'updated' or 'stale'. */
  upsert(message) {
    const known = this.messages.get(message.id)
    if (known && (known.updatedAt ?? '') > (message.updatedAt ?? '')) return 'stale'
    this.messages.set(message.id, message)
    if (message.threadId && !this.rootOf.has(message.threadId) && !this.asked.has(message.threadId)) {
      this.asked.add(message.threadId)
      this.onUnknownThread(message.threadId)
    }
    return known ? 'updated' : 'new'
  }

  remove(messageId) {
    this.messages.delete(messageId)
  }

  get oldestRootId() {
    return this.roots()[0]?.id
  }

  roots() {
    return [...this.messages.values()].filter((m) => this.rootIdOf(m) === undefined).sort(byTime)
  }

  /** The root a message is a reply under, or undefined for a top-level message (or an unplaceable reply). */
  rootIdOf(message) {
    if (!message.threadId) return undefined
    const root = this.rootOf.get(message.threadId)
    return root !== undefined && root !== message.id && this.messages.has(root) ? root : undefined
  }

  render() {
    const replies = new Map()
    for (const m of this.messages.values()) {
      const root = this.rootIdOf(m)
      if (root === undefined) continue
      if (!replies.has(root)) replies.set(root, [])
      replies.get(root).push(m)
    }
    const stick = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 8
    this.list.replaceChildren(...this.roots().map((root) => this.renderRoot(root, (replies.get(root.id) ?? []).sort(byTime))))
    if (stick) this.list.scrollTop = this.list.scrollHeight
  }

  renderRoot(root, replies) {
    const total = Math.max(this.replyCounts.get(root.id) ?? 0, replies.length)
    const item = this.renderMessage(root, 'li')
    item.append(h('button', { type: 'button', class: 'link', 'aria-label': `Reply in thread to ${this.nameOf(root.senderId)}`, onclick: () => this.onReply(root) }, 'Reply in thread'))
    if (replies.length > 0) item.append(h('ol', { class: 'replies', 'aria-label': `Thread replies (${total})` }, replies.map((r) => this.renderMessage(r, 'li'))))
    if (total > replies.length) item.append(h('p', { class: 'muted' }, `${total - replies.length} earlier replies not shown`))
    return item
  }

  renderMessage(m, tag) {
    const reactions = Object.entries(m.reactions ?? {}).filter(([, who]) => who.length > 0)
    return h(tag, { class: `message role-${m.role}`, 'data-message-id': m.id },
      h('div', { class: 'meta' },
        h('span', { class: 'sender', title: m.senderId }, this.nameOf(m.senderId)),
        m.role !== 'user' ? h('span', { class: 'badge' }, m.role) : null,
        time(m.insertedAt),
        h('span', { class: `status status-${m.status}` }, m.status),
        m.threadId && this.rootIdOf(m) === undefined ? h('span', { class: 'badge' }, 'in a thread') : null,
      ),
      h('p', { class: 'text' }, textOf(m)),
      reactions.length > 0
        ? h('ul', { class: 'reactions', 'aria-label': 'Reactions' },
            reactions.map(([reaction, who]) => h('li', { title: who.join(', ') }, `${reaction} ${who.length}`)))
        : null,
    )
  }
}
