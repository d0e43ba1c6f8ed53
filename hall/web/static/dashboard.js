// The manager's dashboard: live parts from one event stream; actions posted without a reload.
(function () {
  var main = document.querySelector("main.dash");
  var toast = document.getElementById("toast");
  var conn = document.getElementById("conn");
  var charts = {};

  function chart(id) {
    if (!window.echarts) return null;
    var el = document.getElementById(id);
    if (!el) return null;
    if (!charts[id]) charts[id] = window.echarts.init(el, null, { renderer: "svg" });
    return charts[id];
  }

  function draw(data) {
    var hours = chart("chart-hours");
    if (hours) {
      hours.setOption({
        animation: false, textStyle: { fontSize: 16 },
        legend: { top: 0, data: ["取号", "办结"], textStyle: { fontSize: 16 } },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.chart.hours },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "取号", type: "bar", data: data.chart.issued, itemStyle: { color: "#1f5fa8" } },
          { name: "办结", type: "bar", data: data.chart.served, itemStyle: { color: "#2e7d32" } }
        ]
      });
    }
    var lines = chart("chart-lines");
    if (lines && data.lines.length === 0) {
      lines.clear();
      lines.setOption({ title: { text: "目前没有人排队", left: "center", top: "middle",
                                 textStyle: { fontSize: 18, color: "#555", fontWeight: "normal" } } });
    } else if (lines) {
      lines.setOption({ title: { show: false },
        animation: false, textStyle: { fontSize: 16 },
        grid: { left: 10, right: 40, top: 10, bottom: 30, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: data.lines.map(function (x) { return x.name; }) },
        series: [{ type: "bar", data: data.lines.map(function (x) { return x.waiting; }),
                   itemStyle: { color: "#b45309" }, label: { show: true, position: "right" } }]
      });
    }
  }

  function say(text, ok) {
    toast.textContent = text;
    toast.className = "toast " + (ok ? "ok" : "bad");
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.hidden = true; }, 6000);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList.contains("act")) return;
    e.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; button.textContent = "处理中…"; }
    fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (j) { say(j.message, j.ok); })
      .catch(function () { say("网络异常，请稍后重试。", false); })
      .finally(function () { if (button) button.disabled = false; });
  });

  var initial = document.getElementById("initial");
  if (initial) draw(JSON.parse(initial.textContent));
  if (!main || !window.EventSource) return;
  var source = new EventSource(main.getAttribute("data-live"));
  source.addEventListener("update", function (e) {
    var data = JSON.parse(e.data);
    Object.keys(data.html).forEach(function (id) {
      var el = document.getElementById(id);
      if (el && !el.contains(document.activeElement)) el.innerHTML = data.html[id];
      else if (el) el.innerHTML = data.html[id];
    });
    draw(data);
    conn.textContent = data.online ? "● 实时" : "■ 未连接";
    conn.className = "conn " + (data.online ? "on" : "off");
    document.body.setAttribute("data-seq", String(Date.now()));
  });
  source.addEventListener("error", function () {
    conn.textContent = "■ 重新连接中…"; conn.className = "conn off";
  });
  source.addEventListener("gone", function () { source.close(); window.location = "/login"; });
})();
