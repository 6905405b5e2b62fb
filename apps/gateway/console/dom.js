// DOM helpers. Text always goes in as text nodes (never innerHTML), so names and messages from rooms
// and platforms are shown, never interpreted.

export const $ = (id) => document.getElementById(id)

/** `h('li', { class: 'x', onclick: fn }, 'text', child)`; null, undefined and false children are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value)
    else if (name === 'class') el.className = value
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : String(child))
  }
  return el
}

export function time(iso) {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return h('span', {}, iso ?? '')
  const sameDay = date.toDateString() === new Date().toDateString()
  return h('time', { datetime: iso, title: date.toLocaleString() }, sameDay ? date.toLocaleTimeString() : date.toLocaleString())
}

/** Shows `message` in an element (an empty message hides it). */
export function say(el, message) {
  el.textContent = message ?? ''
  el.hidden = !message
}
