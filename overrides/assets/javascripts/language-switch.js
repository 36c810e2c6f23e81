// The language switcher links to the same page in the other language (hooks/i18n.py). Heading ids are
// identical in both languages, so carry the section (#flow-control) along as well.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.md-select__link[hreflang]");
  if (link && location.hash) link.href = link.href.split("#")[0] + location.hash;
}, true);
