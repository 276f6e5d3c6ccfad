// The work-order desk: the caller found as the clerk types, the fields that belong to one kind of
// call, the read-back line, the promised response time and possible duplicates of the call.
(function () {
  "use strict";

  var debounce = window.frontdesk.debounce, getJSON = window.frontdesk.getJSON;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, name) { return values[name] !== undefined ? values[name] : all; });
  }

  function logForm(form) {
    var el = function (name) { return form.querySelector("[name=" + name + "]"); };
    var val = function (name) { var e = el(name); return e ? e.value.trim() : ""; };
    var optionText = function (name) {
      var e = el(name);
      return e && e.selectedIndex >= 0 ? e.options[e.selectedIndex].text : "";
    };
    var kind = function () { var c = form.querySelector("input[name=kind]:checked"); return c ? c.value : ""; };
    var kindLabel = function () {
      var c = form.querySelector("input[name=kind]:checked");
      return c ? c.parentNode.textContent.trim() : "";
    };
    var response = "";

    // --- the fields of one kind: complexity for a complaint, the answer for an enquiry -------
    function showKindFields() {
      form.querySelectorAll("[data-only-kind]").forEach(function (box) {
        var shown = box.dataset.onlyKind === kind();
        box.hidden = !shown;
        if (!shown) { box.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = false; }); }
      });
    }

    // --- read it back, as on the phone ----------------------------------------------------
    function place() {
      var unit = val("place"), note = val("place_note");
      if (unit) { return unit + (note ? " " + note : ""); }
      if (val("building_id") && val("building_id") !== "0") {
        return optionText("building_id").split(" ")[0] + " " + form.dataset.commonArea + (note ? " " + note : "");
      }
      return note;
    }
    function readBack() {
      var out = document.getElementById("readback");
      if (!out) { return; }
      if (!val("description") && !place()) { out.textContent = ""; return; }
      out.textContent = fill(form.dataset.readback, {
        name: val("reporter_name") || form.dataset.callerUnknown, place: place() || "…",
        problem: val("description") || "…", kind: kindLabel().toLowerCase(), limit: response || "…"
      });
    }
    var fetchLimits = debounce(function () {
      var q = "?kind=" + encodeURIComponent(kind()) + "&category=" + encodeURIComponent(val("category")) +
        "&urgency=" + (el("emergency") && el("emergency").checked ? "emergency" : "normal") +
        "&complexity=" + encodeURIComponent(val("complexity"));
      getJSON(form.dataset.limitsUrl + q, function (limits) { response = limits.response; readBack(); });
    }, 100);

    // --- possible duplicates: link the call instead of logging it twice ----------------------
    var fetchDuplicates = debounce(function () {
      var box = document.getElementById("duplicates");
      var note = document.getElementById("unit-note");
      var unit = val("place"), building = val("building_id");
      if (!box || (!unit && (!building || building === "0"))) { if (box) { box.hidden = true; } return; }
      var q = "?category=" + encodeURIComponent(val("category")) + "&unit=" + encodeURIComponent(unit) +
        "&building_id=" + encodeURIComponent(building);
      getJSON(form.dataset.duplicatesUrl + q, function (found) {
        if (note) { note.textContent = found.unknown_unit ? fill(form.dataset.unknownUnit, { unit: unit }) : ""; }
        var list = box.querySelector("ul");
        list.innerHTML = "";
        found.orders.forEach(function (o) {
          var li = document.createElement("li");
          var text = document.createElement("span");
          text.textContent = o.number + " · " + o.place + " · " + o.description + " · " + o.status + " · " + o.logged_at +
            (o.reporters > 1 ? " · " + fill(form.dataset.callersText, { num: o.reporters }) : "");
          var button = document.createElement("button");
          button.type = "submit";
          button.name = "link_to";
          button.value = o.id;
          button.textContent = fill(form.dataset.linkText, { number: o.number });
          li.appendChild(text);
          li.appendChild(button);
          list.appendChild(li);
        });
        box.hidden = found.orders.length === 0;
      });
    }, 200);

    // --- the caller, found by name, phone or unit -------------------------------------------
    function callerField() {
      var input = el("caller"), list = document.getElementById("caller-suggestions"), active = -1;
      if (!input || !list) { return; }
      function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
      function choose(li) {
        var c = JSON.parse(li.dataset.caller);
        el("customer_id").value = c.customer_id || "";
        el("reporter_name").value = c.name;
        var phone = el("reporter_phone");
        phone.value = c.phone || "";
        phone.placeholder = c.phone ? "" : fill(form.dataset.onFile, { phone: c.phone_shown });
        if (c.unit) { el("place").value = c.unit; el("building_id").value = "0"; }
        input.value = li.textContent;
        close();
        fetchDuplicates();
        readBack();
        el("description").focus();
      }
      function highlight(i) {
        var items = list.querySelectorAll("li");
        if (!items.length) { return; }
        active = (i + items.length) % items.length;
        items.forEach(function (li, n) { li.classList.toggle("active", n === active); li.setAttribute("aria-selected", n === active); });
      }
      var search = debounce(function () {
        var q = input.value.trim();
        if (!q) { close(); return; }
        getJSON(form.dataset.callersUrl + "?q=" + encodeURIComponent(q), function (callers) {
          list.innerHTML = "";
          callers.forEach(function (c) {
            var li = document.createElement("li");
            li.setAttribute("role", "option");
            li.dataset.caller = JSON.stringify(c);
            li.textContent = [c.name, c.company, c.unit, c.phone_shown].filter(Boolean).join(" · ");
            li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
            list.appendChild(li);
          });
          list.hidden = callers.length === 0;
          input.setAttribute("aria-expanded", callers.length ? "true" : "false");
          if (callers.length) { highlight(0); }
        });
      }, 150);
      input.addEventListener("input", function () { el("customer_id").value = ""; el("reporter_phone").placeholder = ""; search(); });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); }  // Enter picks a caller, it never logs the order
        if (list.hidden) { return; }
        if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
        else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
        else if (e.key === "Enter" || e.key === "Tab") {
          var li = list.querySelectorAll("li")[active];
          if (li) { if (e.key === "Tab") { e.preventDefault(); } choose(li); }
        } else if (e.key === "Escape") { close(); }
      });
      input.addEventListener("blur", function () { setTimeout(close, 100); });
    }

    callerField();
    showKindFields();
    form.addEventListener("change", function (e) {
      var name = e.target.name;
      if (name === "kind") { showKindFields(); }
      if (["kind", "category", "emergency", "complexity"].indexOf(name) >= 0) { fetchLimits(); }
      if (["place", "building_id", "category"].indexOf(name) >= 0) { fetchDuplicates(); }
      readBack();
    });
    form.addEventListener("input", function (e) {
      if (e.target.name === "place") {
        if (val("place")) { el("building_id").value = "0"; }
        fetchDuplicates();
      }
      readBack();
    });
    fetchLimits();
    fetchDuplicates();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("log-form");
    if (form) { logForm(form); }
  });
})();
