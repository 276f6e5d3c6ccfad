// The payment panel. Amounts are handled as integer fen (data-fen), never as floating point.
(function () {
  var form = document.getElementById("payment-form");
  if (!form) { return; }
  var boxes = form.querySelectorAll("input[name=charge_ids]");
  var tickAll = document.getElementById("tick-all");
  var amount = form.querySelector("input[name=amount]");
  var tendered = form.querySelector("input[name=tendered]");
  var change = document.getElementById("change");
  var tickedTotal = document.getElementById("ticked-total");

  // "1,234.5" / "￥1234.50" → 123450 fen; null when it is not an amount with at most two decimals
  function toFen(text) {
    var cleaned = String(text || "").replace(/[,，\s¥￥]/g, "");
    var m = /^(\d{1,12})(?:\.(\d{0,2}))?$/.exec(cleaned);
    if (!m) { return null; }
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }

  function plain(fen) {
    var yuan = Math.floor(fen / 100), rest = fen % 100;
    return yuan + "." + (rest < 10 ? "0" : "") + rest;
  }

  function grouped(fen) {
    var text = plain(fen), parts = text.split(".");
    return "￥" + parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + parts[1];
  }

  function ticked() {
    var sum = 0;
    boxes.forEach(function (box) { if (box.checked) { sum += parseInt(box.getAttribute("data-fen"), 10); } });
    return sum;
  }

  function showChange() {
    if (!change || !amount) { return; }
    var due = toFen(amount.value), given = tendered && tendered.value.trim() ? toFen(tendered.value) : due;
    if (due === null || given === null) { change.textContent = "—"; change.className = ""; return; }
    if (given < due) { change.textContent = change.getAttribute("data-short"); change.className = "short"; return; }
    change.textContent = grouped(given - due);
    change.className = "";
  }

  function onTick() {
    var sum = ticked();
    if (tickedTotal) { tickedTotal.textContent = sum ? grouped(sum) : tickedTotal.getAttribute("data-label-none"); }
    if (amount) { amount.value = sum ? plain(sum) : ""; }
    if (tickAll) { tickAll.checked = Array.prototype.every.call(boxes, function (b) { return b.checked; }); }
    showChange();
  }

  function showMethod() {
    var chosen = form.querySelector("input[name=method]:checked");
    var method = chosen ? chosen.value : "cash";
    form.querySelectorAll("[data-for-method]").forEach(function (block) {
      block.hidden = block.getAttribute("data-for-method").split(" ").indexOf(method) < 0;
    });
  }

  boxes.forEach(function (box) { box.addEventListener("change", onTick); });
  if (tickAll) {
    tickAll.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = tickAll.checked; });
      onTick();
    });
  }
  form.querySelectorAll("input[name=method]").forEach(function (r) { r.addEventListener("change", showMethod); });
  if (amount) { amount.addEventListener("input", showChange); }
  if (tendered) { tendered.addEventListener("input", showChange); }
  showMethod();
  showChange();
})();
