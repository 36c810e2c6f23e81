// The language switcher links to the same page in the other language (hooks/i18n.py). Heading ids are
// identical in both languages, so carry the section being read along as well: the #fragment if its
// heading is on screen, else the last heading scrolled past (nothing at the top of the page). Work is
// done only on the click, not while scrolling.
function currentSection() {
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target) {
    const box = target.getBoundingClientRect();
    if (box.bottom > 0 && box.top < innerHeight) return target.id;
  }
  const header = document.querySelector(".md-header");
  const line = (header ? header.getBoundingClientRect().bottom : 0) + 16;
  let current = "";
  for (const heading of document.querySelectorAll(".md-content h2[id], .md-content h3[id]")) {
    if (heading.getBoundingClientRect().top > line) break;
    current = heading.id;
  }
  return current;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.md-select__link[hreflang]");
  if (!link) return;
  const section = currentSection();
  link.href = link.href.split("#")[0] + (section ? "#" + section : "");
}, true);
