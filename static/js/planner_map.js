// The city map (Apache ECharts, vendored): parks with their service radius, compounds covered
// or not as the coverage formula decided, roads by shade, open findings and expert-visit points
// by alert colour, the plan's pocket parks. Data from json_script blocks; every colour of a
// road, finding or point comes from the server (planner/map.py), so it matches the lists.
// A click on an object opens its page (ledger row, finding, point, plan).
// Drawn in metres on a local equirectangular plane, so a radius is a true circle at city scale.
(function () {
  if (!window.echarts) return;
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var d = data("map-data"), L = data("map-labels"), el = document.getElementById("city-map");
  if (!d || !L || !el) return;
  Array.prototype.forEach.call(document.querySelectorAll(".map-swatch[data-colour]"), function (i) {
    i.style.background = i.getAttribute("data-colour");
  });
  var roads = d.roads || [], findings = d.findings || [], spots = d.points || [];
  var outline = [];
  (d.outlines || []).forEach(function (o) {
    o.polygons.forEach(function (poly) { outline.push({ name: o.name, ring: poly[0] }); });
  });
  var all = d.parks.concat(d.compounds, d.sites, findings, spots);
  roads.forEach(function (r) {
    all.push({ lat: r.start[0], lng: r.start[1] }, { lat: r.end[0], lng: r.end[1] });
  });
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
      var item = { value: [x(p), y(p)], name: p.name, district: p.district, area: p.area, radius: p.radius,
                   after: p.value_after, url: p.url, address: p.address, open: p.open };
      if (p.colour) item.itemStyle = { color: p.colour };
      return item;
    });
  }
  var covered = d.compounds.filter(function (c) { return c.covered; });
  var uncovered = d.compounds.filter(function (c) { return !c.covered; });
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: grid,
    legend: { top: 0, data: (outline.length ? [L.districts] : []).concat([L.parks, L.covered, L.uncovered],
      roads.length ? [L.roads] : [], findings.length ? [L.findings] : [], spots.length ? [L.points] : [],
      d.sites.length ? [L.sites] : []),
      // Points sit on the parks and compounds they were made from: shown on demand.
      selected: (function () { var s = {}; s[L.points] = false; return s; })() },
    tooltip: {
      trigger: "item", renderMode: "richText",
      formatter: function (p) {
        var v = p.data || {};
        var lines = [v.name + (v.district ? " · " + v.district : "")];
        if (v.radius) lines.push(L.radius + " " + v.radius + " m");
        if (v.area) lines.push(L.area + " " + Math.round(v.area) + " m²");
        if (v.after) lines.push(L.after + " " + v.after + " %");
        if (v.length) lines.push(L.length + " " + Math.round(v.length) + " m · " + L.shaded + " " + Math.round(v.shaded) + " m");
        if (v.address) lines.push(v.address);
        if (v.open) lines.push(L.open + " " + v.open);
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
      {
        name: L.roads, type: "custom", clip: true, z: 2,
        data: roads.map(function (r, i) {
          return { value: [x({ lng: r.start[1] }), y({ lat: r.start[0] }), x({ lng: r.end[1] }), y({ lat: r.end[0] }), i],
                   name: r.name, district: r.district, length: r.length, shaded: r.shaded_length, url: r.url };
        }),
        encode: { x: [0, 2], y: [1, 3] },
        renderItem: function (params, api) {
          var a = api.coord([api.value(0), api.value(1)]), b = api.coord([api.value(2), api.value(3)]);
          return { type: "line", shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] },
                   style: { stroke: roads[api.value(4)].colour, lineWidth: 4, lineCap: "round" } };
        },
        itemStyle: { color: "#1a6b4c" }
      },
      { name: L.points, type: "scatter", z: 7, symbol: "rect", symbolSize: 10, itemStyle: { color: "#3b4754", borderColor: "#fff", borderWidth: 1 }, data: points(spots) },
      { name: L.findings, type: "scatter", z: 8, symbol: "pin", symbolSize: 18, itemStyle: { color: "#3b4754" }, data: points(findings) },
      Object.assign(circles(d.sites, "rgba(199,119,0,.16)", "#c77700"), { name: L.sites }),
      { name: L.sites, type: "scatter", z: 6, symbol: "triangle", symbolSize: 12, itemStyle: { color: "#c77700" }, data: points(d.sites) }
    ]
  });
  chart.on("click", function (p) {
    if (p.data && p.data.url) window.location.href = p.data.url;
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
