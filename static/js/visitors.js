// The visitor desk: host suggestions as the clerk types, a returning visitor filled in from their
// phone number, the read-back line, and the host's answer appearing without a reload.
(function () {
  "use strict";

  var debounce = window.frontdesk.debounce, getJSON = window.frontdesk.getJSON;

  // --- host suggestions ---------------------------------------------------------------------
  function hostField(box) {
    var input = box.querySelector("input[name=host]");
    var ref = box.closest("form").querySelector("input[name=host_ref]");
    var list = box.querySelector(".suggestions");
    var active = -1;
    if (!input || !ref || !list) { return; }

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function choose(li) {
      input.value = li.dataset.label;
      ref.value = li.dataset.ref;
      close();
      input.dispatchEvent(new Event("host-chosen", { bubbles: true }));
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
      getJSON(box.dataset.hostsUrl + "?q=" + encodeURIComponent(q), function (hosts) {
        list.innerHTML = "";
        hosts.forEach(function (h) {
          var li = document.createElement("li");
          li.setAttribute("role", "option");
          li.dataset.ref = h.ref;
          li.dataset.label = h.label;
          li.textContent = h.label;
          li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
          list.appendChild(li);
        });
        list.hidden = hosts.length === 0;
        input.setAttribute("aria-expanded", hosts.length ? "true" : "false");
        if (hosts.length) { highlight(0); }
      });
    }, 150);

    input.addEventListener("input", function () { ref.value = ""; search(); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Enter" || e.key === "Tab") {
        var li = list.querySelectorAll("li")[active];
        if (li) { if (e.key === "Enter") { e.preventDefault(); } choose(li); }
      } else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  // --- a returning visitor ------------------------------------------------------------------
  function returningVisitor(form) {
    var phone = form.querySelector("input[name=phone]");
    var url = form.dataset.returningUrl;
    var last = "";
    if (!phone || !url) { return; }

    function set(name, value, always) {
      var el = form.querySelector("[name=" + name + "]");
      if (el && value !== undefined && value !== null && value !== "" && (always || !el.value || el.value === "1")) {
        el.value = value;
      }
    }
    function lookUp(then) {
      var value = phone.value.trim();
      if (value.length < 7 || value === last) { if (then) { then(); } return; }
      last = value;
      getJSON(url + "?phone=" + encodeURIComponent(value), function (v) {
        var note = document.getElementById("returning-note");
        if (v.found) {
          ["name", "company", "plate", "purpose_note"].forEach(function (n) { set(n, v[n]); });
          set("purpose", v.purpose, true);
          set("party_size", v.party_size);
          var idField = form.querySelector("[name=id_number]");
          if (idField && v.id_on_file) { idField.placeholder = form.dataset.idOnFileText.replace("%(number)s", v.id_on_file); }
          if (v.host_ref && !form.querySelector("[name=host_ref]").value) { set("host", v.host, true); set("host_ref", v.host_ref, true); }
          if (!note) {
            note = document.createElement("div");
            note.id = "returning-note";
            note.className = "hint returning";
            phone.parentNode.appendChild(note);
          }
          note.textContent = form.dataset.returningText.replace("%(num)s", v.visits);
        } else if (note) {
          note.remove();
        }
        readBack(form);
        if (then) { then(); }
      });
    }
    phone.addEventListener("change", function () { lookUp(); });
    phone.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      e.preventDefault();
      lookUp(function () {
        var next = ["name", "host"].map(function (n) { return form.querySelector("[name=" + n + "]"); })
          .filter(function (el) { return el && !el.value; })[0];
        (next || form.querySelector("button.primary")).focus();
      });
    });
  }

  // --- read back what was typed, as on the phone -------------------------------------------
  function readBack(form) {
    var out = document.getElementById("readback");
    if (!out) { return; }
    function val(n) { var el = form.querySelector("[name=" + n + "]"); return el ? el.value.trim() : ""; }
    function text(n) { var el = form.querySelector("[name=" + n + "]"); return el && el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : ""; }
    if (!val("name") && !val("host")) { out.textContent = ""; return; }
    var who = val("name") + (val("company") ? "（" + val("company") + "）" : "");
    var people = parseInt(val("party_size"), 10) > 1 ? " ×" + val("party_size") : "";
    var pass = form.querySelector("[name=pass_id]") && val("pass_id") !== "0" ? " · " + text("pass_id") : "";
    out.textContent = who + people + " → " + val("host") + " · " + text("purpose") + pass;
  }

  // --- the host's answer, without reloading ------------------------------------------------
  function pollAnswers() {
    var watched = document.querySelectorAll("[data-poll-visit]");
    var source = document.querySelector("[data-answers-url]");
    if (!watched.length || !source) { return; }
    var ids = Array.prototype.map.call(watched, function (el) { return el.dataset.pollVisit; });
    getJSON(source.dataset.answersUrl + "?ids=" + ids.join(","), function (rows) {
      rows.forEach(function (r) {
        document.querySelectorAll("[data-call-for='" + r.id + "']").forEach(function (el) {
          el.hidden = !r.call_host;
        });
        if (!r.answer) { return; }
        document.querySelectorAll("[data-answer-for='" + r.id + "']").forEach(function (cell) {
          if (cell.dataset.answered === r.answer) { return; }
          cell.dataset.answered = r.answer;
          cell.innerHTML = "";
          var badge = document.createElement("span");
          badge.className = "badge fresh " + (r.answer === "decline" ? "bad" : "ok");
          badge.textContent = r.answer_label + (r.answered_at ? " " + r.answered_at : "");
          cell.appendChild(badge);
          if (r.note) {
            var note = document.createElement("div");
            note.className = "small";
            note.textContent = "“" + r.note + "”";
            cell.appendChild(note);
          }
          var forms = document.querySelectorAll("form[action$='/visits/" + r.id + "/phone-answer']");
          forms.forEach(function (f) { f.hidden = true; });
        });
        document.querySelectorAll("[data-call-for='" + r.id + "']").forEach(function (el) { el.hidden = true; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".host-field").forEach(hostField);
    var form = document.getElementById("register-form");
    if (form) {
      returningVisitor(form);
      form.addEventListener("input", function () { readBack(form); });
      form.addEventListener("host-chosen", function () {
        readBack(form);
        form.querySelector("button.primary").focus();
      });
      readBack(form);
    }
    if (document.querySelector("[data-poll-visit]")) { setInterval(pollAnswers, 4000); }
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
