// The agent portal without page reloads: countdowns, Accept / Reject / status through
// fetch, the list refreshing itself, and Today's Availability with its Stop Referrals popup.
// Every form still works without this script.
(function () {
  'use strict'
  const body = document.body
  const skew = body.dataset.serverNow ? Number(body.dataset.serverNow) * 1000 - Date.now() : 0
  const live = document.getElementById('live')

  function say (text) { if (live) { live.textContent = text } }

  function post (form) {
    return fetch(form.action, {
      method: 'POST',
      body: new FormData(form),
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    }).then(function (response) { return response.json() })
  }

  // --- Time zone (R-AVAIL-1): the browser's, when it says one, else the ZIP's ----------
  const browserZone = (window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone) || ''
  document.querySelectorAll('input[name="browser_time_zone"]').forEach(function (input) { input.value = browserZone })
  const current = document.getElementById('time-zone')
  const notice = document.getElementById('browser-time-zone')
  // Only a U.S. zone is taken (agents.forms.BrowserTimeZoneForm): say so only for one.
  const usZones = notice ? (notice.dataset.usZones || '').split(' ') : []
  if (browserZone && current && notice && current.dataset.timeZone !== browserZone && usZones.includes(browserZone)) {
    notice.querySelector('.zone').textContent = browserZone
    notice.hidden = false
  }

  // --- Countdowns ----------------------------------------------------------------------
  function tick () {
    const now = Date.now() + skew
    document.querySelectorAll('.countdown[data-expires]').forEach(function (el) {
      const left = Math.floor((Date.parse(el.dataset.expires) - now) / 1000)
      if (left <= 0) {
        el.textContent = body.dataset.expired
        el.removeAttribute('data-expires')
        const row = el.closest('tr')
        if (row) { row.querySelectorAll('.decide button').forEach(function (b) { b.disabled = true }) }
        setTimeout(refresh, 1500)
        return
      }
      const m = Math.floor(left / 60)
      const s = String(left % 60).padStart(2, '0')
      el.textContent = m + ':' + s + ' ' + body.dataset.left
    })
  }

  // --- Rows: accept, reject, status ----------------------------------------------------
  function showStatusFields (form) {
    const status = form.querySelector('select[name=status]')
    if (!status) { return }
    form.querySelectorAll('.when-completed').forEach(function (el) {
      el.hidden = status.value !== 'completed'
      const label = form.querySelector('label[for="' + el.id + '"]')
      if (label) { label.hidden = el.hidden }
    })
    form.querySelectorAll('.when-not-good').forEach(function (el) {
      el.hidden = status.value !== 'not_good'
      const label = form.querySelector('label[for="' + el.id + '"]')
      if (label) { label.hidden = el.hidden }
    })
  }

  function wire (root) {
    root.querySelectorAll('.status-form').forEach(showStatusFields)
  }

  document.addEventListener('change', function (event) {
    const form = event.target.closest('.status-form')
    if (form && event.target.name === 'status') { showStatusFields(form) }
  })

  document.addEventListener('submit', function (event) {
    const form = event.target
    const row = form.closest('#referral-rows tr')
    if (!row) { return }
    event.preventDefault()
    form.querySelectorAll('button').forEach(function (b) { b.disabled = true })
    post(form).then(function (answer) {
      const holder = document.createElement('tbody')
      holder.innerHTML = answer.row
      const fresh = holder.firstElementChild
      row.replaceWith(fresh)
      wire(fresh)
      say(answer.message)
      const note = document.createElement('p')
      note.className = answer.ok ? 'notice' : 'notice warning'
      note.setAttribute('role', 'status')
      note.textContent = answer.message
      const cell = fresh.querySelector('td:last-child')
      if (cell) { cell.appendChild(note) }
    }).catch(function () { form.submit() })
  })

  // --- The list refreshes itself when offers arrive ------------------------------------
  function signature (tbody) {
    return Array.from(tbody.querySelectorAll('tr')).map(function (tr) { return tr.id + ':' + tr.dataset.status }).join(',')
  }

  function refresh () {
    const table = document.querySelector('table[data-rows-url]')
    const tbody = document.getElementById('referral-rows')
    if (!table || !tbody || tbody.contains(document.activeElement)) { return }
    fetch(table.dataset.rowsUrl, { credentials: 'same-origin' }).then(function (r) { return r.text() }).then(function (html) {
      const holder = document.createElement('tbody')
      holder.innerHTML = html
      if (signature(holder) !== signature(tbody)) {
        tbody.innerHTML = html
        wire(tbody)
        tick()
      }
    }).catch(function () {})
  }

  // --- Today's Availability --------------------------------------------------------------
  const today = document.getElementById('today')
  const dialog = document.getElementById('stop-dialog')
  if (today) {
    today.addEventListener('submit', function (event) {
      event.preventDefault()
      post(today).then(function (answer) {
        if (!answer.ok) { say(answer.message); return }
        const button = document.getElementById('today-switch')
        button.setAttribute('aria-checked', answer.on ? 'true' : 'false')
        button.querySelector('strong').textContent = answer.on ? body.dataset.on : body.dataset.off
        today.querySelector('input[name=on]').value = answer.on ? 'off' : 'on'
        today.dataset.on = answer.on ? '1' : '0'
        say(answer.message)
        // Switched off with referrals still waiting for an answer: said where it is seen too.
        const waiting = document.getElementById('still-waiting')
        if (waiting) { waiting.remove() }
        if (answer.warning && live) {
          const alert = document.createElement('div')
          alert.className = 'alert'
          alert.id = 'still-waiting'
          const text = document.createElement('p')
          text.textContent = answer.warning
          alert.appendChild(text)
          live.after(alert)
        }
        // The page's own line on whether referrals reach the agent (Manage Referrals, Availability
        // Settings) follows the switch: it said "receiving now" after switching off.
        const line = document.getElementById('eligibility')
        if (line && line.tagName === 'P') {
          line.textContent = answer.receiving
          line.className = answer.on ? 'status-ok' : 'status-off'
        }
        const preview = document.getElementById('preview')
        if (preview) { preview.textContent = answer.receiving }
        const paused = document.getElementById('paused')
        if (answer.on && paused) { paused.remove() }
        if (answer.on && answer.eligible && dialog) {
          document.getElementById('stop-time').textContent = answer.stop_at
          dialog.showModal()
        }
      }).catch(function () { today.submit() })
    })
  }
  if (dialog) {
    document.getElementById('stop-close').addEventListener('click', function () { dialog.close() })
    document.getElementById('stop-form').addEventListener('submit', function (event) {
      event.preventDefault()
      post(event.target).then(function (answer) {
        say(answer.message)
        if (answer.ok) { document.getElementById('stop-time').textContent = answer.stop_at; dialog.close() }
      })
    })
  }

  // The search form is folded on a phone, so the referrals come first; open on wider screens.
  const search = document.getElementById('search')
  if (search && window.matchMedia('(min-width: 40rem)').matches) { search.open = true }

  // --- Installable app: the service worker keeps an offline page and shows pushes -------
  if ('serviceWorker' in navigator) { navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () {}) }

  // App notifications on this device (Profile): ask, subscribe with our VAPID key, and hand
  // the subscription to the server, which pushes new referrals to it.
  const pushOn = document.getElementById('push-on')
  if (pushOn && 'serviceWorker' in navigator && 'PushManager' in window) {
    pushOn.hidden = false
    pushOn.addEventListener('click', function () {
      const key = Uint8Array.from(atob(pushOn.dataset.key.replace(/-/g, '+').replace(/_/g, '/')), function (c) { return c.charCodeAt(0) })
      Notification.requestPermission().then(function () { return navigator.serviceWorker.ready })
        .then(function (registration) { return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }) })
        .then(function (subscription) {
          const csrf = document.querySelector('input[name=csrfmiddlewaretoken]').value
          return fetch(pushOn.dataset.url, { method: 'POST', credentials: 'same-origin', body: JSON.stringify(subscription.toJSON()), headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf } })
        })
        .then(function (response) { return response.json() })
        .then(function (answer) { say(answer.message || '') })
        .catch(function (error) { say(String(error)) })
    })
  }

  wire(document)
  tick()
  setInterval(tick, 1000)
  if (document.querySelector('table[data-rows-url]')) { setInterval(refresh, Number(body.dataset.refreshMs) || 15000) }
})()
