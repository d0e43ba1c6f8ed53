// The citizen's ticket page: one event stream; each update replaces the ticket card.
(function () {
  var main = document.getElementById("ticket");
  if (!main || !window.EventSource) return;
  var card = main.querySelector("[data-phase]");
  var last = card ? card.getAttribute("data-phase") : null;
  var source = new EventSource(main.getAttribute("data-live"));
  source.addEventListener("update", function (e) {
    var data = JSON.parse(e.data);
    // a citizen choosing the reasons of a 差评 keeps the form until the ticket changes state
    if (main.querySelector("form[data-keep]") && data.phase === last) return;
    main.innerHTML = data.html;
    if (data.phase === "called" && last !== "called" && navigator.vibrate) {
      navigator.vibrate([400, 200, 400]);
    }
    last = data.phase;
    document.body.setAttribute("data-phase", data.phase);
  });
  source.addEventListener("gone", function () { source.close(); });
  source.addEventListener("error", function () {
    if (document.getElementById("reconnecting")) return;
    var note = document.createElement("p");
    note.id = "reconnecting";
    note.className = "offline";
    note.setAttribute("role", "status");
    note.textContent = document.documentElement.lang === "en" ? "Reconnecting…" : "正在重新连接…";
    main.appendChild(note);
  });
})();
