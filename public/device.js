// The Riegel authenticator device (/device). It pairs with a key pair made here by WebCrypto:
// the private key is created non-extractable and kept in this browser's IndexedDB, so it never
// leaves the device; only the public key goes to the server. Push requests arrive by
// Server-Sent Events while the page is open, and as Web Push notifications through the service
// worker (device-sw.js) when it is not; each answer (a number, or "deny") is signed over the
// request, its nonce and the answer, so the server can tell it came from this device and fits
// this request only.

const TEXT = {
  de: {
    pairing: 'Gerät wird gekoppelt …',
    paired: 'Dieses Gerät ist gekoppelt. Anmeldeanfragen erscheinen hier.',
    notPaired: 'Dieses Gerät ist nicht gekoppelt. Öffnen Sie den Kopplungslink aus den Einstellungen des Portals.',
    pairFailed: 'Der Kopplungslink ist ungültig, abgelaufen oder schon benutzt. Erzeugen Sie in den Einstellungen einen neuen.',
    confirmNeeded: 'Dieses Gerät ist schon gekoppelt. Öffnen Sie den Kopplungslink erneut und bestätigen Sie, dass er die bisherige Kopplung ersetzt.',
    none: 'Keine offenen Anfragen.',
    request: (time, ip) => `Anmeldung um ${time} Uhr von ${ip}`,
    pick: 'Wählen Sie die Zahl, die die Anmeldeseite zeigt:',
    deny: 'Ablehnen',
    approved: 'Bestätigt. Die Anmeldung geht weiter.',
    denied: 'Abgelehnt. Die Anmeldung wurde verweigert.',
    expired: 'Die Anfrage ist abgelaufen oder wurde schon beantwortet.',
    refused: 'Die Antwort wurde nicht angenommen: Dieses Gerät ist nicht (mehr) gekoppelt.',
    offline: 'Keine Verbindung zum Portal. Neuer Versuch …',
    failed: 'Die Antwort kam nicht an. Bitte noch einmal wählen.',
    keyStoreFailed: 'Dieser Browser kann den Schlüssel nicht speichern (privater Modus?). Das Gerät wurde nicht gekoppelt.',
    newRequest: 'Neue Anmeldeanfrage.',
    browserOn: 'Browser auf',
    notify: 'Benachrichtigungen einschalten',
    pushOn: 'Benachrichtigungen sind an: Anfragen erreichen dieses Gerät auch bei geschlossener Seite.',
    pushOff: 'Ohne Benachrichtigungen erscheinen Anfragen nur, solange diese Seite offen ist.',
    pushBlocked: 'Benachrichtigungen sind für diese Seite blockiert. Anfragen erscheinen nur, solange sie offen ist.',
    pushUnsupported: 'Dieser Browser kann keine Benachrichtigungen empfangen (auf dem iPhone: Seite zum Home-Bildschirm hinzufügen und von dort öffnen).',
  },
  en: {
    pairing: 'Pairing this device …',
    paired: 'This device is paired. Login requests appear here.',
    notPaired: 'This device is not paired. Open the pairing link from the portal settings.',
    pairFailed: 'The pairing link is invalid, expired or used already. Create a new one in the settings.',
    confirmNeeded: 'This device is paired already. Open the pairing link again and confirm that it replaces the current pairing.',
    none: 'No open requests.',
    request: (time, ip) => `Login at ${time} from ${ip}`,
    pick: 'Pick the number the login page shows:',
    deny: 'Deny',
    approved: 'Approved. The login goes on.',
    denied: 'Denied. The login was refused.',
    expired: 'The request expired or was answered already.',
    refused: 'The answer was not accepted: this device is not paired (any more).',
    offline: 'No connection to the portal. Trying again …',
    failed: 'The answer did not arrive. Please pick again.',
    keyStoreFailed: 'This browser cannot store the key (private mode?). The device was not paired.',
    newRequest: 'New login request.',
    browserOn: 'Browser on',
    notify: 'Turn on notifications',
    pushOn: 'Notifications are on: requests reach this device even with this page closed.',
    pushOff: 'Without notifications, requests appear only while this page is open.',
    pushBlocked: 'Notifications are blocked for this page. Requests appear only while it is open.',
    pushUnsupported: 'This browser cannot receive notifications (on an iPhone: add the page to the home screen and open it from there).',
  },
};
const lang = document.documentElement.lang === 'en' ? 'en' : 'de';
const T = TEXT[lang];
const $ = (id) => document.getElementById(id);
const setStatus = (text) => ($('device-status').textContent = text);
const setResult = (text) => ($('device-result').textContent = text);

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function store(mode, fn) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('riegel-device', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = fn(open.result.transaction('keys', mode).objectStore('keys'));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    };
  });
}
const loadKey = () => store('readonly', (s) => s.get('device'));
const saveKey = (key) => store('readwrite', (s) => s.put(key, 'device'));

