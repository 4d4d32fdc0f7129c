// TOH Recovery dashboard: small progressive enhancement (every form works without it).
// After htmx swaps a flag for its result, focus moves to the result, so keyboard and screen
// reader users stay where they were and hear which patient's flag changed.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.elt;
  var result = target && target.matches && target.matches("[data-focus-after-swap]")
    ? target
    : document.querySelector("[data-focus-after-swap]");
  if (result) {
    result.focus();
    result.removeAttribute("data-focus-after-swap");
  }
});
// htmx does not swap error answers by default; a refused action (e.g. a missing note) shows
// its message in place.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
