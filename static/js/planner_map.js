// The city map (Apache ECharts, vendored): parks with their service radius, compounds covered
// or not as the coverage formula decided, the plan's pocket parks. Data from json_script blocks.
// Drawn in metres on a local equirectangular plane, so a radius is a true circle at city scale.
(function () {
  if (!window.echarts) return;
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var d = data("map-data"), L = data("map-labels"), el = document.getElementById("city-map");
  if (!d || !L || !el) return;
  var outline = [];
  (d.outlines || []).forEach(function (o) {
    o.polygons.forEach(function (poly) { outline.push({ name: o.name, ring: poly[0] }); });
  });
  var all = d.parks.concat(d.compounds, d.sites);
  outline.forEach(function (o) { o.ring.forEach(function (p) { all.push({ lng: p[0], lat: p[1] }); }); });
  if (!all.length) return;
  var M = 6371008.8 * Math.PI / 180;  // metres per degree on the formulas' sphere
  var lat0 = all.reduce(function (s, p) { return s + p.lat; }, 0) / all.length;
  var lng0 = all.reduce(function (s, p) { return s + p.lng; }, 0) / all.length;
  var k = Math.cos(lat0 * Math.PI / 180);
  function x(p) { return (p.lng - lng0) * k * M; }
  function y(p) { return (p.lat - lat0) * M; }

  var pad = 600;
  var xs = all.map(x), ys = all.map(y);
  var minX = Math.min.apply(null, xs) - pad, maxX = Math.max.apply(null, xs) + pad;
  var minY = Math.min.apply(null, ys) - pad, maxY = Math.max.apply(null, ys) + pad;
  var grid = { left: 8, right: 8, top: 36, bottom: 8 };
  // Equal metres per pixel both ways: widen the shorter range to the box's shape.
  var w = el.clientWidth - grid.left - grid.right, h = el.clientHeight - grid.top - grid.bottom;
  var perPx = Math.max((maxX - minX) / w, (maxY - minY) / h);
  var cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  minX = cx - perPx * w / 2; maxX = cx + perPx * w / 2;
  minY = cy - perPx * h / 2; maxY = cy + perPx * h / 2;

  function circles(items, fill, stroke) {
    return {
      type: "custom", clip: true, z: 1,
      data: items.filter(function (p) { return p.radius > 0; }).map(function (p) {
        return { value: [x(p), y(p), p.radius], name: p.name };
      }),
      renderItem: function (params, api) {
        var c = api.coord([api.value(0), api.value(1)]);
        var s = api.size([api.value(2), api.value(2)]);
        return { type: "circle", shape: { cx: c[0], cy: c[1], r: s[0] }, style: { fill: fill, stroke: stroke, lineWidth: 1 } };
      },
      tooltip: { show: false }, itemStyle: { color: stroke }
    };
  }
  function points(items) {
    return items.map(function (p) {
      return { value: [x(p), y(p)], name: p.name, district: p.district, area: p.area, radius: p.radius,
               after: p.value_after };
    });
  }
  var covered = d.compounds.filter(function (c) { return c.covered; });
  var uncovered = d.compounds.filter(function (c) { return !c.covered; });
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: grid,
    legend: { top: 0, data: (outline.length ? [L.districts] : []).concat([L.parks, L.covered, L.uncovered], d.sites.length ? [L.sites] : []) },
    tooltip: {
      trigger: "item", renderMode: "richText",
      formatter: function (p) {
        var v = p.data || {};
        var lines = [v.name + (v.district ? " · " + v.district : "")];
        if (v.radius) lines.push(L.radius + " " + v.radius + " m");
        if (v.area) lines.push(L.area + " " + Math.round(v.area) + " m²");
        if (v.after) lines.push(L.after + " " + v.after + " %");
        return lines.join("\n");
      }
    },
    xAxis: { type: "value", min: minX, max: maxX, show: false },
    yAxis: { type: "value", min: minY, max: maxY, show: false },
    dataZoom: [{ type: "inside", xAxisIndex: 0, yAxisIndex: 0, filterMode: "none" }],
    series: [
      {
        name: L.districts, type: "custom", clip: true, z: 0, silent: true,
        data: outline.map(function (o, i) { return { value: [i], name: o.name }; }),
        renderItem: function (params, api) {
          var o = outline[api.value(0)];
          var pts = o.ring.map(function (p) { return api.coord([x({ lng: p[0] }), y({ lat: p[1] })]); });
          var sx = 0, sy = 0;
          pts.forEach(function (p) { sx += p[0]; sy += p[1]; });
          return { type: "group", children: [
            { type: "polygon", shape: { points: pts }, style: { fill: "rgba(23,32,42,.03)", stroke: "#6b7785", lineWidth: 1.2, lineDash: [4, 3] } },
            { type: "text", style: { text: o.name, x: sx / pts.length, y: sy / pts.length, fill: "#3b4754", font: "12px sans-serif", align: "center" } }
          ] };
        },
        itemStyle: { color: "#6b7785" }
      },
      Object.assign(circles(d.parks, "rgba(32,138,95,.14)", "#208a5f"), { name: L.parks }),
      { name: L.parks, type: "scatter", z: 3, symbol: "diamond", symbolSize: 9, itemStyle: { color: "#208a5f" }, data: points(d.parks) },
      { name: L.covered, type: "scatter", z: 4, symbolSize: 7, itemStyle: { color: "#2468c7" }, data: points(covered) },
      { name: L.uncovered, type: "scatter", z: 5, symbolSize: 8, itemStyle: { color: "#d93b3b" }, data: points(uncovered) },
      Object.assign(circles(d.sites, "rgba(199,119,0,.16)", "#c77700"), { name: L.sites }),
      { name: L.sites, type: "scatter", z: 6, symbol: "triangle", symbolSize: 12, itemStyle: { color: "#c77700" }, data: points(d.sites) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
