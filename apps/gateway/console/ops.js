// Bridge status and dead letters, as table rows.
import { h, time } from './dom.js'

/** `statuses`: BridgeStatus records (state, last activity, last error). */
export function renderBridges(body, statuses) {
  body.replaceChildren(...(statuses.length === 0
    ? [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No bridges configured.'))]
    : statuses.map((s) => {
        // a webhook-only bridge has no listener, so "stopped" is its normal state: its activity says more
        const last = [s.lastIngressAt, s.lastOutboundAt].filter(Boolean).sort().pop()
        return h('tr', { 'data-bridge-id': s.bridgeId },
          h('th', { scope: 'row' }, s.bridgeId),
          h('td', {}, s.adapter),
          h('td', {}, h('span', { class: `state state-${s.state}` }, s.enabled ? s.state : 'disabled'),
            last ? h('span', { class: 'muted small' }, h('br'), 'active ', time(last)) : null),
          h('td', { class: s.lastError ? 'error-text' : 'muted' }, s.lastError ?? 'none'))
      })))
}

/** `onReplay(letter, button)`: the Replay button of an active dead letter. */
export function renderDeadLetters(body, letters, onReplay) {
  body.replaceChildren(...(letters.length === 0
    ? [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No dead letters.'))]
    : letters.map((d) => h('tr', { 'data-dead-letter-id': d.id },
        h('td', {}, `${d.bridgeId} → ${d.roomId}`, h('br'), h('span', { class: 'muted small' }, time(d.insertedAt))),
        h('td', { class: 'reason' }, d.reason),
        h('td', {}, String(d.attempts)),
        h('td', {}, d.status),
        h('td', {}, d.status === 'active'
          ? h('button', { type: 'button', 'aria-label': `Replay dead letter ${d.id}`, onclick: (e) => onReplay(d, e.currentTarget) }, 'Replay')
          : null)))))
}
