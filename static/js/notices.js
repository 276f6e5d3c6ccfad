// The draft form of a notice: the live preview (the printed page, the wording notes, the length of
// the text message) fetched from the server as the drafter types, so it is drawn by the same rules
// as the page and the PDF; the text-message box shown when that channel is chosen.
(function () {
  "use strict";

  var form = document.getElementById("notice-form");
  if (!form) { return; }
  var debounce = window.frontdesk.debounce;
  var paper = document.getElementById("preview-paper");
  var notesList = document.getElementById("notes-list");
  var count = document.getElementById("sms-count");
  var sms = form.querySelector("[name=sms_text]");
  var toSms = form.querySelector("[name=to_sms]");
  var smsBox = document.getElementById("sms-box");
  var limit = parseInt(sms.getAttribute("data-limit"), 10);

  // the live preview makes the button that re-renders the page unnecessary
  form.querySelectorAll(".js-hide").forEach(function (button) { button.hidden = true; });

  // counted as the server counts: characters, not UTF-16 units, without the spaces around
  function countSms() {
    var n = Array.from(sms.value.trim()).length;
    count.textContent = n + " / " + limit;
    count.classList.toggle("over", n > limit);
  }

  function showSms() {
    smsBox.hidden = !toSms.checked && !smsBox.classList.contains("has-error");
  }

  function showNotes(notes, empty) {
    notesList.innerHTML = "";
    (notes.length ? notes : [null]).forEach(function (note) {
      var item = document.createElement("li");
      item.className = note ? "warn" : (empty ? "muted" : "ok");
      item.textContent = note || (empty ? form.dataset.notesEmpty : form.dataset.notesNone);
      notesList.appendChild(item);
    });
  }

  var asked = 0;
  var refresh = debounce(function () {
    var mine = ++asked;
    fetch(form.dataset.previewUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "Accept": "application/json" }
    })
      .then(function (r) {
        var type = r.headers.get("Content-Type") || "";
        return type.indexOf("json") >= 0 ? r.json() : null;
      })
      .then(function (found) {
        if (!found || mine !== asked) { return; }  // a later answer is on its way
        paper.innerHTML = found.html;  // drawn by the server's template, the drafter's text escaped
        showNotes(found.notes, found.empty);
      })
      .catch(function () {});  // the preview is lost for a moment, the form keeps working
  }, 350);

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  sms.addEventListener("input", countSms);
  toSms.addEventListener("change", showSms);
  showSms();
  countSms();

  // the PDF preview opens in a new tab: keep the form usable afterwards (app.js marks a sent form busy)
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("data-preview-pdf")) {
      setTimeout(function () {
        form.dataset.submitted = "";
        form.classList.remove("busy");
      }, 1500);
    }
  });
}());
