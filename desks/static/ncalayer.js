// NCALayer's WebSocket protocol, the few lines a page needs: connect, read the greeting, send
// one request, read its answer. `commonUtils.createCAdESFromBase64` makes a detached CMS with
// the AUTH key (a login) or the SIGN key (a document). Forms marked `data-sign` fetch their
// document, have it signed and post the CMS in their `cms` field; `[data-login]` signs in.
(() => {
  const script = document.currentScript;
  const url = script.dataset.ncalayer;
  const texts = JSON.parse(script.dataset.texts || '{}');

  function call(module, method, args) {
    return new Promise((resolve, reject) => {
      let greeted = false, answered = false;
      const socket = new WebSocket(url);
      socket.onerror = () => answered || reject(new Error(texts.unreachable + ' (' + url + ')'));
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (!greeted) {
          greeted = true;
          socket.send(JSON.stringify({module, method, args}));
          return;
        }
        answered = true;
        socket.close();
        if (message.code === '200') resolve(message.responseObject);
        else reject(new Error(message.message === 'action.canceled' ? texts.cancelled
          : message.message || 'NCALayer ' + message.code));
      };
    });
  }

  function base64(text) {
    let binary = '';
    for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
    return btoa(binary);
  }

  const cms = (data, keyType) => call('kz.gov.pki.knca.commonUtils', 'createCAdESFromBase64',
    ['PKCS12', keyType, data, false]);

  function problemText(body) {
    const lang = document.documentElement.lang;
    return (body.messages && body.messages[lang]) || body.detail || body.title || body.code;
  }

  function say(box, text, failed) {
    if (!box) return;
    box.textContent = text;
    box.className = failed ? 'error' : 'note';
    box.hidden = false;
  }

  async function postJson(path, body) {
    const reply = await fetch(path, {method: 'POST', headers: {'content-type': 'application/json'},
      body: JSON.stringify(body)});
    const answer = await reply.json();
    if (!reply.ok) throw new Error(problemText(answer));
    return answer;
  }

  for (const button of document.querySelectorAll('[data-login]')) {
    button.addEventListener('click', async () => {
      const box = document.getElementById(button.dataset.status);
      button.disabled = true;
      try {
        say(box, texts.signing, false);
        const {challenge} = await postJson('/login/challenge', {});
        const signed = await cms(base64(challenge), 'AUTHENTICATION');
        const done = await postJson('/login/token', {challenge, cms: signed,
          audience: button.dataset.audience, next: button.dataset.next});
        location.assign(done.next);
      } catch (error) {
        say(box, error.message, true);
        button.disabled = false;
      }
    });
  }

  for (const form of document.querySelectorAll('form[data-sign]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const box = form.querySelector('.signing');
      const query = new URLSearchParams(new FormData(form));
      query.delete('cms');
      try {
        say(box, texts.signing, false);
        const reply = await fetch(form.dataset.sign + '?' + query);
        const document_ = await reply.json();
        if (!reply.ok) throw new Error(problemText(document_));
        form.elements.cms.value = await cms(document_.document, 'SIGNATURE');
        form.submit();
      } catch (error) {
        say(box, error.message, true);
      }
    });
  }
})();
