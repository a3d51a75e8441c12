// Signing through NCALayer, as every e-gov page does: the form's document (given, or fetched
// from `data-document-url` with the form's choices) goes to NCALayer's WebSocket, the detached
// CMS comes back into the form's `cms` field, and the form is posted as usual.
function ncalayerSign(url, documentB64) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let greeted = false;
    socket.onerror = () => reject(new Error('NCALayer: no connection to ' + url));
    socket.onmessage = (event) => {
      const answer = JSON.parse(event.data);
      if (!greeted) {
        greeted = true;
        socket.send(JSON.stringify({module: 'kz.gov.pki.knca.commonUtils',
          method: 'createCAdESFromBase64', args: ['PKCS12', 'SIGNATURE', documentB64, false]}));
        return;
      }
      socket.close();
      if (answer.code === '200') resolve(answer.responseObject);
      else reject(new Error('NCALayer: ' + (answer.message || answer.code)));
    };
  });
}

for (const form of document.querySelectorAll('form.esign')) {
  form.addEventListener('submit', async (event) => {
    if (form.elements.cms.value) return;
    event.preventDefault();
    const status = form.querySelector('.esign-status');
    status.textContent = form.dataset.signing;
    status.className = 'esign-status';
    try {
      let documentB64 = form.dataset.document;
      if (!documentB64) {
        const fields = new URLSearchParams(new FormData(form));
        fields.delete('cms');
        const reply = await fetch(form.dataset.documentUrl + '?' + fields);
        const body = await reply.json();
        if (!reply.ok) {
          const text = (body.messages || {})[document.documentElement.lang] || body.detail;
          throw new Error((body.step ? body.step + ' · ' : '') + body.code + ': ' + text);
        }
        documentB64 = body.document;
      }
      form.elements.cms.value = await ncalayerSign(form.dataset.ncalayer, documentB64);
      form.submit();
    } catch (error) {
      status.textContent = error.message;
      status.className = 'esign-status error';
    }
  });
}
