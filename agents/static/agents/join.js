// The checklist of R-REG-4, ticked as the agent types; the server's validators decide.
(function () {
  // R-AVAIL-1: the agent's time zone is the browser's when it tells one, else the ZIP's.
  var zone = document.getElementById("id_browser_time_zone");
  if (zone && window.Intl) { zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; }
  var input = document.getElementById("id_password1");
  var items = document.querySelectorAll("#password-checklist li");
  function run(p, test) { var n = 1, best = p ? 1 : 0; for (var i = 1; i < p.length; i++) { n = test(p[i - 1], p[i]) ? n + 1 : 1; if (n > best) best = n; } return best; }
  function kind(c) { return /[0-9]/.test(c) ? "d" : (/[a-z]/i.test(c) ? "l" : ""); }
  function step(d) { return function (a, b) { a = a.toLowerCase(); b = b.toLowerCase(); return kind(a) && kind(a) === kind(b) && b.charCodeAt(0) - a.charCodeAt(0) === d; }; }
  function check() {
    var p = input.value;
    var met = {
      no_spaces: !/\s/.test(p), length: p.length >= 8 && p.length <= 20, number: /[0-9]/.test(p),
      lower: /[a-z]/.test(p), upper: /[A-Z]/.test(p), special: /[!-\/:-@\[-`{-~]/.test(p),
      repeats: run(p, function (a, b) { return a === b; }) <= 3,
      sequence: Math.max(run(p, step(1)), run(p, step(-1))) <= 3
    };
    items.forEach(function (li) { li.classList.toggle("met", !!met[li.dataset.rule]); });
  }
  input.addEventListener("input", check); check();
})();
