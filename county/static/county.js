// The county page's live part: one event stream; each message is the live section again as HTML,
// with the comparison chart's figures in a data attribute (drawn with the hall web's ECharts).
(function () {
  var main = document.getElementById("live");
  if (!main) { return; }
  var chart = null;

  function draw() {
    var el = document.getElementById("chart-compare");
    if (!el || !window.echarts) { return; }
    if (chart) { chart.dispose(); }
    chart = window.echarts.init(el, null, { renderer: "svg" });
    var data = JSON.parse(el.dataset.chart);
    chart.setOption({
      animation: false, textStyle: { fontSize: 14 },
      legend: { top: 0, data: ["取号 Tickets", "办结 Served", "平均等候(分) Mean wait"] },
      grid: { left: 50, right: 60, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.halls, axisLabel: { interval: 0 } },
      yAxis: [{ type: "value", minInterval: 1, name: "人 people" }, { type: "value", name: "分 min" }],
      series: [
        { name: "取号 Tickets", type: "bar", data: data.tickets, itemStyle: { color: "#1f5fa8" } },
        { name: "办结 Served", type: "bar", data: data.served, itemStyle: { color: "#2e7d32" } },
        { name: "平均等候(分) Mean wait", type: "line", yAxisIndex: 1, data: data.mean_wait,
          itemStyle: { color: "#b45309" }, symbolSize: 8 }
      ]
    });
  }

  draw();
  if (!window.EventSource) { return; }
  var source = new EventSource("/live?day=" + encodeURIComponent(main.dataset.day || ""));
  source.addEventListener("live", function (e) { main.innerHTML = e.data; draw(); });
})();
