// Dashboard charts (Apache ECharts, vendored). Data comes from json_script blocks.
(function () {
  if (!window.echarts) return;
  var green = "#208a5f", red = "#d93b3b", amber = "#c77700", ink = "#6b7785";
  var charts = [];
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }
  var met = data("chart-data");
  if (met && met.dates.length) {
    make("chart-met", {
      grid: { left: 36, right: 16, top: 24, bottom: 28 },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: met.dates.map(function (d) { return d.slice(5); }), axisLabel: { color: ink } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: ink } },
      series: [
        { name: document.documentElement.lang === "en" ? "Met" : "达标", type: "line", smooth: true, data: met.met,
          areaStyle: { color: "rgba(32,138,95,.12)" }, lineStyle: { color: green, width: 3 }, itemStyle: { color: green } },
        { name: document.documentElement.lang === "en" ? "Applicable" : "适用指标", type: "line", data: met.total,
          lineStyle: { color: ink, type: "dashed", width: 1 }, itemStyle: { color: ink }, symbol: "none" }
      ]
    });
  }
  var findings = data("findings-data");
  if (findings) {
    make("chart-findings", {
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { bottom: 0, textStyle: { color: ink } },
      series: [{ type: "pie", radius: ["45%", "70%"], center: ["50%", "45%"], label: { formatter: "{b}\n{c}" },
        data: findings.map(function (f) { return { name: f.label, value: f.count, itemStyle: { color: f.color } }; }) }]
    });
  }
  var units = data("overdue-data");
  if (units && units.units.length) {
    make("chart-overdue", {
      grid: { left: 8, right: 24, top: 30, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: { top: 0, right: 0, textStyle: { color: ink } },
      xAxis: { type: "value", minInterval: 1, axisLabel: { color: ink } },
      yAxis: { type: "category", data: units.units, inverse: true, axisLabel: { color: ink } },
      series: [
        { name: units.labels[0], type: "bar", stack: "o", data: units.findings, itemStyle: { color: red } },
        { name: units.labels[1], type: "bar", stack: "o", data: units.tasks, itemStyle: { color: amber } }
      ]
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
