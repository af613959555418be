// The IFCPlugin interface in the page: the two marker elements the page
// library looks for, and the relay of its window messages.
//
// The page posts JSON.stringify({type: "TO_IFC_EXT", msg_data: {func_name,
// params}}) to its own window; each command is answered, in order, with
// JSON.stringify({type: "FROM_IFC_EXT", msg_data: {error_code, ...}}).
// Only messages the frame posted to itself count (event.source is this
// window), and nothing at all happens unless the background serves this
// frame's origin: no markers, no listener, no answer.

(() => {
  const MAX_MESSAGE = 150 * 1024 * 1024;
  const target = window.location.origin;

  function post(body) {
    window.postMessage(JSON.stringify(body), target);
  }

  function marker(id) {
    if (document.getElementById(id)) return;
    const div = document.createElement('div');
    div.id = id;
    div.style.display = 'none';
    (document.body || document.documentElement).appendChild(div);
  }

  function whenBody(fn) {
    if (document.body) fn();
    else document.addEventListener('DOMContentLoaded', fn, { once: true });
  }

  portalAccess().then((allowed) => {
    if (!allowed) return;
    const agent = new AgentChannel();
    const session = new IFCSession(agent, window.location.origin);
    let queue = Promise.resolve();

    whenBody(() => {
      marker('ifcplugin-extension-is-installed');
      marker('ifc-plugin-is-installed');
    });

    window.addEventListener('message', (ev) => {
      if (ev.source !== window || typeof ev.data !== 'string' || ev.data.length > MAX_MESSAGE) return;
      if (ev.data.indexOf('TO_IFC_EXT') < 0) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch (_) { return; }
      if (!msg || msg.type !== 'TO_IFC_EXT') return;
      let cmd = msg.msg_data;
      if (typeof cmd === 'string') {
        try { cmd = JSON.parse(cmd); } catch (_) { cmd = null; }
      }
      queue = queue.then(() => session.run(cmd)).then((answer) => post({ type: 'FROM_IFC_EXT', msg_data: answer }));
    });
  });
})();
