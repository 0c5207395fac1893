// Help On Demand's service worker (R-PORTAL-5): the installed app opens an offline page when
// the phone has no connection, and shows the push notifications of new referrals. Pages
// always come from the network: referrals must never be read from a stale cache.
'use strict'
const CACHE = 'hod-__VERSION__'
const OFFLINE = '/offline/'

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.add(OFFLINE) }).then(function () { return self.skipWaiting() }))
})

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE }).map(function (key) { return caches.delete(key) }))
  }).then(function () { return self.clients.claim() }))
})

self.addEventListener('fetch', function (event) {
  if (event.request.mode !== 'navigate') { return }
  event.respondWith(fetch(event.request).catch(function () { return caches.match(OFFLINE) }))
})

// A push carries {title, body, url, tag}: never a consumer's name or contact data (R-SEC-2).
self.addEventListener('push', function (event) {
  let data = {}
  try { data = event.data ? event.data.json() : {} } catch (error) { data = { body: event.data.text() } }
  event.waitUntil(self.registration.showNotification(data.title || 'Help On Demand', {
    body: data.body || '',
    icon: '/static/icons/icon-192.png',
    tag: data.tag || undefined,
    requireInteraction: true,
    data: { url: data.url || '/referrals/' }
  }))
})

self.addEventListener('notificationclick', function (event) {
  event.notification.close()
  const target = new URL(event.notification.data.url, self.location.origin)
  if (target.origin !== self.location.origin) { return }
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (windows) {
    for (const client of windows) {
      if ('focus' in client && 'navigate' in client) { return client.navigate(target.href).then(function (c) { return (c || client).focus() }) }
    }
    return self.clients.openWindow(target.href)
  }))
})
