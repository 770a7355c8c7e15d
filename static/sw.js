// The demo's service worker: keeps the app shell (HTML, JS, wasm, CSS) so that a reload works
// while the server is unreachable. API calls (/api/...) and the realtime socket are never
// touched: offline data comes from IndexedDB through data-farm's persistence, not from here.
const CACHE = 'data-farm-shell-v1';

// The page and every asset it references (trunk names them by content hash).
async function cacheShell(cache) {
  const response = await fetch('/', { cache: 'no-store' });
  const html = await response.clone().text();
  const assets = new Set();
  for (const match of html.matchAll(/(?:href|src)="(\/[^"]+)"/g)) assets.add(match[1]);
  await cache.put('/', response);
  await cache.addAll([...assets]);
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then(cacheShell).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// Network first (a rebuilt demo is picked up at once), the cached shell when offline.
self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) {
    return;
  }
  const key = request.mode === 'navigate' ? '/' : request;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(key, response.clone());
      return response;
    } catch (err) {
      const cached = await cache.match(key);
      if (cached) return cached;
      throw err;
    }
  })());
});