function post(path, fields) {
  return fetch(path, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    credentials: 'same-origin',
  });
}

function deviceName() {
  const platform = navigator.userAgentData?.platform || navigator.platform || '';
  return `${T.browserOn} ${platform}`.trim();
}

// `replace`: the confirmation the server's question showed when this browser is a paired
// device already; without it the server replaces nothing.
async function pair(token, replace) {
  setStatus(T.pairing);
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  // The key is stored before the server learns of it: a browser that cannot keep it (private
  // mode) must not replace the account's working device.
  try {
    await store('readwrite', (s) => s.put(keys.privateKey, 'pending'));
  } catch {
    setStatus(T.keyStoreFailed);
    return false;
  }
  const spki = await crypto.subtle.exportKey('spki', keys.publicKey);
  const fields = { pairing: token, public_key: b64url(spki), name: deviceName() };
  if (replace) fields.replace = replace;
  const res = await post('/api/device/pair', fields);
  if (res.status === 409) {
    // Paired already and not confirmed: nothing was replaced, and the link still works.
    setStatus(T.confirmNeeded);
    return false;
  }
  // The link is used up either way; it should not stay in the address bar or history.
  history.replaceState(null, '', '/device');
  if (!res.ok) {
    setStatus(T.pairFailed);
    return false;
  }
  await saveKey(keys.privateKey);
  return true;
}

async function answer(request, choice, buttons) {
  buttons.forEach((b) => (b.disabled = true));
  try {
    const key = await loadKey();
    if (!key) {
      setResult(T.notPaired);
      return;
    }
    const message = `riegel-push-v1\n${request.id}\n${request.nonce}\n${choice}`;
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(message));
    const res = await post('/api/device/answer', { request: String(request.id), answer: choice, signature: b64url(signature) });
    if (res.ok) {
      setResult((await res.json()) === 'Approved' ? T.approved : T.denied);
    } else if (res.status === 401 || res.status === 403) {
      setResult(T.refused);
    } else if (res.status === 410) {
      setResult(T.expired);
    } else {
      throw new Error(String(res.status));
    }
  } catch {
    // Not answered: the request stays open, so the user can pick again.
    setResult(T.failed);
    buttons.forEach((b) => (b.disabled = false));
  }
}

let shown = null;

