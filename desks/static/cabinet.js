// The cabinet's notifications, live: the portal's server-sent events (relayed by the desks)
// go to the top of the list; on an application's page, one about it reloads the page, whose
// state it changed.
(() => {
  const list = document.getElementById('notifications');
  if (!list || !window.EventSource) return;
  const lang = document.documentElement.lang;
  const events = new EventSource(list.dataset.stream);
  events.addEventListener('notification', (event) => {
    const note = JSON.parse(event.data);
    if (list.querySelector(`li[data-id="${note.id}"]`)) return;
    if (list.dataset.application && note.applicationId === list.dataset.application) {
      events.close();
      location.reload();
      return;
    }
    list.querySelector('li.none')?.remove();
    const item = document.createElement('li');
    item.dataset.id = note.id;
    item.dataset.kind = note.kind;
    const link = document.createElement('a');
    link.href = '/vin/cabinet/' + note.applicationId;
    link.innerHTML = '<b></b>';
    link.firstChild.textContent = note.step;
    item.append(link, ' ' + (note.messages[lang] || note.messages.ru) + ' ');
    list.prepend(item);
  });
})();
