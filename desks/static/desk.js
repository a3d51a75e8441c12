// The window's camera (M6.1): a frame drawn as a PNG into the form's `photo`; and the scans
// (M6.4): each chosen file sent as it is to the desk, which passes it on.
const camera = document.getElementById('camera');
if (camera) {
  document.getElementById('take-photo').addEventListener('click', () => {
    const context = camera.getContext('2d');
    context.fillStyle = '#d8c4a8';
    context.fillRect(0, 0, camera.width, camera.height);
    context.fillStyle = '#6b4f3a';
    context.beginPath();
    context.arc(camera.width / 2, camera.height / 2, camera.height / 3, 0, 2 * Math.PI);
    context.fill();
    document.getElementById('photo').value = camera.toDataURL('image/png').split(',')[1];
  });
}

for (const input of document.querySelectorAll('input[type=file][data-scan]')) {
  input.addEventListener('change', async () => {
    const file = input.files[0];
    const mark = input.parentElement.querySelector('.scan-state');
    const reply = await fetch(input.dataset.scan + '?filename=' + encodeURIComponent(file.name),
      {method: 'PUT', headers: {'content-type': file.type || 'application/octet-stream'}, body: file});
    const body = await reply.json();
    mark.textContent = reply.ok ? '✓ ' + body.sha256.slice(0, 12) : body.code;
    mark.className = 'scan-state ' + (reply.ok ? 'ok' : 'error');
    if (reply.ok) mark.dataset.done = 'yes';
  });
}

const allPresent = document.getElementById('all-present');
if (allPresent) {
  allPresent.addEventListener('click', () => {
    for (const box of document.querySelectorAll('#package input[type=checkbox]')) box.checked = true;
  });
}
