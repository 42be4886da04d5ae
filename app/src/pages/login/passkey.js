// "Log in with a passkey" on the login page (SPEC 14.2): the browser offers the passkeys it
// holds for Riegel in the e-mail field's autofill (a conditional request, begun at once) and
// at the button (which ends the autofill's request and asks at once). Each request fetches
// its own options and sealed ceremony; the answer goes with the page's plain form.
(() => {
  const form = document.getElementById('passkey-login-form');
  const button = document.getElementById('passkey-login-button');
  const notice = document.getElementById('passkey-login-notice');
  const PKC = window.PublicKeyCredential;
  if (!form || !button || !notice || !PKC || !PKC.parseRequestOptionsFromJSON) return;
  let underWay = null;
  let left = false;
  async function ask(mediation) {
    if (underWay) underWay.abort();
    const mine = (underWay = new AbortController());
    const res = await fetch('/api/login/passkey/options', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    if (!res.ok) throw new Error('options');
    const { options, ceremony } = await res.json();
    if (mine.signal.aborted || left) return;
    const publicKey = PKC.parseRequestOptionsFromJSON(JSON.parse(options).publicKey);
    const credential = await navigator.credentials.get({ publicKey, mediation, signal: mine.signal });
    form.elements.ceremony.value = ceremony;
    form.elements.answer.value = JSON.stringify(credential.toJSON());
    form.requestSubmit();
  }
  // Another page comes in place of this one (the islands router): its request ends, or it
  // would hold the browser's one ceremony (the challenge's passkey button needs it).
  window.addEventListener(
    'riegel:leave',
    () => {
      left = true;
      if (underWay) underWay.abort();
    },
    { once: true },
  );
  button.hidden = false;
  button.addEventListener('click', () => {
    notice.hidden = true;
    ask(undefined).catch((e) => {
      // The user said no, or the time ran out: nothing happened, nothing counted.
      notice.textContent = e.name === 'NotAllowedError' ? button.dataset.cancelled : button.dataset.failed;
      notice.hidden = false;
    });
  });
  // Not right after a key was refused: the autofill would offer it again.
  if (form.dataset.autofill === 'true' && PKC.isConditionalMediationAvailable) {
    PKC.isConditionalMediationAvailable()
      .then((yes) => yes && !left && ask('conditional'))
      .catch(() => {});
  }
})();
