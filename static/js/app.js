// Counter helpers, no framework: one click makes one submission; confirm before destructive actions.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); return; }
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  // not `disabled`: a disabled submitter would drop its name=value from the request
  form.classList.add("busy");
  // a form that returns a file (PDF) leaves the page in place: let it be used again
  if (form.target === "_blank" || form.hasAttribute("data-download")) {
    setTimeout(function () {
      form.dataset.submitted = "";
      form.classList.remove("busy");
    }, 1500);
  }
});

// a button that prints the page it is on (a handover sheet)
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print-page]")) { window.print(); }
});

// shared by the desk pages' own scripts (loaded after this one)
window.frontdesk = {
  // call `fn` once the typing has paused for `ms`
  debounce: function (fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  },
  // GET JSON and hand it to `done`; a failure only loses the hint, the desk keeps working
  getJSON: function (url, done) {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data !== null) { done(data); } })
      .catch(function () {});
  }
};