function render(requests) {
  // The server sends only changes; an unchanged list keeps the page (and its focus) as it is.
  const key = requests.map((r) => r.id).join(',');
  if (key === shown) return;
  const added = requests.some((r) => !(shown ?? '').split(',').includes(String(r.id)));
  shown = key;
  const list = $('device-requests');
  list.replaceChildren();
  setStatus(requests.length ? (added ? `${T.newRequest} ${T.paired}` : T.paired) : `${T.paired} ${T.none}`);
  for (const request of requests) {
    const item = document.createElement('li');
    item.className = 'push-request';
    item.id = `request-${request.id}`;
    item.tabIndex = -1;
    const time = new Date(request.at * 1000).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'de-DE', {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const what = document.createElement('p');
    what.textContent = T.request(time, request.ip);
    const pick = document.createElement('p');
    pick.id = `pick-${request.id}`;
    pick.textContent = T.pick;
    const choices = document.createElement('div');
    choices.className = 'push-choices';
    choices.setAttribute('role', 'group');
    choices.setAttribute('aria-labelledby', pick.id);
    const buttons = [];
    for (const n of request.choices) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'push-choice';
      b.textContent = String(n);
      b.addEventListener('click', () => answer(request, String(n), buttons));
      buttons.push(b);
      choices.append(b);
    }
    const deny = document.createElement('button');
    deny.type = 'button';
    deny.className = 'secondary';
    deny.textContent = T.deny;
    deny.addEventListener('click', () => answer(request, 'deny', buttons));
    buttons.push(deny);
    item.append(what, pick, choices, deny);
    list.append(item);
  }
  // Opened from a notification: the request it named gets the focus.
  const named = new URLSearchParams(location.search).get('request');
  if (named) $(`request-${named}`)?.focus();
}

const b64urlToBytes = (text) => {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
};

// Web Push: the service worker, and the browser's subscription for Riegel's VAPID key, sent to
// the server (which keeps one per paired device). Asking for the permission needs a tap.
async function subscribe(registration) {
  const res = await post('/api/device/vapid-key', {});
  if (!res.ok) throw new Error(String(res.status));
  const key = b64urlToBytes(await res.json());
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  const { endpoint, keys } = subscription.toJSON();
  const sent = await post('/api/device/push-subscription', { endpoint, p256dh: keys.p256dh, auth: keys.auth });
  if (!sent.ok) throw new Error(String(sent.status));
}

async function notifications() {
  const line = $('device-push');
  const button = $('device-notify');
  if (!line || !button) return;
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    line.textContent = T.pushUnsupported;
    return;
  }
  const registration = await navigator.serviceWorker.register('/device-sw.js', { scope: '/device' });
  const show = (state) => {
    line.textContent = { granted: T.pushOn, denied: T.pushBlocked, default: T.pushOff }[state];
    button.hidden = state !== 'default';
  };
  button.addEventListener('click', async () => {
    const state = await Notification.requestPermission();
    show(state);
    if (state === 'granted') await subscribe(registration).catch(() => (line.textContent = T.pushUnsupported));
  });
  show(Notification.permission);
  // Allowed before: the subscription may have changed (or ended); the server keeps the newest.
  if (Notification.permission === 'granted') await subscribe(registration).catch(() => (line.textContent = T.pushUnsupported));
}

function listen() {
  const events = new EventSource('/device/events');
  events.addEventListener('requests', (e) => render(JSON.parse(e.data)));
  events.onerror = async () => {
    if (events.readyState !== EventSource.CLOSED) {
      setStatus(T.offline); // the browser reconnects by itself
      return;
    }
    // Refused: not paired (401), or the server could not answer; then try again shortly.
    const probe = await fetch('/device/events', { method: 'HEAD', credentials: 'same-origin' }).catch(() => null);
    if (probe?.status === 401) {
      setStatus(T.notPaired);
    } else {
      setStatus(T.offline);
      setTimeout(listen, 5000);
    }
  };
}

async function main() {
  // The server asks first when a pairing link would replace this device's pairing: nothing
  // happens here until its confirm form brings the page back with the confirmation.
  if ($('device-confirm')) return;
  const params = new URLSearchParams(location.search);
  const token = params.get('pair');
  if (token && !(await pair(token, params.get('replace')))) return;
  // Never paired in this browser: nothing to listen to.
  if (!(await loadKey())) {
    setStatus(T.notPaired);
    return;
  }
  listen();
  notifications();
}

main();
