/* Calibration screen: click road marks on the picture, type their surveyed road
 * coordinates, Check (the server fits the homography and draws it back), Save.
 * Plain JS, no framework: the tables are the state, so typing and clicking edit the
 * same thing and everything works from the keyboard. */
(function () {
  "use strict";
  var form = document.getElementById("fs-calibrate");
  if (!form) { return; }
  var initial = JSON.parse(document.getElementById("fs-initial").textContent);
  var text = JSON.parse(document.getElementById("fs-strings").textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var stillId = form.dataset.still ? Number(form.dataset.still) : null;
  var img = document.getElementById("fs-still");
  var svg = document.getElementById("fs-marks");
  var pointsBody = document.querySelector("#fs-points tbody");
  var zoneBody = document.querySelector("#fs-zone tbody");
  var message = document.getElementById("fs-message");
  var SVGNS = "http://www.w3.org/2000/svg";
  var homography = null; // image pixels -> road metres, from the last good Check

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function say(kind, html) {
    var cls = kind === "error" ? "usa-alert--error" : kind === "success" ? "usa-alert--success" : "usa-alert--info";
    message.innerHTML = '<div class="usa-alert usa-alert--slim ' + cls + '"><div class="usa-alert__body"><p class="usa-alert__text"></p></div></div>';
    var p = message.querySelector("p");
    if (typeof html === "string") { p.textContent = html; } else { p.appendChild(html); }
    message.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  function headers(table) {
    return Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
  }

  function numberInput(value, label, key) {
    var input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.className = "usa-input fs-num";
    input.dataset.k = key;
    input.setAttribute("aria-label", label);
    input.value = value === undefined || value === null ? "" : String(value);
    input.addEventListener("input", redraw);
    return input;
  }

  function addRow(body, keys, values, labelKey) {
    var table = body.parentNode;
    var names = headers(table);
    var tr = document.createElement("tr");
    var th = document.createElement("th");
    th.scope = "row";
    tr.appendChild(th);
    keys.forEach(function (key, i) {
      var td = document.createElement("td");
      td.appendChild(numberInput(values[i], "", key));
      td.firstChild.dataset.col = names[i + 1];
      tr.appendChild(td);
    });
    var td = document.createElement("td");
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "usa-button usa-button--unstyled";
    remove.textContent = text.remove;
    remove.addEventListener("click", function () { tr.remove(); renumber(); redraw(); });
    td.appendChild(remove);
    tr.appendChild(td);
    tr.dataset.label = labelKey;
    body.appendChild(tr);
    renumber();
    return tr;
  }

  function renumber() {
    [pointsBody, zoneBody].forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (tr, i) {
        var n = i + 1;
        var rowLabel = fmt(text[tr.dataset.label], { n: n });
        tr.cells[0].textContent = String(n);
        tr.querySelectorAll("input").forEach(function (input) {
          input.setAttribute("aria-label", rowLabel + ", " + input.dataset.col);
        });
        tr.querySelector("button").setAttribute("aria-label", text.remove + " " + rowLabel);
      });
    });
  }

  function addPoint(u, v, x, y) { return addRow(pointsBody, ["u", "v", "x", "y"], [u, v, x, y], "point"); }
  function addCorner(x, y) { return addRow(zoneBody, ["x", "y"], [x, y], "corner"); }

  // An empty box is sent as "" and an unparseable one as its text, so the server's
  // message names the row and column to fix.
  function read(input) {
    if (input.validity && input.validity.badInput) {
      return fmt(text.notNumber, { what: input.getAttribute("aria-label") });
    }
    var raw = input.value.trim();
    if (raw === "") { return ""; }
    var n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }

  function rows(body, keys) {
    return Array.prototype.map.call(body.rows, function (tr) {
      return keys.map(function (key) { return read(tr.querySelector("[data-k=" + key + "]")); });
    });
  }

  function payload() {
    var points = rows(pointsBody, ["u", "v", "x", "y"]);
    var calibration = {
      image_points: points.map(function (p) { return [p[0], p[1]]; }),
      world_points: points.map(function (p) { return [p[2], p[3]]; }),
      zone: rows(zoneBody, ["x", "y"]),
      speed_limit_kmh: read(document.getElementById("fs-limit")),
      fps: read(document.getElementById("fs-fps"))
    };
    Object.keys(initial.extra || {}).forEach(function (key) { calibration[key] = initial.extra[key]; });
    return { still: stillId, note: document.getElementById("fs-note").value, calibration: calibration };
  }

  function apply(h, x, y) {
    var w = h[2][0] * x + h[2][1] * y + h[2][2];
    return [(h[0][0] * x + h[0][1] * y + h[0][2]) / w, (h[1][0] * x + h[1][1] * y + h[1][2]) / w, w];
  }

  function inverse(m) {
    var a = m[0][0], b = m[0][1], c = m[0][2], d = m[1][0], e = m[1][1], f = m[1][2];
    var g = m[2][0], h = m[2][1], i = m[2][2];
    var det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    return [
      [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
      [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
      [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]
    ];
  }

  function el(name, attrs, content) {
    var node = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function redraw() {
    if (!svg || !img) { return; }
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var size = Math.max(img.naturalWidth || img.width, img.naturalHeight || img.height);
    var r = Math.max(4, size / 110);
    if (homography) {
      var inv = inverse(homography);
      var corners = rows(zoneBody, ["x", "y"]).filter(function (c) {
        return typeof c[0] === "number" && typeof c[1] === "number";
      }).map(function (c) { return apply(inv, c[0], c[1]); });
      if (corners.length >= 3 && corners.every(function (c) { return Number.isFinite(c[0]); })) {
        svg.appendChild(el("polygon", {
          points: corners.map(function (c) { return c[0] + "," + c[1]; }).join(" "),
          "class": "fs-mark-zone", "stroke-width": r / 2
        }));
      }
    }
    rows(pointsBody, ["u", "v"]).forEach(function (p, i) {
      if (typeof p[0] !== "number" || typeof p[1] !== "number") { return; }
      svg.appendChild(el("circle", { cx: p[0], cy: p[1], r: r, "class": "fs-mark-point", "stroke-width": r / 3 }));
      svg.appendChild(el("text", { x: p[0] + r * 1.4, y: p[1] - r * 1.4, "font-size": r * 3.5, "class": "fs-mark-label" }, String(i + 1)));
    });
  }

  function mode() {
    var checked = form.querySelector("input[name=mode]:checked");
    return checked ? checked.value : "point";
  }

  function round1(n) { return Math.round(n * 10) / 10; }
  function round2(n) { return Math.round(n * 100) / 100; }

  if (img) {
    img.addEventListener("click", function (event) {
      var box = img.getBoundingClientRect();
      var u = (event.clientX - box.left) * img.naturalWidth / box.width;
      var v = (event.clientY - box.top) * img.naturalHeight / box.height;
      if (mode() === "zone") {
        if (!homography) { say("info", text.needHomography); return; }
        var world = apply(homography, u, v);
        var empty = Array.prototype.find.call(zoneBody.rows, function (tr) {
          return tr.querySelector("[data-k=x]").value === "" && tr.querySelector("[data-k=y]").value === "";
        });
        if (empty) {
          empty.querySelector("[data-k=x]").value = round2(world[0]);
          empty.querySelector("[data-k=y]").value = round2(world[1]);
        } else {
          addCorner(round2(world[0]), round2(world[1]));
        }
      } else {
        var tr = addPoint(round1(u), round1(v), "", "");
        tr.querySelector("[data-k=x]").focus();
      }
      redraw();
    });
    img.addEventListener("load", redraw);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, error: fmt(text.failed, { status: response.status }) };
      });
    }, function () {
      return { ok: false, error: fmt(text.failed, { status: "network" }) };
    });
  }

  // Rounding must not print "-0.000" for a residual that is zero to the millimetre.
  function metres(n) { return (Math.abs(n) < 0.0005 ? 0 : n).toFixed(3); }

  function showResult(data) {
    var section = document.getElementById("fs-result");
    document.getElementById("fs-rms").textContent = metres(data.rms_m);
    document.getElementById("fs-max").textContent = metres(data.max_residual_m);
    var tbody = document.querySelector("#fs-residuals tbody");
    tbody.innerHTML = "";
    data.points.forEach(function (p) {
      var tr = document.createElement("tr");
      [String(p.number), metres(p.residual_m), metres(p.dx_m), metres(p.dy_m)].forEach(function (v, i) {
        var cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) { cell.scope = "row"; }
        cell.textContent = v;
        tr.appendChild(cell);
      });
      tbody.appendChild(tr);
    });
    if (data.plate) {
      document.getElementById("fs-plate-px").textContent = data.plate.near_px.toFixed(0);
      document.getElementById("fs-plate-min").textContent = String(data.plate.min_px);
      document.getElementById("fs-plate-range").textContent =
        data.plate.narrowest_px.toFixed(0) + "–" + data.plate.widest_px.toFixed(0) + " px across the zone";
    }
    var warnings = document.getElementById("fs-warnings");
    warnings.innerHTML = "";
    data.warnings.forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = w;
      warnings.appendChild(li);
    });
    ["overlay", "birdseye"].forEach(function (name) {
      var node = document.getElementById("fs-" + name);
      var src = data[name + "_png"];
      node.hidden = !src;
      if (src) { node.src = src; }
    });
    section.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say("info", text.checking);
    post(form.dataset.checkUrl, payload()).then(function (data) {
      if (!data.ok) {
        homography = null;
        document.getElementById("fs-result").hidden = true;
        say("error", data.error);
      } else {
        homography = data.homography;
        showResult(data);
        say("success", text.checked);
      }
      redraw();
    });
  });

  document.getElementById("fs-save").addEventListener("click", function () {
    say("info", text.saving);
    post(form.dataset.saveUrl, payload()).then(function (data) {
      if (!data.ok) { say("error", data.error); return; }
      var span = document.createElement("span");
      span.appendChild(document.createTextNode(fmt(text.saved, { v: data.version }) + " "));
      var link = document.createElement("a");
      link.href = data.history_url;
      link.textContent = text.history;
      span.appendChild(link);
      say("success", span);
    });
  });

  document.getElementById("fs-add-point").addEventListener("click", function () {
    addPoint("", "", "", "").querySelector("input").focus();
  });
  document.getElementById("fs-add-corner").addEventListener("click", function () {
    addCorner("", "").querySelector("input").focus();
  });
  document.getElementById("fs-clear-zone").addEventListener("click", function () {
    zoneBody.innerHTML = "";
    for (var i = 0; i < 4; i += 1) { addCorner("", ""); }
    redraw();
  });

  initial.image_points.forEach(function (uv, i) {
    var xy = initial.world_points[i] || ["", ""];
    addPoint(uv[0], uv[1], xy[0], xy[1]);
  });
  (initial.zone.length ? initial.zone : [["", ""], ["", ""], ["", ""], ["", ""]]).forEach(function (c) {
    addCorner(c[0], c[1]);
  });
  document.getElementById("fs-limit").value = initial.speed_limit_kmh;
  document.getElementById("fs-fps").value = initial.fps;
  redraw();
}());
