// The console: sign in with an API key, then rooms, a room's live timeline and post form, its agents,
// bridge status and dead letters. State lives in the URL fragment (`#room=<id>`) and in the gateway.
import { api, ApiError, forgetKey, fragment, liveStream, seg, storeKey, storedKey, takeKeyFromFragment } from './api.js'
import { $, h, say } from './dom.js'
import { renderBridges, renderDeadLetters } from './ops.js'
import { Timeline, textOf } from './timeline.js'

// The signals that change what the timeline shows (the stream is filtered to the open room).
const ROOM_SIGNALS = [
  'room.message_added', 'message.received', 'message.sent', 'message.delivered', 'message.read', 'message.failed',
  'message.edited', 'message.deleted', 'message.reaction_added', 'message.reaction_removed',
  'thread.created', 'thread.reply_added',
].map((t) => `jido.messaging.${t}`)
const OPS_REFRESH_MS = 10_000
const RESTART_MS = 5_000

let roomId = null
let replyTo = null
let stream = null
let roomsCursor = null
let opsTimer = null
let restartTimer = null
const names = new Map() // participant id -> display name (null while asked)
const timeline = new Timeline($('timeline'), { onReply: startReply, onUnknownThread: () => reloadSoon(), nameOf })

/** A participant's display name, fetched once; the id until it is known. */
function nameOf(id) {
  if (names.has(id)) return names.get(id) ?? id
  names.set(id, null)
  api(`v1/participants/${seg(id)}`).then((p) => {
    const name = p.identity?.displayName || p.identity?.name || p.identity?.username
    if (name) { names.set(id, name); renderSoon() }
  }, () => undefined)
  return id
}

let frame = 0
function renderSoon() {
  frame ||= requestAnimationFrame(() => { frame = 0; timeline.render() })
}

// ---- signing in -------------------------------------------------------------------------------

async function signIn(key) {
  try {
    await api('v1/rooms?limit=1', { key })
  } catch (error) {
    forgetKey()
    return showLogin(error.status === 401 || error.status === 403
      ? `That API key was not accepted: ${error.message}.`
      : `Could not sign in: ${error.message}`)
  }
  storeKey(key)
  clearInterval(opsTimer)
  names.clear()
  $('login').hidden = true
  $('console').hidden = false
  $('sign-out').hidden = false
  await Promise.all([loadRooms(), refreshOps()])
  opsTimer = setInterval(() => { if (!document.hidden) refreshOps() }, OPS_REFRESH_MS)
  await route()
}

function showLogin(message) {
  closeStream()
  clearInterval(opsTimer)
  roomId = null
  $('console').hidden = true
  $('sign-out').hidden = true
  $('login').hidden = false
  say($('live'), '')
  say($('login-error'), message)
  $('login-key').focus()
}

/** Runs an action; a refused key ends the session, other failures show in `where` (default: the banner). */
async function guard(action, where = $('error')) {
  try {
    say(where, '')
    return await action()
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      forgetKey()
      return showLogin(`Signed out: the gateway no longer accepts this API key (${error.message}).`)
    }
    say(where, error instanceof ApiError ? `${error.message} (${error.code})` : String(error?.message ?? error))
  }
}

// ---- rooms --------------------------------------------------------------------------------------

async function loadRooms(more = false) {
  await guard(async () => {
    const page = await api(`v1/rooms?limit=100${more && roomsCursor ? `&cursor=${seg(roomsCursor)}` : ''}`)
    if (!more) $('rooms').replaceChildren()
    for (const room of page.rooms) {
      $('rooms').append(h('li', {}, h('a', { href: `#room=${seg(room.id)}`, 'data-room-id': room.id }, room.name || room.id)))
    }
    roomsCursor = page.nextCursor
    $('rooms-more').hidden = !roomsCursor
    markCurrentRoom()
  })
}

