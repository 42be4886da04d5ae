// The Riegel authenticator's service worker (scope /device). A push service delivers a Web
// Push message here even when no page of the device is open; the message names a request
// (its id, kind, time and address; never a code or the number to pick), and this worker
// shows it as a notification. Tapping it opens /device on that request, where the number is
// picked and the answer is signed as always.

const TEXT = {
  de: {
    login: (time, ip) => `Anmeldung um ${time} von ${ip} – Zahl wählen`,
    test: 'Testbenachrichtigung: Dieses Gerät empfängt Anfragen.',
    title: 'Riegel-Authenticator',
  },
  en: {
    login: (time, ip) => `Login at ${time} from ${ip} – pick the number`,
    test: 'Test notification: this device receives requests.',
    title: 'Riegel authenticator',
  },
};
const lang = (self.navigator.language || 'de').toLowerCase().startsWith('en') ? 'en' : 'de';
const T = TEXT[lang];

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const time = new Date((data.at || 0) * 1000).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'de-DE', {
    hour: '2-digit',
    minute: '2-digit',
  });
  const body = data.kind === 'login' ? T.login(time, data.ip || '') : T.test;
  const url = data.kind === 'login' ? `/device?request=${encodeURIComponent(data.id)}` : '/device';
  event.waitUntil(
    self.registration.showNotification(T.title, {
      body,
      // One notification per request: a message delivered twice shows once.
      tag: `riegel-${data.kind || 'test'}-${data.id || 0}`,
      data: { url },
      icon: '/favicon.svg',
      requireInteraction: data.kind === 'login',
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || '/device', self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname === '/device');
      return open ? open.navigate(url).then((w) => (w || open).focus()) : self.clients.openWindow(url);
    }),
  );
});
