// The county page's live part: one event stream; each message is the live section again as HTML.
(function () {
  var main = document.getElementById("live");
  if (!main || !window.EventSource) { return; }
  var source = new EventSource("/live?day=" + encodeURIComponent(main.dataset.day || ""));
  source.addEventListener("live", function (e) { main.innerHTML = e.data; });
})();
