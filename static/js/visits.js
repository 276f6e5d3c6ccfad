// One visit's pages: rows of items and commitments added and removed on the record form, and on
// the plan form the "before you go" summary of the chosen company and the talking points of the
// chosen purpose; on the portfolio list, a box that ticks every company of the page. Without this
// script the pages still work: the record form offers a button for more rows, the plan form's
// summary follows the company it was opened for, and the companies are ticked one by one.
(function () {
  "use strict";

  // --- the record form's rows ----------------------------------------------------------------
  function renumber(row, prefix, index) {
    var pattern = new RegExp("^" + prefix + "-\\d+-");
    row.querySelectorAll("[name]").forEach(function (el) {
      el.name = el.name.replace(pattern, prefix + "-" + index + "-");
      if (el.id) { el.id = el.id.replace(pattern, prefix + "-" + index + "-"); }
    });
    row.id = prefix + "-" + index;
  }

  function clear(row, defaults) {
    row.classList.remove("has-error");
    row.querySelectorAll(".row-errors").forEach(function (box) { box.textContent = ""; });
    row.querySelectorAll("input, textarea").forEach(function (el) { el.value = ""; });
    row.querySelectorAll("select").forEach(function (el) {
      var wanted = defaults[el.name.replace(/^\w+-\d+-/, "")];
      el.value = wanted !== undefined ? wanted : el.options[0].value;
    });
  }

  function nextIndex(box, prefix) {
    var highest = -1;
    box.querySelectorAll("[data-row] [name]").forEach(function (el) {
      var found = el.name.match(new RegExp("^" + prefix + "-(\\d+)-"));
      if (found) { highest = Math.max(highest, parseInt(found[1], 10)); }
    });
    return highest + 1;
  }

  function rows(form) {
    var defaults = { kind: "request" };
    form.querySelectorAll("[data-rows]").forEach(function (box) {
      var prefix = box.dataset.rows;
      var own = prefix === "commitments" ? { owner_id: box.dataset.defaultOwner || "0" } : defaults;
      var add = form.querySelector("[data-add-row=" + prefix + "]");
      box.querySelectorAll("[data-remove-row]").forEach(function (b) { b.hidden = false; });
      add.hidden = false;
      add.addEventListener("click", function () {
        var all = box.querySelectorAll("[data-row]");
        var row = all[all.length - 1].cloneNode(true);
        renumber(row, prefix, nextIndex(box, prefix));
        clear(row, own);
        box.appendChild(row);
        var first = row.querySelector("select, textarea, input:not([type=hidden])");
        if (first) { first.focus(); }
      });
      box.addEventListener("click", function (event) {
        var button = event.target.closest("[data-remove-row]");
        if (!button) { return; }
        var row = button.closest("[data-row]");
        // the last row stays, emptied: there is always one to write in
        if (box.querySelectorAll("[data-row]").length > 1) { row.remove(); } else { clear(row, own); }
      });
    });
    form.querySelectorAll("[data-no-js], .no-js-hint").forEach(function (el) { el.hidden = true; });
  }

  // --- the plan form --------------------------------------------------------------------------
  function plan(form) {
    var company = form.querySelector("select[name=customer_id]");
    var purpose = form.querySelector("[name=purpose]");
    if (company && form.dataset.summaryUrl) {
      company.addEventListener("change", function () {
        var url = form.dataset.summaryUrl + "?customer_id=" + encodeURIComponent(company.value);
        fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null) { return; }
            var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("before-you-go");
            var shown = document.getElementById("before-you-go");
            if (fresh && shown) { shown.innerHTML = fresh.innerHTML; }
          })
          .catch(function () {});
      });
    }
    if (purpose) {
      var mark = function () {
        document.querySelectorAll(".talking-points [data-purpose]").forEach(function (el) {
          el.classList.toggle("chosen", el.dataset.purpose === purpose.value);
        });
      };
      purpose.addEventListener("change", mark);
      mark();
    }
  }

  // --- the portfolio list: one box ticks every company of the page -----------------------------
  function tickAll(box) {
    var boxes = document.querySelectorAll("input[name=customer_ids]");
    var follow = function () {
      box.checked = boxes.length > 0 && Array.prototype.every.call(boxes, function (b) { return b.checked; });
    };
    box.hidden = false;
    follow();
    box.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = box.checked; });
    });
    boxes.forEach(function (b) { b.addEventListener("change", follow); });
  }

  var record = document.getElementById("record-form");
  if (record) { rows(record); }
  var planForm = document.getElementById("plan-form");
  if (planForm) { plan(planForm); }
  var all = document.querySelector("[data-tick-all]");
  if (all) { tickAll(all); }
})();