function markCurrentRoom() {
  for (const a of $('rooms').querySelectorAll('a')) {
    if (a.dataset.roomId === roomId) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
}

async function route() {
  const id = fragment().get('room') || null
  if (id !== roomId || stream === null) await openRoom(id)
}

async function openRoom(id) {
  closeStream()
  cancelReply()
  timeline.reset()
  roomId = id
  markCurrentRoom()
  $('room').hidden = id === null
  $('no-room').hidden = id !== null
  if (id === null) return
  $('room-title').textContent = id
  $('room-meta').textContent = ''
  $('agents').replaceChildren()
  await guard(async () => {
    const room = await api(`v1/rooms/${seg(id)}`)
    if (roomId !== id) return
    $('room-title').textContent = room.name || room.id
    $('room-meta').textContent = `${room.type} room ${room.id}`
    loadAgents(id)
    await openStream(id)
    await reload()
  })
}

async function loadAgents(id) {
  let agents
  try {
    agents = (await api(`v1/rooms/${seg(id)}/agents`)).agents
  } catch (error) {
    agents = error
  }
  if (roomId !== id) return
  if (agents instanceof Error) return $('agents').replaceChildren(h('li', { class: 'error-text' }, `Agents could not be loaded: ${agents.message}`))
  $('agents').replaceChildren(...(agents.length === 0
    ? [h('li', { class: 'muted' }, 'No agents in this room.')]
    : agents.map((a) => h('li', {}, h('strong', {}, a.name ?? a.agentId), ` (${a.agentId}) trigger: ${a.trigger}, ${a.running ? 'running here' : 'not running here'}`))))
}

// ---- the live timeline --------------------------------------------------------------------------

/** Loads the newest page. Live signals that arrived meanwhile are applied too: each keeps the newest version. */
async function reload() {
  const id = roomId
  const page = await api(`v1/rooms/${seg(id)}/timeline?limit=50`)
  if (roomId !== id) return
  timeline.load(page)
  $('older').hidden = !page.hasMoreBefore
  renderSoon()
}

let reloading = null
function reloadSoon() {
  reloading ??= setTimeout(() => { reloading = null; guard(reload) }, 200)
}

async function loadOlder() {
  const before = timeline.oldestRootId
  if (!before) return
  await guard(async () => {
    const page = await api(`v1/rooms/${seg(roomId)}/timeline?limit=50&before=${seg(before)}`)
    timeline.load(page)
    $('older').hidden = !page.hasMoreBefore
    renderSoon()
  })
}

/**
 * Opens the room's stream and resolves once it is connected (or failed), so a page read after it misses
 * nothing. EventSource reconnects by itself, resuming after the last event id; when the stream cannot go
 * on (refused, gateway gone, or it fell behind the journal's retention) a new one starts from now a bit
 * later and the page is read again.
 */
function openStream(id) {
  return new Promise((resolve) => {
    const source = liveStream({ roomId: id })
    stream = source
    say($('live'), 'Connecting to live updates…')
    const restart = (message) => {
      source.close()
      say($('live'), message)
      clearTimeout(restartTimer)
      restartTimer = setTimeout(() => { if (stream === source) guard(async () => { await openStream(id); await reload() }) }, RESTART_MS)
      resolve()
    }
    source.addEventListener('open', () => { say($('live'), 'Live'); resolve() })
    source.addEventListener('error', (event) => {
      if (stream !== source) return
      // the server's own `event: error` frame (CURSOR_EXPIRED) carries data; a connection error does not
      if (event.data !== undefined) return restart('Live updates fell behind; reloading…')
      if (source.readyState === EventSource.CLOSED) return restart('Live updates unavailable; retrying…')
      say($('live'), 'Reconnecting…')
    })
    for (const type of ROOM_SIGNALS) source.addEventListener(type, (event) => { if (stream === source) onSignal(event) })
  })
}

function closeStream() {
  clearTimeout(restartTimer)
  stream?.close()
  stream = null
}

function onSignal(event) {
  let signal
  try { signal = JSON.parse(event.data) } catch { return }
  const data = signal.data ?? {}
  if (data.thread) timeline.noteThread(data.thread)
  if (data.message && data.message.roomId === roomId) {
    if (timeline.upsert(data.message) === 'new') say($('announcer'), `New message from ${nameOf(data.message.senderId)}: ${textOf(data.message)}`)
  } else if (signal.type.endsWith('message.deleted') && data.messageId) timeline.remove(data.messageId)
  if (signal.type.endsWith('message.failed')) refreshOps()
  renderSoon()
}

// ---- posting ------------------------------------------------------------------------------------

function startReply(root) {
  replyTo = root
  $('replying-text').textContent = `Replying in the thread of ${nameOf(root.senderId)}: “${textOf(root).slice(0, 80)}”`
  $('replying').hidden = false
  $('post-text').focus()
}

function cancelReply() {
  replyTo = null
  $('replying').hidden = true
}

async function post(event) {
  event.preventDefault()
  const field = $('post-text')
  const text = field.value.trim()
  if (!text || !roomId) return
  const button = event.submitter ?? $('post-form').querySelector('button[type=submit]')
  button.disabled = true
  await guard(async () => {
    const threadId = replyTo ? await threadFor(replyTo) : undefined
    const message = await api(`v1/rooms/${seg(roomId)}/messages`, { method: 'POST', body: threadId ? { text, threadId } : { text } })
    timeline.upsert(message)
    renderSoon()
    field.value = ''
    cancelReply()
  }, $('post-error'))
  button.disabled = false
}

/** The thread rooted at a message: the known one, else a new one (or the one another client just opened). */
async function threadFor(root) {
  const known = timeline.threadOf(root.id)
  if (known) return known
  try {
    const thread = await api(`v1/rooms/${seg(roomId)}/threads`, { method: 'POST', body: { rootMessageId: root.id } })
    timeline.noteThread(thread)
    return thread.id
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error
    for (let cursor = null; ;) {
      const page = await api(`v1/rooms/${seg(roomId)}/threads?limit=500${cursor ? `&cursor=${seg(cursor)}` : ''}`)
      const thread = page.threads.find((t) => t.rootMessageId === root.id)
      if (thread) { timeline.noteThread(thread); return thread.id }
      if (!page.nextCursor) throw error
      cursor = page.nextCursor
    }
  }
}

// ---- bridges and dead letters --------------------------------------------------------------------

async function refreshOps() {
  await Promise.all([refreshBridges(), refreshDeadLetters()])
}

async function refreshBridges() {
  await guard(async () => renderBridges($('bridges'), (await api('v1/bridge-statuses')).statuses))
}

async function refreshDeadLetters() {
  await guard(async () => renderDeadLetters($('dead-letters'), (await api('v1/dead-letters?limit=100')).deadLetters, replay))
}

async function replay(letter, button) {
  button.disabled = true
  await guard(async () => {
    await api(`v1/dead-letters/${seg(letter.id)}/replay`, { method: 'POST' })
    await refreshDeadLetters()
  })
  button.disabled = false
}

// ---- start --------------------------------------------------------------------------------------

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const key = $('login-key').value.trim()
  $('login-key').value = ''
  if (key) signIn(key)
})
$('sign-out').addEventListener('click', () => { forgetKey(); showLogin('') })
$('rooms-more').addEventListener('click', () => loadRooms(true))
$('older').addEventListener('click', loadOlder)
$('post-form').addEventListener('submit', post)
$('reply-cancel').addEventListener('click', cancelReply)
$('bridges-refresh').addEventListener('click', refreshBridges)
$('dead-refresh').addEventListener('click', refreshDeadLetters)
window.addEventListener('hashchange', () => {
  if (takeKeyFromFragment()) signIn(storedKey())
  else if (!$('console').hidden) route()
})

takeKeyFromFragment()
const key = storedKey()
if (key) signIn(key)
else showLogin('')
