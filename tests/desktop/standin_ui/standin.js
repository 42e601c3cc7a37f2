// Engine.IO v4 / Socket.IO v5 by hand: "0" open, "2"/"3" ping/pong, "40" connect, "42" event.
// Then exercises the desktop js_api: desktop_info() (a result must come back through the CSP),
// set_unread(7) (the window title becomes "(7) Parley"), and, if probe.json names a foreign page,
// join_host() to it (that page's own calls must be refused).
(function () {
  var state = document.getElementById('state');
  var m = /owner=([^&]+)/.exec(location.hash);
  var auth = m ? { owner_key: decodeURIComponent(m[1]) } : {};
  history.replaceState(null, '', location.pathname); // the key is one-time: drop it from the URL
  var ws = new WebSocket('ws://' + location.host + '/socket.io/?EIO=4&transport=websocket');
  ws.onmessage = function (ev) {
    var d = ev.data;
    if (d[0] === '0') ws.send('40' + JSON.stringify(auth));
    else if (d === '2') ws.send('3');
    else if (d.indexOf('42') === 0) {
      var msg = JSON.parse(d.slice(2));
      if (msg[0] === 'welcome') {
        state.textContent = 'connected as ' + msg[1].user.name;
        whenApi(exerciseBridge);
      }
    } else if (d.indexOf('44') === 0) state.textContent = 'refused: ' + d.slice(2);
  };
  ws.onclose = function () { state.textContent = 'disconnected'; };

  function whenApi(fn) {
    if (window.pywebview && window.pywebview.api && window.pywebview.api.set_unread) fn();
    else setTimeout(function () { whenApi(fn); }, 100);
  }

  function exerciseBridge() {
    var api = window.pywebview.api;
    api.desktop_info().then(function (info) {
      return api.set_unread(info && info.version ? 7 : 1);
    }).then(function () {
      return fetch('probe.json').then(function (r) { return r.ok ? r.json() : {}; });
    }).then(function (probe) {
      if (probe.foreign)
        setTimeout(function () {
          // As the real start screen does: the page goes where join_host says it may.
          api.join_host(probe.foreign).then(function (r) {
            if (r.ok) window.location.assign(r.open);
          });
        }, 300);
    }).catch(function (e) { state.textContent = 'bridge error: ' + e; });
  }
})();
