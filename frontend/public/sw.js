// Roster's service worker: keeps the app's shell (index.html, the hashed wasm/js/css the build
// writes, the icons and the manifest) so the app starts without a network, and an installed
// Roster opens offline. Each screen's chunk (scripts/build-web.sh) is kept once it has been
// opened: a first visit downloads only what it shows. It never answers for the API: everything under /api/, /scim/ and
// /dev/ goes to the network untouched and is never stored, so no person's data sits in a cache.
//
// Strategies:
// - Pages (navigations): the network first, so a new release shows as soon as it is served;
//   the cached shell only when the network fails. Every page address is the same SPA shell.
// - Hashed assets (`name-<16 hex>.ext`): never change under their name, so the cache first.
// - Other files of the shell (icons, manifest): the network first, the cache when offline.
//
// Bump VERSION only when this file's logic changes; new releases need no bump, because the
// shell is refetched on every online start and the assets it names are stored then.

const VERSION = 'v1';
const CACHE = `roster-shell-${VERSION}`;
const SHELL = '/';
const STATIC_FILES = [
  '/manifest.webmanifest',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/icon-maskable-512.png',
];
const NEVER_CACHED = ['/api/', '/scim/', '/dev/'];
const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;

// The hashed files a shell names (glue, loader, main module, styles: its preloads and links).
function assetsOf(html) {
  const found = new Set();
  for (const match of html.matchAll(/["'](\/[^"'?#]+-[0-9a-f]{16}(?:_bg)?\.(?:js|wasm|css))["']/g)) {
    found.add(match[1]);
  }
  return [...found];
}

// The 16 hex digits naming a hashed file's release.
function hashOf(path) {
  return path.match(/-([0-9a-f]{16})(?:_bg)?\.[a-z]+$/)[1];
}

// Stores a fresh shell and the assets it names; drops assets of older releases.
async function storeShell(cache, response) {
  const html = await response.clone().text();
  const assets = assetsOf(html);
  await Promise.all(
    assets.map(async (path) => {
      if (!(await cache.match(path))) {
        const asset = await fetch(path, { cache: 'no-cache' });
        if (asset.ok) await cache.put(path, asset);
      }
    }),
  );
  await cache.put(SHELL, response);
  // A release names all its files with one hash; the screens' chunks are not in the shell
  // (they are stored when first opened), so what is kept is every file of a current hash.
  const current = new Set(assets.map(hashOf));
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (HASHED.test(path) && !current.has(hashOf(path))) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const shell = await fetch(SHELL, { cache: 'no-cache' });
      if (!shell.ok) throw new Error(`the shell answered ${shell.status}`);
      await storeShell(cache, shell);
      await cache.addAll(STATIC_FILES);
      // The first visit works offline straight away, not only after a reload.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('roster-shell-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function page(event) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(event.request);
    // Only the real shell is kept (not an error page of a proxy, not a redirect).
    const type = response.headers.get('content-type') || '';
    if (response.ok && !response.redirected && type.startsWith('text/html')) {
      event.waitUntil(storeShell(cache, response.clone()).catch(() => {}));
    }
    return response;
  } catch (offline) {
    const shell = await cache.match(SHELL);
    if (shell) return shell;
    throw offline;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (offline) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw offline;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NEVER_CACHED.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.headers.get('accept')?.includes('text/event-stream')) return;
  if (request.mode === 'navigate') {
    event.respondWith(page(event));
  } else if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (STATIC_FILES.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});
