// The light/dark toggle after load (overrides/partials/palette.html says why it replaces Material's): the
// reader clicks a toggle (its label checks the next option's radio) or presses Enter on it, or the system
// switches while the page follows the system. __md_palette, defined inline in the header
// (partials/javascripts/palette.html), applies an option and returns the state Material stores.
(function () {
  const form = document.querySelector("form[data-md-palette]");
  if (!form || typeof __md_palette !== "function") return;
  const inputs = [...form.querySelectorAll("input[name=__palette]")];
  const current = () => Math.max(0, inputs.findIndex((input) => input.checked));
  const meta = (name) =>
    document.querySelector(`meta[name="${name}"]`) ||
    document.head.appendChild(Object.assign(document.createElement("meta"), { name }));

  // The browser's own UI in the header's colours, as Material sets them.
  function metas() {
    const style = getComputedStyle(document.querySelector("[data-md-component=header]"));
    const scheme = style.colorScheme, background = style.backgroundColor; // both read before either is set
    // Writing the color-scheme meta restyles the whole page, even with the same value: only when it differs.
    if (meta("color-scheme").content !== scheme) meta("color-scheme").content = scheme;
    meta("theme-color").content =
      "#" + background.match(/\d+/g).slice(0, 3).map((v) => (+v).toString(16).padStart(2, "0")).join("");
  }

  // While switching, transitions are off (Material's CSS: `[data-md-color-switching] *`) until two frames
  // have been drawn in the new colours: they change at once, never half-way.
  function change(index) {
    document.body.setAttribute("data-md-color-switching", "");
    const state = __md_palette(index);
    metas();
    requestAnimationFrame(() =>
      requestAnimationFrame(() => document.body.removeAttribute("data-md-color-switching")),
    );
    return state;
  }

  form.addEventListener("change", (event) => {
    const index = inputs.indexOf(event.target);
    if (index >= 0) __md_set("__palette", change(index));
  });
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const next = inputs[(current() + 1) % inputs.length];
    next.click();
    next.focus();
  });
  matchMedia("(prefers-color-scheme: light)").addEventListener("change", () => {
    const index = current();
    if (inputs[index].getAttribute("data-md-color-media") === "(prefers-color-scheme)") change(index);
  });
  // At load, once the page has been drawn: the style is then up to date, and reading it costs nothing.
  addEventListener("load", () => (window.requestIdleCallback || setTimeout)(metas));
})();
